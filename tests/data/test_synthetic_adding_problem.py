"""rnnlab.data.synthetic.adding_problem: shapes, dtypes, markers, targets, chance level, seeds."""
import numpy as np
import pytest

from rnnlab.data.synthetic import adding_problem


def test_shapes_dtypes_and_two_markers_one_in_each_half():
    x, y = adding_problem(500, 20, seed=0)
    assert x.shape == (500, 20, 2) and x.dtype == np.float32
    assert y.shape == (500,) and y.dtype == np.float32
    markers = x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :10].sum(axis=1) == 1) and np.all(markers[:, 10:].sum(axis=1) == 1)
    assert np.all((x[..., 0] >= 0) & (x[..., 0] < 1))


def test_target_is_the_sum_of_the_two_marked_values():
    x, y = adding_problem(200, 7, seed=3)
    assert np.allclose(y, (x[..., 0] * x[..., 1]).sum(axis=1), atol=1e-6)


def test_predicting_the_mean_scores_the_chance_level_of_one_sixth():
    _, y = adding_problem(20000, 50, seed=1)
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.005


def test_same_seed_same_data_other_seed_other_data():
    a, b = adding_problem(50, 10, seed=4), adding_problem(50, 10, seed=4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], adding_problem(50, 10, seed=5)[0])


@pytest.mark.parametrize("n, T, message", [(10, 1, "T >= 2"), (0, 10, "n >= 1")])
def test_bad_sizes_are_clear_errors(n, T, message):
    with pytest.raises(ValueError, match=message):
        adding_problem(n, T)
