"""Figures the lessons share: the course style, diagrams of the recurrence, common plots."""
from __future__ import annotations

import numpy as np

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "font.size": 10,
}


def apply_style() -> None:
    import matplotlib as mpl
    mpl.rcParams.update(STYLE)


def _plt():
    import matplotlib.pyplot as plt
    return plt


def _box(ax, xy, text, color="#dbeafe", w=0.9, h=0.55, fontsize=10):
    from matplotlib.patches import FancyBboxPatch
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                fc=color, ec="#1e3a8a", lw=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, text=None, color="#1e3a8a", offset=(0, 0.12), **kw):
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="->", color=color, lw=1.4, **kw))
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="center", fontsize=9, color=color)


def unrolled_rnn(T: int = 4, ax=None):
    """The network unrolled through time: one cell per step, the same weights Wx, Wh at every step."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(1.9 * (T + 1.2), 3.2))
    ax.set_axis_off()
    ax.set_xlim(-1.3, 1.9 * T)
    ax.set_ylim(-0.5, 3.0)
    _box(ax, (-0.7, 1.25), "$h_0$", color="#f1f5f9", w=0.6)
    for t in range(T):
        x0 = 1.9 * t + 0.6
        _box(ax, (x0, 1.25), f"tanh\ncell", color="#dbeafe")
        _box(ax, (x0, 0.0), f"$x_{t + 1}$", color="#fef3c7", w=0.6, h=0.45)
        _box(ax, (x0, 2.5), f"$h_{t + 1}$", color="#dcfce7", w=0.6, h=0.45)
        _arrow(ax, (x0, 0.25), (x0, 0.96), "$W_x$", offset=(0.25, 0))
        _arrow(ax, (x0, 1.54), (x0, 2.27))
        prev = (-0.4, 1.25) if t == 0 else (1.9 * (t - 1) + 1.06, 1.25)
        _arrow(ax, prev, (x0 - 0.46, 1.25), "$W_h$")
    ax.set_title("An RNN unrolled through time: the same $W_x$, $W_h$ (and bias $b$) at every step", fontsize=10)
    return ax


def processing_loop(ax=None):
    """The processing loop as a flow chart: is there a next input? process it, update h, repeat; else output."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.8, 3.6))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0.8, 5.8)
    _box(ax, (1.3, 5.2), "start:\n$h \\leftarrow h_0$", color="#f1f5f9", w=1.8, h=0.8)
    _box(ax, (4.6, 5.2), "is there a\nnext input $x_t$?", color="#fef3c7", w=2.2, h=0.9)
    _box(ax, (4.6, 3.2), "$h \\leftarrow \\tanh(x_t W_x + h W_h + b)$", color="#dbeafe", w=3.6, h=0.7)
    _box(ax, (4.6, 1.4), "keep $h_t$ (optional\noutput $y_t$)", color="#dcfce7", w=2.6, h=0.8)
    _box(ax, (8.4, 5.2), "output\n(last $h$, or all $h_t$)", color="#dcfce7", w=2.4, h=0.9)
    _arrow(ax, (2.2, 5.2), (3.5, 5.2))
    _arrow(ax, (4.6, 4.75), (4.6, 3.55), "yes", offset=(0.35, 0))
    _arrow(ax, (5.7, 5.2), (7.2, 5.2), "no")
    _arrow(ax, (4.6, 2.85), (4.6, 1.8))
    ax.plot([3.3, 2.45, 2.45], [1.4, 1.4, 4.95], color="#1e3a8a", lw=1.4)
    _arrow(ax, (2.45, 4.95), (3.5, 4.95))
    ax.text(1.75, 3.2, "t \u2190 t + 1,\nrepeat", ha="center", fontsize=9, color="#1e3a8a")
    ax.set_title("The processing loop of a recurrent network", fontsize=10)
    return ax


ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1 - np.tanh(a) ** 2),
    "sigmoid": (lambda a: 1 / (1 + np.exp(-a)), lambda a: (1 / (1 + np.exp(-a))) * (1 - 1 / (1 + np.exp(-a)))),
    "relu": (lambda a: np.maximum(a, 0), lambda a: (a > 0).astype(float)),
}


def activations(names=("sigmoid", "tanh", "relu"), span: float = 5.0):
    """Each activation and its derivative side by side: ranges, saturation, largest slope."""
    plt = _plt()
    a = np.linspace(-span, span, 401)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for name in names:
        f, df = ACTIVATIONS[name]
        axes[0].plot(a, f(a), label=name)
        axes[1].plot(a, df(a), label=f"{name}'  (max {df(a).max():.2g})")
    axes[0].set(title="activation", xlabel="pre-activation a", ylim=(-1.2, 2.2))
    axes[1].set(title="derivative: how much gradient passes", xlabel="pre-activation a", ylim=(-0.1, 1.2))
    for ax in axes:
        ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def learning_curves(histories: dict, key: str = "loss", ax=None, logy: bool = False, xlabel="epoch"):
    """Plot one curve per named history (a dict of lists or a Keras History)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots()
    for name, hist in histories.items():
        values = getattr(hist, "history", hist)
        values = values[key] if isinstance(values, dict) else values
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set(xlabel=xlabel, ylabel=key)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def backprop_through_time(T: int = 4, ax=None):
    """The unrolled network with the gradients of backpropagation through time drawn in red:
    each h_t gets dh[:, t] from its own loss and dh_prev from step t+1; dWh collects from every step."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(1.9 * (T + 1.2), 3.6))
    ax.set_axis_off()
    ax.set_xlim(-1.3, 1.9 * T)
    ax.set_ylim(-0.5, 3.5)
    red = "#dc2626"
    _box(ax, (-0.7, 1.25), "h0", color="#f1f5f9", w=0.6)
    for t in range(T):
        x0 = 1.9 * t + 0.6
        _box(ax, (x0, 1.25), "tanh\ncell", color="#dbeafe")
        _box(ax, (x0, 0.0), f"x[:, {t}]", color="#fef3c7", w=0.8, h=0.45, fontsize=9)
        _box(ax, (x0, 2.5), f"h[:, {t}]", color="#dcfce7", w=0.8, h=0.45, fontsize=9)
        _arrow(ax, (x0, 0.25), (x0, 0.96))
        _arrow(ax, (x0 - 0.12, 1.54), (x0 - 0.12, 2.27))
        _arrow(ax, (x0 + 0.12, 2.27), (x0 + 0.12, 1.54), color=red)
        ax.text(x0 + 0.2, 3.05, f"dh[:, {t}]", ha="center", fontsize=9, color=red)
        _arrow(ax, (x0 + 0.2, 2.95), (x0 + 0.2, 2.74), color=red)
        prev = (-0.4, 1.25) if t == 0 else (1.9 * (t - 1) + 1.06, 1.25)
        _arrow(ax, (prev[0], 1.32), (x0 - 0.46, 1.32))
        _arrow(ax, (x0 - 0.46, 1.12), (prev[0], 1.12), color=red)
        ax.text((prev[0] + x0 - 0.46) / 2, 0.95, "dh_prev", ha="center", va="top", fontsize=8, color=red)
    ax.set_title("Backpropagation through time: the gradient on h[:, t] is its own dh[:, t] plus the dh_prev "
                 "coming back from step t+1", fontsize=10)
    return ax


def truncated_bptt(T: int = 12, k: int = 4, ax=None):
    """A long sequence cut into chunks of k steps: the state flows forward across chunk borders
    (black), the gradient flows back only inside a chunk (red)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 2.4))
    ax.set_axis_off()
    ax.set_xlim(-0.8, T)
    ax.set_ylim(-0.9, 1.3)
    red = "#dc2626"
    for t in range(T):
        chunk = t // k
        _box(ax, (t, 0.2), f"{t + 1}", color=["#dbeafe", "#fef3c7"][chunk % 2], w=0.55, h=0.45, fontsize=8)
        if t:
            _arrow(ax, (t - 0.72, 0.3), (t - 0.28, 0.3))
            if t % k:
                _arrow(ax, (t - 0.28, 0.1), (t - 0.72, 0.1), color=red)
    for c in range(1, (T - 1) // k + 1):
        ax.plot([c * k - 0.5] * 2, [-0.2, 1.05], color="#64748b", ls="--", lw=1)
    for c in range((T + k - 1) // k):
        ax.text(c * k + (min(k, T - c * k) - 1) / 2, 0.85, f"chunk {c + 1}: forward, then backward",
                ha="center", fontsize=8)
    ax.text(-0.7, -0.55, "black: the state is carried across chunk borders;  red: the gradient stops at "
                         "the border (dh0 of a chunk is dropped)", fontsize=8, color="#334155")
    ax.set_title(f"Truncated BPTT: update the weights after every {k} steps", fontsize=10)
    return ax
