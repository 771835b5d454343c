"""The synthetic tasks of lessons 07-08 are seeded and mean what their docstrings say."""
import numpy as np
import pytest

from rnnlab.data import synthetic




def test_ragged_majority_has_odd_lengths_in_range_and_correct_labels():
    seqs, y = synthetic.ragged_majority(200, min_len=5, max_len=21, seed=3)
    lengths = np.array([len(s) for s in seqs])
    assert lengths.min() >= 5 and lengths.max() <= 21 and np.all(lengths % 2 == 1)
    assert len(set(lengths)) > 5
    assert all(s.shape[1] == 1 and s.dtype == np.float32 and set(np.unique(s)) <= {-1.0, 1.0} for s in seqs)
    assert np.array_equal(y, [float(s.sum() > 0) for s in seqs])
    assert 0.35 < y.mean() < 0.65
    again, y2 = synthetic.ragged_majority(200, min_len=5, max_len=21, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(seqs, again)) and np.array_equal(y, y2)


def test_ragged_majority_rejects_impossible_lengths():
    with pytest.raises(ValueError, match="no odd length"):
        synthetic.ragged_majority(3, min_len=4, max_len=4)


def test_sliding_parity_is_the_xor_of_the_last_k_bits():
    x, y = synthetic.sliding_parity(5, T=9, k=3, seed=1)
    bits = x[..., 0].astype(int)
    for t in range(9):
        assert np.array_equal(y[:, t], bits[:, max(0, t - 2):t + 1].sum(axis=1) % 2)
    assert x.shape == (5, 9, 1) and x.dtype == np.float32 and y.dtype == np.float32


def test_look_both_ways_labels_ahead_then_behind():
    tokens, y = synthetic.look_both_ways(4, T=10, K=2, vocab=5, seed=2)
    for t in range(5):
        assert np.array_equal(y[:, t], tokens[:, t + 2])
    for t in range(5, 10):
        assert np.array_equal(y[:, t], tokens[:, t - 2])
    assert tokens.max() < 5
    with pytest.raises(ValueError, match="K <= T // 2"):
        synthetic.look_both_ways(2, T=6, K=4)
