"""Figures the lessons share: diagrams of the recurrence and the cells, common plots (the course
style is applied by `rnnlab.setup()`, see `rnnlab.session.STYLE`)."""
from __future__ import annotations

import numpy as np

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
    (blue), the gradient flows back only inside a chunk (red)."""
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
    ax.text(-0.7, -0.55, "blue: the state is carried across chunk borders;  red: the gradient stops at "
                         "the border (dh0 of a chunk is dropped)", fontsize=8, color="#334155")
    ax.set_title(f"Truncated BPTT: update the weights after every {k} steps", fontsize=10)
    return ax


# --------------------------------------------------------------------------------------
# Lessons 05-06: gated cells
# --------------------------------------------------------------------------------------

GATE_COLORS = {"f": "#dc2626", "i": "#2563eb", "c": "#7c3aed", "o": "#059669", "z": "#dc2626", "r": "#d97706"}


def _op(ax, xy, text, color="#1e3a8a", r=0.22):
    """A pointwise operation (x, +, 1-) drawn as a small circle."""
    from matplotlib.patches import Circle
    ax.add_patch(Circle(xy, r, fc="white", ec=color, lw=1.4, zorder=3))
    ax.text(xy[0], xy[1], text, ha="center", va="center", fontsize=10, color=color, zorder=4)


def _line(ax, points, color="#1e3a8a", lw=1.4, arrow=True):
    """A polyline through `points`, with an arrow head on its last segment when arrow=True."""
    xs, ys = zip(*points)
    if not arrow:
        ax.plot(xs, ys, color=color, lw=lw, solid_capstyle="round", zorder=1)
        return
    ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, solid_capstyle="round", zorder=1)
    ax.annotate("", xy=points[-1], xytext=points[-2],
                arrowprops=dict(arrowstyle="->", color=color, lw=lw, shrinkA=0, shrinkB=0), zorder=2)


def lstm_cell(highlight: str | None = None, ax=None):
    """An LSTM cell: the cell state runs along the top; four gates computed from [x_t, h_{t-1}].

    highlight: None; one or more of "f", "i", "c", "o" (e.g. "ic": those gates and the paths they
    control drawn in colour, the rest in grey); or "cell" (the cell-state path: how c, and its
    gradient, is carried from step to step).
    """
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.6, 4.1))
    ax.set_axis_off()
    ax.set_xlim(-0.3, 10.4)
    ax.set_ylim(-0.2, 5.9)
    ax.set_aspect("equal")
    grey, base = "#94a3b8", "#1e3a8a"

    lit = {"cell"} if highlight == "cell" else set(highlight or "")

    def col(*keys):
        if highlight is None:
            return base
        for k in keys:
            if k in lit:
                return GATE_COLORS.get(k, "#b91c1c")
        return grey

    gate_x = {"f": 3.0, "i": 4.4, "c": 5.8, "o": 7.2}
    gate_text = {"f": "$\\sigma$\nforget $f$", "i": "$\\sigma$\ninput $i$", "c": "tanh\ncandidate $\\tilde c$",
                 "o": "$\\sigma$\noutput $o$"}
    fills = {"f": "#fee2e2", "i": "#dbeafe", "c": "#ede9fe", "o": "#d1fae5"}
    y_cell, y_gate, y_in = 5.0, 2.6, 1.0

    # the cell state: c_{t-1} -> x f -> + (i * c~) -> c_t
    _line(ax, [(0.6, y_cell), (2.78, y_cell)], col("cell", "f"), lw=2.6 if highlight == "cell" else 1.8)
    _line(ax, [(3.22, y_cell), (4.88, y_cell)], col("cell", "f"), lw=2.6 if highlight == "cell" else 1.8)
    _line(ax, [(5.32, y_cell), (9.7, y_cell)], col("cell", "o"), lw=2.6 if highlight == "cell" else 1.8)
    ax.text(0.45, y_cell, "$c_{t-1}$", ha="right", va="center", fontsize=11)
    ax.text(9.8, y_cell, "$c_t$", ha="left", va="center", fontsize=11)
    _op(ax, (3.0, y_cell), "\u00d7", col("f", "cell"))
    _op(ax, (5.1, y_cell), "+", col("i", "c", "cell"))

    # the inputs: [x_t, h_{t-1}] feed every gate
    inp = col()
    _line(ax, [(0.6, y_in), (1.7, y_in)], inp, arrow=False)
    ax.text(0.45, y_in, "$h_{t-1}$", ha="right", va="center", fontsize=11)
    _line(ax, [(1.7, 0.05), (1.7, y_in)], inp, arrow=False)
    ax.text(1.7, -0.1, "$x_t$", ha="center", va="top", fontsize=11)
    ax.plot([1.7, gate_x["o"]], [y_in, y_in], color=inp, lw=1.4, zorder=1)
    ax.text(2.0, y_in - 0.3, "$a = x_t W_x + h_{t-1} W_h + b$, cut into four blocks [i, f, c, o]",
            ha="left", va="top", fontsize=8.5, color="#334155")
    for k, gx in gate_x.items():
        c = col(k)
        _line(ax, [(gx, y_in), (gx, y_gate - 0.42)], c)
        _box(ax, (gx, y_gate), gate_text[k], color=fills[k] if c != grey else "#f1f5f9", w=1.25, h=0.8, fontsize=8)

    # forget gate -> x on the cell line
    _line(ax, [(gate_x["f"], y_gate + 0.42), (3.0, y_cell - 0.22)], col("f"))
    # input gate and candidate -> x -> +
    _op(ax, (5.1, 3.85), "\u00d7", col("i", "c"))
    _line(ax, [(gate_x["i"], y_gate + 0.42), (gate_x["i"], 3.85), (4.88, 3.85)], col("i"))
    _line(ax, [(gate_x["c"], y_gate + 0.42), (gate_x["c"], 3.85), (5.32, 3.85)], col("c"))
    _line(ax, [(5.1, 4.07), (5.1, y_cell - 0.22)], col("i", "c"))
    # output: h_t = o * tanh(c_t)
    out = col("o")
    _line(ax, [(8.6, y_cell), (8.6, 4.28)], out)
    _box(ax, (8.6, 3.95), "tanh", color="#f1f5f9", w=0.8, h=0.55, fontsize=9)
    _op(ax, (8.6, y_gate), "\u00d7", out)
    _line(ax, [(8.6, 3.67), (8.6, y_gate + 0.22)], out)
    _line(ax, [(gate_x["o"] + 0.6, y_gate), (8.38, y_gate)], out)
    _line(ax, [(8.6, y_gate - 0.22), (8.6, y_in), (9.7, y_in)], out)
    ax.text(9.8, y_in, "$h_t$", ha="left", va="center", fontsize=11)

    titles = {
        None: "An LSTM cell: the cell state $c$ runs along the top; gates decide what to forget, write and show",
        "f": "Forget gate $f$: how much of $c_{t-1}$ to keep   ($f \\cdot c_{t-1}$)",
        "i": "Input gate $i$: how much of the candidate to write   ($+\\ i \\cdot \\tilde c$)",
        "c": "Candidate $\\tilde c$: what could be written, in (-1, 1)   (tanh)",
        "ic": "Input gate $i$ and candidate $\\tilde c$: what to write ($\\tilde c$) and how much ($i$)",
        "o": "Output gate $o$: how much of the cell to show   ($h_t = o \\cdot \\tanh(c_t)$)",
        "cell": "The cell state path: only $\\times f$ and $+$, no matrix and no squashing",
    }
    ax.set_title(titles.get(highlight, "An LSTM cell"), fontsize=10)
    return ax


def gru_cell(highlight: str | None = None, ax=None):
    """A GRU cell: one state h; the update gate z mixes h_{t-1} with the candidate h~, the
    reset gate r decides how much of h_{t-1} the candidate sees (here reset_after=True, Keras' default).

    highlight: None, "z" or "r" (that gate and the paths it controls in colour, the rest in grey).
    """
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.6, 4.1))
    ax.set_axis_off()
    ax.set_xlim(-0.3, 10.4)
    ax.set_ylim(-0.2, 5.9)
    ax.set_aspect("equal")
    grey, base = "#94a3b8", "#1e3a8a"

    def col(*keys):
        if highlight is None:
            return base
        return GATE_COLORS[highlight] if highlight in keys else grey

    y_top, y_mix, y_gate, y_in = 5.0, 4.2, 2.6, 1.0
    xz, xr, xm, xh = 2.6, 4.4, 6.0, 7.4
    # the state line: h_{t-1} -> x z -> + (1 - z) h~ -> h_t
    _line(ax, [(0.6, y_top), (xz - 0.22, y_top)], col("z"), lw=1.8)
    _op(ax, (xz, y_top), "\u00d7", col("z"))
    _line(ax, [(xz + 0.22, y_top), (xh - 0.22, y_top)], col("z"), lw=1.8)
    _op(ax, (xh, y_top), "+", col("z"))
    _line(ax, [(xh + 0.22, y_top), (9.7, y_top)], base, lw=1.8)
    ax.text(0.45, y_top, "$h_{t-1}$", ha="right", va="center", fontsize=11)
    ax.text(9.8, y_top, "$h_t$", ha="left", va="center", fontsize=11)
    # the inputs feed both gates and the candidate
    _line(ax, [(0.6, y_in), (xh, y_in)], base, arrow=False)
    ax.text(0.45, y_in, "$h_{t-1}$", ha="right", va="center", fontsize=11)
    _line(ax, [(1.7, 0.05), (1.7, y_in)], base, arrow=False)
    ax.text(1.7, -0.1, "$x_t$", ha="center", va="top", fontsize=11)
    for k, gx, text, fill in [("z", xz, "$\\sigma$\nupdate $z$", "#fee2e2"), ("r", xr, "$\\sigma$\nreset $r$", "#fef3c7"),
                              ("h", xh, "tanh\ncandidate $\\tilde h$", "#ede9fe")]:
        c = col(k) if k != "h" else base
        _line(ax, [(gx, y_in), (gx, y_gate - 0.42)], c)
        _box(ax, (gx, y_gate), text, color=fill if highlight in (None, k) or k == "h" else "#f1f5f9",
             w=1.3, h=0.8, fontsize=8.5)
    # update gate: z keeps the old state, (1 - z) writes the candidate
    _line(ax, [(xz, y_gate + 0.42), (xz, y_top - 0.22)], col("z"))
    _line(ax, [(xz, y_mix), (5.58, y_mix)], col("z"))
    _op(ax, (5.8, y_mix), "1-", col("z"))
    _line(ax, [(6.02, y_mix), (xh - 0.22, y_mix)], col("z"))
    _op(ax, (xh, y_mix), "\u00d7", col("z"))
    _line(ax, [(xh, y_gate + 0.42), (xh, y_mix - 0.22)], col("z"))
    _line(ax, [(xh, y_mix + 0.22), (xh, y_top - 0.22)], col("z"))
    # reset gate: r scales the recurrent part of the candidate
    _line(ax, [(xr, y_gate + 0.42), (xr, 3.4), (xm, 3.4), (xm, y_gate + 0.22)], col("r"))
    _op(ax, (xm, y_gate), "\u00d7", col("r"))
    _line(ax, [(xm, y_in), (xm, y_gate - 0.22)], col("r"))
    ax.text(xm + 0.1, 1.55, "$h_{t-1} W_h^{(h)}$", ha="left", va="center", fontsize=8, color=col("r"))
    _line(ax, [(xm + 0.22, y_gate), (xh - 0.65, y_gate)], col("r"))
    ax.text(3.5, y_in - 0.3, "each box: $x_t W_x + h_{t-1} W_h + b$ for its block of [z, r, h]",
            ha="left", va="top", fontsize=8.5, color="#334155")
    titles = {
        None: "A GRU cell: the update gate $z$ mixes old state and candidate; the reset gate $r$ filters the past",
        "z": "Update gate $z$: $h_t = z \\cdot h_{t-1} + (1 - z) \\cdot \\tilde h$ (keep and write, coupled)",
        "r": "Reset gate $r$: how much of $h_{t-1}$ the candidate $\\tilde h$ may use",
    }
    ax.set_title(titles.get(highlight, titles[None]), fontsize=10)
    return ax


def gradient_vs_lag(lags, norms: dict, ax=None, logy: bool = True):
    """Gradient norm against time lag, one curve per named model (e.g. vanilla RNN, LSTM)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots()
    for name, values in norms.items():
        ax.plot(lags, values, label=name, lw=1.8)
    ax.set(xlabel="time lag k (steps between the input and the loss)",
           ylabel="gradient norm $|\\partial L / \\partial x_{T-k}|$")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def stacked_and_bidirectional(T: int = 4):
    """Two diagrams side by side: a stack of two recurrent layers, and a bidirectional layer."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 3.8))
    for ax in (a, b):
        ax.set_axis_off()
        ax.set_xlim(-0.6, 1.6 * T - 0.4)
        ax.set_ylim(-0.5, 4.2)
    for t in range(T):
        x0 = 1.6 * t + 0.3
        for ax in (a, b):
            _box(ax, (x0, 0.0), f"$x_{t + 1}$", color="#fef3c7", w=0.6, h=0.45)
        # stacked: layer 1 reads x_t, layer 2 reads layer 1's output at the same step
        _box(a, (x0, 1.3), "layer 1", color="#dbeafe", w=0.9)
        _box(a, (x0, 2.6), "layer 2", color="#c7d2fe", w=0.9)
        _box(a, (x0, 3.75), f"$y_{t + 1}$", color="#dcfce7", w=0.6, h=0.45)
        _arrow(a, (x0, 0.25), (x0, 1.0))
        _arrow(a, (x0, 1.6), (x0, 2.3))
        _arrow(a, (x0, 2.9), (x0, 3.5))
        # bidirectional: a forward and a backward layer both read x_t; outputs concatenated
        _box(b, (x0 - 0.35, 1.3), "fwd", color="#dbeafe", w=0.6)
        _box(b, (x0 + 0.35, 2.45), "bwd", color="#fde68a", w=0.6)
        _box(b, (x0, 3.75), f"$[\\overrightarrow{{h}}_{t + 1}; \\overleftarrow{{h}}_{t + 1}]$", color="#dcfce7",
             w=1.2, h=0.5, fontsize=9)
        _arrow(b, (x0 - 0.15, 0.25), (x0 - 0.35, 1.0))
        _arrow(b, (x0 + 0.15, 0.25), (x0 + 0.35, 2.15))
        _arrow(b, (x0 - 0.35, 1.6), (x0 - 0.2, 3.48))
        _arrow(b, (x0 + 0.35, 2.75), (x0 + 0.2, 3.48))
        if t:
            prev = 1.6 * (t - 1) + 0.3
            _arrow(a, (prev + 0.47, 1.3), (x0 - 0.47, 1.3))
            _arrow(a, (prev + 0.47, 2.6), (x0 - 0.47, 2.6))
            _arrow(b, (prev - 0.02, 1.3), (x0 - 0.68, 1.3))
            _arrow(b, (x0 + 0.02, 2.45), (prev + 0.68, 2.45), color="#b45309")
    a.set_title("stacked: layer 2 reads the sequence of layer 1's outputs", fontsize=10)
    b.set_title("bidirectional: one layer reads left to right, one right to left", fontsize=10)
    fig.tight_layout()
    return fig


def cnn_rnn_pipeline(frames: int = 4, ax=None):
    """CNN + RNN: the same CNN reads every frame (TimeDistributed), an LSTM reads the frame features."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(1.9 * (frames + 1.6), 3.6))
    ax.set_axis_off()
    ax.set_xlim(-0.6, 1.9 * frames + 1.6)
    ax.set_ylim(-0.5, 3.9)
    for t in range(frames):
        x0 = 1.9 * t + 0.6
        _box(ax, (x0, 0.0), f"frame {t + 1}", color="#fef3c7", w=1.1, h=0.45, fontsize=9)
        _box(ax, (x0, 1.1), "CNN", color="#fde68a", w=1.1, h=0.5)
        _box(ax, (x0, 2.3), "LSTM", color="#dbeafe", w=1.1, h=0.5)
        _arrow(ax, (x0, 0.24), (x0, 0.84))
        _arrow(ax, (x0, 1.36), (x0, 2.04), "features", offset=(0.42, 0))
        if t:
            _arrow(ax, (x0 - 1.35, 2.3), (x0 - 0.56, 2.3), "$h$")
    last = 1.9 * (frames - 1) + 0.6
    _box(ax, (last + 1.75, 2.3), "class", color="#dcfce7", w=0.8, h=0.5)
    _arrow(ax, (last + 0.56, 2.3), (last + 1.34, 2.3))
    ax.text((1.9 * frames + 1.0) / 2, 3.3, "the same CNN weights on every frame (TimeDistributed); the LSTM carries "
            "what it saw from frame to frame", ha="center", fontsize=9, color="#1e3a8a")
    ax.set_title("CNN + RNN on a clip", fontsize=10)
    return ax


def piano_roll(melody, ax=None, title: str = ""):
    """Draw a melody as a piano roll: time across, pitch up, one bar per shaded block."""
    import matplotlib.pyplot as plt

    from .._shapes import as_array, expect_ndim
    from ..data.music import BAR, N_DEGREES, NAMES
    m = as_array("melody", melody, "piano_roll")
    expect_ndim("piano_roll", "melody", m, 1, "(T,)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.6))
    roll = np.zeros((N_DEGREES, len(m)))
    roll[m, np.arange(len(m))] = 1
    ax.imshow(roll, origin="lower", aspect="auto", cmap="Blues", vmin=0, vmax=1.3,
              extent=(-0.5, len(m) - 0.5, -0.5, N_DEGREES - 0.5))
    for b in range(BAR, len(m), BAR):
        ax.axvline(b - 0.5, color="#94a3b8", lw=0.8)
    ax.set_yticks(range(0, N_DEGREES, 2), [NAMES[d] for d in range(0, N_DEGREES, 2)])
    ax.set(xlabel="beat", title=title)
    ax.grid(False)
    return ax


def surprisal_html(text: str, bits, vmax: float = 12.0, title: str = "") -> str:
    """HTML: each character on a background from white (0 bits) to red (vmax bits or more);
    hover shows the bits. Line breaks are kept."""
    import html
    bits = np.asarray(bits, dtype=np.float64)
    if len(bits) != len(text):
        raise ValueError(f"surprisal_html: need one value per character: {len(text)} characters, {len(bits)} values")
    spans = []
    for ch, b in zip(text, bits):
        a = float(np.clip(b / vmax, 0, 1))
        shown = "\u21b5\n" if ch == "\n" else html.escape(ch)
        spans.append(f'<span title="{html.escape(repr(ch))}: {b:.1f} bits" '
                     f'style="background: rgba(220, 38, 38, {a:.2f})">{shown}</span>')
    head = f"<div style='margin-bottom:4px'>{html.escape(title)}</div>" if title else ""
    return (f"<div class='rnnlab-surprisal'>{head}<pre style='font-size:14px; line-height:1.5; margin:0'>"
            + "".join(spans) + "</pre><div style='font-size:11px; color:#555'>white: expected (0 bits) "
            f"&nbsp;&rarr;&nbsp; red: surprising ({vmax:g} bits or more)</div></div>")
