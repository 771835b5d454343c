"""Lesson 07's checks pass the reference and name each planted mistake; the helpers behave."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.models import specs
from rnnlab.data import batching

from mistakes import assert_hint_names, planted


# --------------------------------------------------------------------------------------
# 7.1 to_rnn_input
# --------------------------------------------------------------------------------------

def test_to_rnn_input_regroups_feature_major_columns():
    table = np.array([[1, 2, 3, 10, 20, 30]])      # feature 0 at t = 0, 1, 2, then feature 1
    x = batching.to_rnn_input(table, 3)
    assert x.shape == (1, 3, 2)
    assert x[0].tolist() == [[1, 10], [2, 20], [3, 30]]


def test_to_rnn_input_rejects_a_column_count_that_is_not_a_multiple_of_T():
    with pytest.raises(ValueError, match=r"not a multiple of T = 4 .*\(2, 6\)"):
        batching.to_rnn_input(np.zeros((2, 6)), 4)


RESHAPE_MISTAKES = {
    "(samples, features, timesteps)": (lambda tab, T: tab.reshape(len(tab), -1, T), "(samples, features, timesteps)"),
    "reshape without regrouping": (lambda tab, T: tab.reshape(len(tab), T, -1), "scrambles"),
    "time-major": (lambda tab, T: tab.reshape(len(tab), -1, T).transpose(2, 0, 1), "batch-major"),
    "2-D for one feature": (lambda tab, T: tab if tab.shape[1] == T else batching.to_rnn_input(tab, T), "still be 3-D"),
    "float64 always": (lambda tab, T: batching.to_rnn_input(tab, T).astype(np.float64), "dtype"),
    "reversed time": (lambda tab, T: batching.to_rnn_input(tab, T)[:, ::-1], "reversed"),
}


@pytest.mark.parametrize("wrong, phrase", planted(RESHAPE_MISTAKES))
def test_to_rnn_input_check_names_the_mistake(wrong, phrase):
    assert_hint_names("7.1", wrong, phrase)


# --------------------------------------------------------------------------------------
# 7.2 build_classifier
# --------------------------------------------------------------------------------------

def builder(layers, compile_kw=None, shape=lambda T, D: (T, D)):
    def build_classifier(T, D):
        import keras
        L = keras.layers
        model = keras.Sequential([keras.Input(shape(T, D))] + layers(L))
        kw = dict(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
        if compile_kw != "skip":
            kw.update(compile_kw or {})
            model.compile(**kw)
        return model
    return build_classifier


def good(L):
    return [L.LSTM(32, return_sequences=True), L.GRU(16), L.Dense(1, activation="sigmoid")]


MODEL_MISTAKES = {
    "missing return_sequences": (builder(lambda L: [L.LSTM(32), L.GRU(16), L.Dense(1, activation="sigmoid")]),
                                 "return_sequences=True"),
    "input (D, T)": (builder(good, shape=lambda T, D: (D, T)), "(batch, features, timesteps)"),
    "wrong units": (builder(lambda L: [L.LSTM(64, return_sequences=True), L.GRU(16),
                                       L.Dense(1, activation="sigmoid")]), "64 units; the specification says 32"),
    "SimpleRNN for LSTM": (builder(lambda L: [L.SimpleRNN(32, return_sequences=True), L.GRU(16),
                                              L.Dense(1, activation="sigmoid")]), "SimpleRNN(32) -> GRU(16)"),
    "both return sequences": (builder(lambda L: [L.LSTM(32, return_sequences=True), L.GRU(16, return_sequences=True),
                                                 L.Dense(1, activation="sigmoid")]), "return_sequences=False"),
    "no sigmoid": (builder(lambda L: [L.LSTM(32, return_sequences=True), L.GRU(16), L.Dense(1)]), "'linear'"),
    "no bias": (builder(lambda L: [L.LSTM(32, return_sequences=True), L.GRU(16),
                                   L.Dense(1, activation="sigmoid", use_bias=False)]), "parameters"),
    "not compiled": (builder(good, "skip"), "not compiled"),
    "SGD": (builder(good, {"optimizer": "sgd"}), "SGD"),
    "mse": (builder(good, {"loss": "mse"}), "'mse'"),
    "hard-coded shape": (builder(good, shape=lambda T, D: (7, 3)), "ignores the arguments"),
}


@pytest.mark.parametrize("wrong, phrase", planted(MODEL_MISTAKES))
def test_build_classifier_check_names_the_mistake(wrong, phrase, keras):
    assert_hint_names("7.2", wrong, phrase)


def test_build_classifier_check_accepts_adam_by_name(keras):
    # optimizer="adam" is not a mistake: Adam's default learning rate IS 1e-3
    res = checks.evaluate("7.2", builder(good, {"optimizer": "adam"}))
    assert res.status == checks.PASSED, res.line()


def test_build_classifier_check_names_a_wrong_learning_rate(keras):
    assert_hint_names("7.2", builder(good, {"optimizer": keras.optimizers.Adam(1e-2)}), "learning rate is 0.01")


def test_model_description_lists_layers_shapes_and_parameters(keras):

    text = specs.describe(specs.build_classifier(7, 3))
    assert text.splitlines()[0] == "input (None, 7, 3)"
    assert "LSTM" in text and "(None, 7, 32)" in text and "total 7025 parameters" in text


# --------------------------------------------------------------------------------------
# 7.3 pad_and_mask
# --------------------------------------------------------------------------------------

def test_pad_and_mask_pads_at_the_end_and_masks_by_length():
    seqs = [np.ones((2, 1), np.float32), np.zeros((3, 1), np.float32)]
    x, mask = batching.pad_and_mask(seqs, value=-1)
    assert x.dtype == np.float32 and x[:, :, 0].tolist() == [[1, 1, -1], [0, 0, 0]]
    assert mask.tolist() == [[True, True, False], [True, True, True]]


def test_pad_and_mask_names_bad_sequences():
    with pytest.raises(ValueError, match=r"seqs\[1\] has shape \(2, 3\)"):
        batching.pad_and_mask([np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"seqs\[0\] should be 2-D with shape \(T_i, D\)"):
        batching.pad_and_mask([np.zeros(3)])


def pad_with(mask_fn=None, pre=False, fill=None, T_of=max, mask_dtype=bool, mask_3d=False):
    def pad_and_mask(seqs, value=0.0):
        T = T_of(len(s) for s in seqs) if T_of is max else len(seqs[0])
        v = value if fill is None else fill
        x = np.full((len(seqs), T, seqs[0].shape[1]), v, dtype=seqs[0].dtype)
        mask = np.zeros((len(seqs), T), bool)
        for i, s in enumerate(seqs):
            s = s[:T]
            if pre:
                x[i, T - len(s):], mask[i, T - len(s):] = s, True
            else:
                x[i, :len(s)], mask[i, :len(s)] = s, True
        if mask_fn is not None:
            mask = mask_fn(x, mask, value)
        if mask_3d:
            mask = np.repeat(mask[..., None], x.shape[-1], axis=-1)
        return x, mask.astype(mask_dtype)
    return pad_and_mask


PAD_MISTAKES = {
    "pre-padding": (pad_with(pre=True), "pre-padding"),
    "inverted mask": (pad_with(mask_fn=lambda x, m, v: ~m), "inverted"),
    "mask from the values": (pad_with(mask_fn=lambda x, m, v: np.any(x != v, axis=-1)), "from the lengths"),
    "ignores value": (pad_with(fill=0.0), "ignores `value`"),
    "first length": (pad_with(T_of=None), "LONGEST"),
    "int mask": (pad_with(mask_dtype=int), "boolean"),
    "mask per feature": (pad_with(mask_3d=True), "one flag per time step"),
}


@pytest.mark.parametrize("wrong, phrase", planted(PAD_MISTAKES))
def test_pad_and_mask_check_names_the_mistake(wrong, phrase):
    assert_hint_names("7.3", wrong, phrase)


def test_pad_and_mask_matches_keras_pad_sequences_post(keras):
    seqs = [np.arange(1, 4, dtype="float32")[:, None], np.arange(1, 3, dtype="float32")[:, None]]
    ours, mask = batching.pad_and_mask(seqs)
    theirs = keras.utils.pad_sequences([s[:, 0] for s in seqs], padding="post", dtype="float32")
    assert np.array_equal(ours[..., 0], theirs)
    assert np.array_equal(mask, np.asarray(keras.layers.Masking(0.0).compute_mask(ours)))
