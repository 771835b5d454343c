"""Lesson 09: the numpy attention matches Keras, its check names each planted mistake, the
dates data and the attention explorer's compute core behave."""
import numpy as np
import pytest

from rnnlab.reference import attention as att
from rnnlab.data import dates
from rnnlab.viz import explorers

from mistakes import assert_hint_names, planted


def test_dot_attention_matches_keras_attention_with_a_mask(keras):
    r = np.random.default_rng(0)
    q, v = r.standard_normal((2, 3, 4)).astype("float32"), r.standard_normal((2, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    context, weights = att.dot_attention(q, v, mask)
    k_context, k_weights = keras.layers.Attention()([q, v], mask=[None, mask], return_attention_scores=True)
    assert np.allclose(context, k_context, atol=1e-6) and np.allclose(weights, k_weights, atol=1e-6)
    assert np.all(weights[0, :, 3:] == 0) and np.allclose(weights.sum(-1), 1)
    assert context.dtype == np.float32


def test_dot_attention_is_stable_for_huge_scores_and_names_bad_shapes():
    q = np.full((1, 1, 2), 1000.0)
    v = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    _, w = att.dot_attention(q, v)
    assert np.allclose(w, [[[0, 0, 1]]])
    with pytest.raises(ValueError, match=r"values should have shape \(N, Tx, H\)"):
        att.dot_attention(np.zeros((2, 3, 4)), np.zeros((2, 5, 3)))


def _softmax_naive(s):
    e = np.exp(s)
    return e / e.sum(-1, keepdims=True)


def attention_with(weights_fn, context_fn=lambda w, s, v: w @ v, swap=False, dtype=None):
    def dot_attention(queries, values, mask=None):
        scores = queries @ values.transpose(0, 2, 1)
        if mask is not None:
            scores = np.where(mask[:, None, :], scores, -np.inf)
        w = weights_fn(scores)
        c = context_fn(w, scores, values)
        if dtype is not None:
            w, c = w.astype(dtype), c.astype(dtype)
        return (w, c) if swap else (c, w)
    return dot_attention


def transposed(q, v):
    w = att.softmax(v @ q.transpose(0, 2, 1), axis=1)        # (N, Tx, Ty)
    return w.transpose(0, 2, 1) @ v, w


def good_softmax(s):
    return att.softmax(s, axis=-1)


ATTENTION_MISTAKES = {
    "no max subtracted": (attention_with(_softmax_naive), "Subtract each row's maximum"),
    "softmax over the decoder axis": (attention_with(lambda s: att.softmax(s, axis=1)), "wrong axis"),
    "context from scores": (attention_with(good_softmax, lambda w, s, v: s @ v), "raw scores"),
    "no normalisation": (attention_with(np.exp), "without the division"),
    "scaled": (attention_with(lambda s: att.softmax(s / 2.0, axis=-1)), "scaled dot product"),
    "swapped results": (attention_with(good_softmax, swap=True), "swapped"),
    "transposed scores": (lambda q, v, mask=None: transposed(q, v), "(N, Tx, Ty)"),
    "float64": (attention_with(good_softmax, dtype=np.float64), "dtype"),
}


@pytest.mark.parametrize("wrong, phrase", planted(ATTENTION_MISTAKES))
def test_dot_attention_check_names_the_mistake(wrong, phrase):
    assert_hint_names("9.1", wrong, phrase)


def test_dot_attention_check_names_mask_mistakes():
    def ignores_mask(queries, values, mask=None):
        return att.dot_attention(queries, values)

    def masks_weights(queries, values, mask=None):
        c, w = att.dot_attention(queries, values)
        if mask is not None:
            w = w * mask[:, None, :]
        return w @ values, w

    def multiplies_scores(queries, values, mask=None):
        s = queries @ values.transpose(0, 2, 1)
        if mask is not None:
            s = s * mask[:, None, :]
        w = att.softmax(s)
        return w @ values, w

    assert_hint_names("9.1", ignores_mask, "The mask is ignored")
    assert_hint_names("9.1", masks_weights, "no longer sum to 1")
    assert_hint_names("9.1", multiplies_scores, "Multiplying the scores")


def test_dates_are_seeded_valid_and_round_trip():
    human, iso = dates.human_dates(300, seed=4)
    assert (human, iso) == dates.human_dates(300, seed=4)
    import datetime
    for h, i in zip(human, iso):
        d = datetime.date.fromisoformat(i)
        assert str(d.year)[-2:] in h and 1950 <= d.year <= 2049
    src, dec, y, _ = dates.dataset(50, seed=1, length=30)
    assert src.shape == (50, 30) and y.shape == dec.shape == (50, 10)
    assert dates.decode_target(y) == dates.human_dates(50, seed=1)[1]
    assert np.all(dec[:, 0] == dates.TARGET_CHARS.index(">")) and np.array_equal(dec[:, 1:], y[:, :-1])
    with pytest.raises(ValueError, match="does not know"):
        dates.encode_source(["3 März 2021"], 30)


def test_digit_copy_targets_are_the_source():
    src, dec, y, lengths = dates.digit_copy(20, max_len=8, seed=0)
    assert np.array_equal(src, y) and np.all((src > 0).sum(1) == lengths)
    assert np.all(dec[:, 0] == 11) and np.array_equal(dec[:, 1:], y[:, :-1])


def test_attention_grid_trims_padding_and_aligns():
    weights = np.zeros((3, 6))
    weights[0, 2] = weights[1, 0] = weights[2, 1] = 1.0
    grid, src, out = explorers.attention_grid(weights, "abc", "xyz")
    assert grid.shape == (3, 3) and src == ["a", "b", "c"] and out == ["x", "y", "z"]
    assert explorers.attention_alignment(grid, src, out) == [("x", 2, "c"), ("y", 0, "a"), ("z", 1, "b")]
    with pytest.raises(ValueError, match="weights"):
        explorers.attention_grid(np.zeros((2, 2)), "abc", "xy")
