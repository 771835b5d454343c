"""Interactive explorers: a pure compute core (fast, tested) and thin ipywidgets wiring.

The wiring functions (`show_*`) import ipywidgets and matplotlib only when called.
"""
from __future__ import annotations

import numpy as np

from . import reference as ref
from .plots import ACTIVATIONS


# --------------------------------------------------------------------------------------
# Lesson 02: stepping an RNN through a sequence
# --------------------------------------------------------------------------------------

def pulse_input(T: int = 20, at: int = 2, height: float = 1.0) -> np.ndarray:
    """A single pulse at step `at` and zeros elsewhere: (T,). Shows how long the state remembers it."""
    x = np.zeros(T)
    x[at] = height
    return x


def stepping_weights(H: int = 8, D: int = 1, wx_scale: float = 1.0, wh_scale: float = 0.9, seed: int = 0):
    """Fixed random weights for the explorer: Wx (D, H) with entries of size ~wx_scale, Wh (H, H) an
    orthogonal matrix times wh_scale, so wh_scale is exactly Wh's spectral radius."""
    r = np.random.default_rng(seed)
    Wx = wx_scale * r.standard_normal((D, H))
    q, _ = np.linalg.qr(r.standard_normal((H, H)))
    return Wx, wh_scale * q, np.zeros(H)


def stepping_states(x: np.ndarray, wx_scale: float, wh_scale: float, H: int = 8, seed: int = 0,
                    activation: str = "tanh") -> np.ndarray:
    """Hidden states of a small RNN run over the 1-D input x (T,): returns (T, H)."""
    Wx, Wh, b = stepping_weights(H, 1, wx_scale, wh_scale, seed)
    if activation == "tanh":
        h, _ = ref.rnn_forward(np.asarray(x, float)[None, :, None], np.zeros((1, H)), Wx, Wh, b)
        return h[0]
    f = ACTIVATIONS[activation][0]
    h, out = np.zeros(H), []
    for x_t in x:
        h = f(x_t * Wx[0] + h @ Wh + b)
        out.append(h)
    return np.array(out)


def draw_stepping(fig, x, states, t):
    """Draw input, all states as a heatmap, and the state at step t as bars."""
    fig.clf()
    T, H = states.shape
    gs = fig.add_gridspec(2, 2, width_ratios=[3, 1.2], height_ratios=[1, 2.2], hspace=0.35, wspace=0.25)
    ax_x = fig.add_subplot(gs[0, 0])
    ax_h = fig.add_subplot(gs[1, 0], sharex=ax_x)
    ax_b = fig.add_subplot(gs[:, 1])
    steps = np.arange(T)
    ax_x.bar(steps, x, color="#f59e0b", width=0.6)
    ax_x.set(ylabel="$x_t$", title="input sequence")
    from matplotlib.ticker import MaxNLocator
    ax_x.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_x.grid(False)
    lim = max(1.0, float(np.abs(states).max()))
    ax_h.imshow(states.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, origin="lower",
                extent=(-0.5, T - 0.5, -0.5, H - 0.5))
    ax_h.axvline(t, color="k", lw=1.5)
    ax_h.set(xlabel="time step t", ylabel="hidden unit", title="hidden state $h_t$ over time (red +, blue -)")
    ax_h.grid(False)
    colors = np.where(states[t] >= 0, "#dc2626", "#2563eb")
    ax_b.barh(np.arange(H), states[t], color=colors)
    ax_b.set(xlim=(-lim, lim), title=f"$h_t$ at t = {t}", xlabel="value", ylabel="hidden unit")
    return fig


def show_stepping(T: int = 20):
    """Explorer: step through a sequence; sliders for the scale of Wx and Wh."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    x = pulse_input(T)
    step = w.IntSlider(value=2, min=0, max=T - 1, description="step t", continuous_update=False)
    wx = w.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.1, description="scale of Wx", continuous_update=False,
                       style={"description_width": "initial"})
    wh = w.FloatSlider(value=0.9, min=0.0, max=2.0, step=0.05, description="scale of Wh", continuous_update=False,
                       style={"description_width": "initial"})
    act = w.Dropdown(options=["tanh", "sigmoid", "relu"], value="tanh", description="activation")
    status = w.HTML()
    out = w.Output()

    def redraw(*_):
        states = stepping_states(x, wx.value, wh.value, activation=act.value)
        norm = np.linalg.norm(states, axis=1)
        remembered = int(np.sum(norm[3:] > 0.05 * max(norm[2], 1e-12)))
        status.value = (f"t = {step.value}: |h_t| = {norm[step.value]:.3f} &nbsp;|&nbsp; the pulse at t = 2 is still "
                        f"visible (|h| above 5% of its size) for {remembered} more steps")
        with out:
            out.clear_output(wait=True)
            fig = plt.figure(figsize=(9, 4))
            draw_stepping(fig, x, states, step.value)
            plt.show()

    for control in (step, wx, wh, act):
        control.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox([step, act]), w.HBox([wx, wh]), status, out])
    box.add_class("rnnlab-explorer")
    display(box)
