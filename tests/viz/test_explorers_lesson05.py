"""Lesson 05's LSTM explorer (compute core and widget) and the gated-cell figures of lessons 05-06."""
import time

import numpy as np
import pytest

from rnnlab.viz import explorers
from rnnlab.viz import plots
from rnnlab import reference as ref


@pytest.mark.parametrize("kind", explorers.LSTM_INPUTS)
def test_inputs_have_the_asked_length_and_height(kind):
    x = explorers.lstm_input(kind, T=25, height=1.5)
    assert x.shape == (25,)
    assert np.abs(x).max() <= 1.5 + 1e-12 and np.abs(x).max() > 0
    with pytest.raises(ValueError, match="kind should be one of"):
        explorers.lstm_input("saw", T=5)


def test_states_follow_the_lstm_equations():
    s = explorers.lstm_stepping(explorers.lstm_input("noise", T=15), forget_bias=0.5)
    T, H = s["c"].shape
    assert (T, H) == (15, 4)
    for gate in ("i", "f", "o"):
        assert np.all((s[gate] > 0) & (s[gate] < 1))
    assert np.all(np.abs(s["c_tilde"]) < 1) and np.all(np.abs(s["h"]) < 1)
    c_prev = np.vstack([np.zeros((1, H)), s["c"][:-1]])
    assert np.allclose(s["c"], s["f"] * c_prev + s["i"] * s["c_tilde"])
    assert np.allclose(s["h"], s["o"] * np.tanh(s["c"]))


def test_forget_bias_sets_how_long_the_pulse_stays():
    x = explorers.lstm_input("pulse", T=30)
    steps = [explorers.memory_steps(explorers.lstm_stepping(x, bias)["c"]) for bias in (-2, 0, 1, 2, 4)]
    assert steps == sorted(steps)
    assert steps[0] <= 2 and steps[-1] == 27
    Wx, Wh, b = explorers.lstm_stepping_weights(H=4, forget_bias=2.5)
    assert Wx.shape == (1, 16) and Wh.shape == (4, 16) and np.all(b[4:8] == 2.5)


def test_an_update_takes_well_under_50_ms():
    x = explorers.lstm_input("two pulses", T=30)
    start = time.perf_counter()
    for bias in np.linspace(-4, 6, 20):
        explorers.lstm_stepping(x, bias)
    assert (time.perf_counter() - start) / 20 < 0.050


def test_widget_has_the_css_class_and_redraws_when_a_control_moves():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    box = explorers.lstm_stepping_widget(T=20)
    assert "rnnlab-explorer" in box._dom_classes
    step, kind = box.children[0].children
    height, bias = box.children[1].children
    status = box.children[2]
    image = box.children[3]
    assert all(c.continuous_update is True for c in (step, height, bias))
    before, picture = status.value, image.value
    bias.value = 4.0
    assert status.value != before and "0.98" in status.value          # sigmoid(4) = 0.982
    assert image.value[:4] == b"\x89PNG" and image.value != picture
    step.value = 10
    assert status.value.startswith("t = 10")
    kind.value = "step"
    assert "the pulse stays" not in status.value


@pytest.mark.parametrize("highlight", [None, "f", "ic", "o", "cell"])
def test_lstm_cell_diagram_draws_every_highlight(highlight):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = plots.lstm_cell(highlight)
    assert ax.get_title() and len(ax.patches) >= 8       # four gates, tanh, three operations
    plt.close("all")


def test_gru_cell_diagram_and_gradient_plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    for highlight in (None, "z", "r"):
        assert plots.gru_cell(highlight).get_title()
    ax = plots.gradient_vs_lag(np.arange(5), {"a": np.ones(5), "b": 0.5 ** np.arange(5)})
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 2
    plt.close("all")
