"""seq2seq helpers of lesson 17: metrics, accuracy by position, the Bahdanau model's shapes and causality,
beam_step's end-token rules."""
import numpy as np
import pytest

from rnnlab.models import seq2seq


def test_exact_match_and_character_error_rate():
    assert seq2seq.exact_match(["1980-10-13", "a"], ["1980-10-13", "b"]) == 0.5
    assert seq2seq.character_error_rate(["1980-10-13"], ["1980-10-31"]) == pytest.approx(0.2)
    assert seq2seq.character_error_rate(["abcd", "ab"], ["abd", "ab"]) == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        seq2seq.character_error_rate(["a", "b"], ["a"])


def test_accuracy_by_position():
    acc = seq2seq.accuracy_by_position(np.array([[1, 2], [1, 3]]), np.array([[1, 2], [1, 2]]))
    assert np.allclose(acc, [1.0, 0.5])


def test_bahdanau_model_is_causal_and_its_weights_sum_to_one(keras):
    model, weights = seq2seq.build_bahdanau(10, 7, 5, 4, units=8, embed=4)
    r = np.random.default_rng(0)
    src = r.integers(1, 10, (3, 5)).astype("int32")
    src[0, 3:] = 0
    dec = r.integers(1, 7, (3, 4)).astype("int32")
    w = np.asarray(weights.predict_on_batch([src, dec]))
    assert w.shape == (3, 4, 5) and np.allclose(w.sum(-1), 1, atol=1e-5) and np.allclose(w[0, :, 3:], 0)
    # step t's prediction does not depend on decoder inputs after t; step 0's attention ignores them all
    dec2 = dec.copy()
    dec2[:, 2:] = (dec2[:, 2:] % 6) + 1
    p1, p2 = np.asarray(model.predict_on_batch([src, dec])), np.asarray(model.predict_on_batch([src, dec2]))
    assert np.allclose(p1[:, :2], p2[:, :2], atol=1e-6)
    w2 = np.asarray(weights.predict_on_batch([src, dec2]))
    assert np.allclose(w[:, :3], w2[:, :3], atol=1e-6)      # query of step t = state after input t-1


def test_beam_step_forbids_the_end_before_the_length_and_forces_it_after(keras):
    model, _ = seq2seq.build(10, 7, 5, 4, units=8, embed=4, attention="dot")
    step = seq2seq.beam_step(model, np.array([1, 2, 3, 0, 0]), 4, end_id=0)
    logp = step([[6], [6, 1, 2, 3, 4]])
    assert logp.shape == (2, 7) and logp[0, 0] == -np.inf
    assert np.isclose(np.logaddexp.reduce(logp[0, 1:]), 0, atol=1e-5)
    assert logp[1, 0] == 0 and np.all(logp[1, 1:] == -np.inf)
