"""The synthetic tasks of lessons 07-08 are seeded and mean what their docstrings say."""
import numpy as np
import pytest

from rnnlab import data_tasks


def test_ragged_majority_has_odd_lengths_in_range_and_correct_labels():
    seqs, y = data_tasks.ragged_majority(200, min_len=5, max_len=21, seed=3)
    lengths = np.array([len(s) for s in seqs])
    assert lengths.min() >= 5 and lengths.max() <= 21 and np.all(lengths % 2 == 1)
    assert len(set(lengths)) > 5
    assert all(s.shape[1] == 1 and s.dtype == np.float32 and set(np.unique(s)) <= {-1.0, 1.0} for s in seqs)
    assert np.array_equal(y, [float(s.sum() > 0) for s in seqs])
    assert 0.35 < y.mean() < 0.65
    again, y2 = data_tasks.ragged_majority(200, min_len=5, max_len=21, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(seqs, again)) and np.array_equal(y, y2)


def test_ragged_majority_rejects_impossible_lengths():
    with pytest.raises(ValueError, match="no odd length"):
        data_tasks.ragged_majority(3, min_len=4, max_len=4)
