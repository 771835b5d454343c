"""The gradient explorer of lesson 04: the compute core is right, fast, and marks the right boundary;
the widget wiring redraws when the slider moves."""
import numpy as np
import pytest

from rnnlab.viz import explorers
from rnnlab import reference as ref


def test_update_is_computed_in_well_under_50_ms():
    assert explorers.time_gradient_curve(repeats=11) < 0.050


@pytest.mark.parametrize("activation, boundary", [("tanh", 1.0), ("sigmoid", 4.0), ("relu", 1.0)])
def test_boundary_is_where_sigma_max_times_the_largest_derivative_is_one(activation, boundary):
    assert explorers.boundary_radius(activation) == boundary
    for scale in (0.5 * boundary, boundary, 2 * boundary):
        curve = explorers.gradient_norm_curve(scale, activation, T=30)
        assert np.isclose(curve["sigma"], scale)
        assert np.isclose(curve["factor"], scale / boundary)
        assert np.allclose(curve["bound"], (scale / boundary) ** np.arange(30))
    # the measured norm never exceeds the bound (sigma_max * gamma)^k
    for scale in (0.3, 0.9 * boundary, 1.5 * boundary, 3.0):
        curve = explorers.gradient_norm_curve(scale, activation, T=40)
        assert np.all(curve["norm"] <= curve["bound"] * (1 + 1e-9))


def test_below_the_boundary_the_gradient_vanishes_and_well_above_it_grows():
    assert explorers.gradient_norm_curve(0.5, "tanh")["norm"][50] < 1e-6
    assert explorers.gradient_norm_curve(4.0, "tanh")["norm"][50] > 1e3
    assert explorers.gradient_norm_curve(3.0, "sigmoid")["norm"][50] < 1e-6   # 3 * 1/4 < 1
    assert explorers.gradient_norm_curve(3.0, "relu")["norm"][50] > 1e6


def test_core_matches_the_finite_difference_jacobian_of_a_tanh_rnn():
    r = np.random.default_rng(0)
    T, D, H = 5, 3, 4
    x = r.standard_normal((1, T, D))
    Wx, Wh = r.standard_normal((D, H)), 0.7 * r.standard_normal((H, H))
    b = np.zeros(H)
    h, _ = ref.rnn_forward(x, np.zeros((1, H)), Wx, Wh, b)
    norms = explorers.jacobian_norms(Wh, 1 - h[0] ** 2)
    t = 1                                           # lag T-1-t = 3
    J = np.zeros((H, H))
    for j in range(H):
        e = np.zeros((1, H))
        e[0, j] = 1e-6
        hp, _ = ref.rnn_forward(x[:, t + 1:], h[:, t] + e, Wx, Wh, b)
        hm, _ = ref.rnn_forward(x[:, t + 1:], h[:, t] - e, Wx, Wh, b)
        J[:, j] = (hp[0, -1] - hm[0, -1]) / 2e-6
    assert np.isclose(np.linalg.norm(J, 2), norms[T - 1 - t], rtol=1e-6)


def test_a_given_wh_and_bad_arguments():
    curve = explorers.gradient_norm_curve(1.0, "relu", T=20, Wh=np.eye(16))
    assert np.allclose(curve["norm"][curve["norm"] > 0], 1.0) and curve["sigma"] == 1.0
    with pytest.raises(ValueError, match="activation"):
        explorers.gradient_norm_curve(1.0, "softplus")
    with pytest.raises(ValueError, match=r"\(H, H\)"):
        explorers.gradient_norm_curve(1.0, Wh=np.ones((3, 4)))


def test_widget_has_the_css_class_and_redraws_when_the_slider_moves():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    box = explorers.gradient_explorer_widget()
    assert "rnnlab-explorer" in box._dom_classes
    slider, dropdown = box.children[0].children
    status = box.children[1]
    image = box.children[2]
    assert slider.continuous_update is True          # follows a drag; events are coalesced (tests/viz/test_live.py)
    before, picture = status.value, image.value
    slider.value = 2.5
    assert status.value != before and "2.50" in status.value
    assert image.value[:4] == b"\x89PNG" and image.value != picture
    dropdown.value = "sigmoid"
    assert "0.25" in status.value and "below 1" in status.value
