"""Lesson 08's check names each planted mistake in a stacked bidirectional tagger."""
import pytest

from rnnlab.models import specs

from mistakes import assert_hint_names, planted


def tagger(layers_fn, compile_kw=None, shape=lambda T, V: (T, V)):
    def build_tagger(T, V):
        import keras
        L = keras.layers
        model = keras.Sequential([keras.Input(shape(T, V))] + layers_fn(L, V))
        kw = dict(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        kw.update(compile_kw or {})
        model.compile(**kw)
        return model
    return build_tagger


def spec(L, V, first=None, second=None, head=None):
    return [first or L.Bidirectional(L.GRU(32, return_sequences=True)),
            second or L.Bidirectional(L.GRU(16, return_sequences=True)),
            head or L.Dense(V, activation="softmax")]


TAGGER_MISTAKES = {
    "not bidirectional": (tagger(lambda L, V: spec(L, V, L.GRU(32, return_sequences=True), L.GRU(16, return_sequences=True))),
                          "wrap each one in layers.Bidirectional"),
    "first layer returns only the last output": (tagger(lambda L, V: spec(L, V, first=L.Bidirectional(L.GRU(32)))),
                                                 "return_sequences=True"),
    "second layer returns only the last output": (tagger(lambda L, V: spec(L, V, second=L.Bidirectional(L.GRU(16)))),
                                                  "answers at every step"),
    "wrong units": (tagger(lambda L, V: spec(L, V, second=L.Bidirectional(L.GRU(32, return_sequences=True)))),
                    "32 units; the specification says 16"),
    "merge by sum": (tagger(lambda L, V: spec(L, V, first=L.Bidirectional(L.GRU(32, return_sequences=True),
                                                                           merge_mode="sum"))), "merge_mode='sum'"),
    "LSTM instead of GRU": (tagger(lambda L, V: spec(L, V, first=L.Bidirectional(L.LSTM(32, return_sequences=True)))),
                            "Bidirectional(LSTM)(32)"),
    "sigmoid head": (tagger(lambda L, V: spec(L, V, head=L.Dense(V, activation="sigmoid"))), "'sigmoid'"),
    "one output unit": (tagger(lambda L, V: spec(L, V, head=L.Dense(1, activation="softmax"))), "1 units"),
    "one-hot loss": (tagger(lambda L, V: spec(L, V), {"loss": "categorical_crossentropy"}), "sparse version"),
    "default learning rate": (tagger(lambda L, V: spec(L, V), {"optimizer": "adam"}), "learning rate is 0.001"),
    "input (V, T)": (tagger(lambda L, V: spec(L, V), shape=lambda T, V: (V, T)), "(batch, features, timesteps)"),
}


@pytest.mark.parametrize("wrong, phrase", planted(TAGGER_MISTAKES))
def test_build_tagger_check_names_the_mistake(wrong, phrase, keras):
    assert_hint_names("8.1", wrong, phrase)


def test_tagger_parameters_double_with_bidirectional(keras):

    m = specs.build_tagger(16, 4)
    # forward GRU(32) on 4 inputs: 3 * (4*32 + 32*32 + 2*32) = 3648, twice; GRU(16) on 64: 3 * (64*16 + 16*16 + 32)
    assert m.count_params() == 2 * 3648 + 2 * 3936 + (32 * 4 + 4)
    assert tuple(m.output_shape) == (None, 16, 4)
