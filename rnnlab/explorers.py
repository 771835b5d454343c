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

# --------------------------------------------------------------------------------------
# Lesson 04: how the gradient shrinks or grows with the time lag
# --------------------------------------------------------------------------------------

MAX_DERIVATIVE = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0}


def random_orthogonal(H: int, seed: int = 0) -> np.ndarray:
    """A uniformly random rotation/reflection (H, H): all singular values are 1."""
    r = np.random.default_rng(seed)
    q, rr = np.linalg.qr(r.standard_normal((H, H)))
    return q * np.sign(np.diag(rr))


def jacobian_norms(Wh: np.ndarray, derivs: np.ndarray) -> np.ndarray:
    """Spectral norms of dh_T / dh_{T-k} for k = 0 .. T-1 (row k: lag k; lag 0 is the identity).

    derivs: (T, H), the activation's derivative f'(a_t) at every step of one sequence.
    Backwards from the last step: G <- (G * f'(a_s)) @ Wh.T, the same product a backward pass computes.
    """
    T, H = derivs.shape
    G = np.eye(H)
    stack = np.empty((T, H, H))
    stack[0] = G
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, T):
            G = (G * derivs[T - k]) @ Wh.T
            stack[k] = G
        norms = np.linalg.svd(stack, compute_uv=False)[:, 0]
    return norms


def gradient_norm_curve(radius: float, activation: str = "tanh", T: int = 60, H: int = 32, seed: int = 0,
                        Wh: np.ndarray | None = None, wx_scale: float = 1.0, D: int = 4) -> dict:
    """Run an RNN over random inputs and measure |dh_T / dh_{T-k}| against the lag k.

    Wh: `radius` times a random orthogonal matrix (so its largest singular value and its spectral
    radius are both `radius`), unless a matrix is given. Inputs x_t ~ N(0, 1) of width D, Wx with
    entries of size wx_scale / sqrt(D), zero bias.
    Returns {"lag": (T,), "norm": (T,), "bound": (T,) = (sigma_max * gamma)**lag, "sigma": sigma_max(Wh),
    "gamma": the activation's largest derivative, "factor": sigma * gamma}.
    """
    if activation not in MAX_DERIVATIVE:
        raise ValueError(f"gradient_norm_curve: activation should be one of {sorted(MAX_DERIVATIVE)}, "
                         f"got {activation!r}")
    r = np.random.default_rng(seed)
    if Wh is None:
        Wh = radius * random_orthogonal(H, seed + 1)
    else:
        Wh = np.asarray(Wh, dtype=float)
        if Wh.ndim != 2 or Wh.shape[0] != Wh.shape[1]:
            raise ValueError(f"gradient_norm_curve: Wh should have shape (H, H), got {Wh.shape}")
        H = Wh.shape[0]
    x = r.standard_normal((T, D))
    Wx = wx_scale * r.standard_normal((D, H)) / np.sqrt(D)
    f, df = ACTIVATIONS[activation]
    xw = x @ Wx
    h = np.zeros(H)
    derivs = np.empty((T, H))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            a = xw[t] + h @ Wh
            h = f(a)
            derivs[t] = 1 - h ** 2 if activation == "tanh" else df(a)
    sigma = float(np.linalg.svd(Wh, compute_uv=False)[0])
    gamma = MAX_DERIVATIVE[activation]
    lag = np.arange(T)
    with np.errstate(over="ignore"):
        bound = (sigma * gamma) ** lag
    return {"lag": lag, "norm": jacobian_norms(Wh, derivs), "bound": bound, "sigma": sigma, "gamma": gamma,
            "factor": sigma * gamma}


def boundary_radius(activation: str) -> float:
    """The scale of Wh at which sigma_max(Wh) * max f' = 1 (for Wh = scale * orthogonal)."""
    return 1.0 / MAX_DERIVATIVE[activation]


def time_gradient_curve(repeats: int = 21, **kwargs) -> float:
    """Median seconds of one gradient_norm_curve call (what the explorer computes per update)."""
    import time
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        gradient_norm_curve(**{"radius": 1.0, **kwargs})
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def draw_gradient_curve(fig, curve: dict, radius: float, activation: str, max_radius: float = 5.0):
    """Left: |dh_T/dh_{T-k}| against the lag (log scale) with the bound; right: where this scale of Wh
    sits relative to the boundary sigma_max(Wh) * max f' = 1."""
    fig.clf()
    ax, ax_b = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    lag, norm = curve["lag"], curve["norm"]
    finite = np.isfinite(norm) & (norm > 0)
    ax.semilogy(lag[finite], norm[finite], color="#2563eb", lw=2, label="measured $|\\partial h_T/\\partial h_{T-k}|$")
    ax.semilogy(lag, curve["bound"], color="#64748b", ls="--", lw=1,
                label=f"bound $(\\sigma_{{max}} \\cdot \\gamma)^k$ = {curve['factor']:.2f}$^k$")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylim(1e-12, 1e12)
    ax.set(xlabel="time lag k = T - t", ylabel="gradient norm (log)", title=f"{activation}, scale of Wh = {radius:.2f}")
    ax.legend(loc="upper left", fontsize=8)
    b = boundary_radius(activation)
    ax_b.axvspan(0, b, color="#dbeafe")
    ax_b.axvspan(b, max_radius, color="#fee2e2")
    ax_b.axvline(b, color="k", lw=1.5)
    ax_b.plot([radius], [0.5], "o", color="#dc2626", ms=10)
    ax_b.text(b / 2, 0.85, "can only\nvanish", ha="center", va="center", fontsize=8)
    ax_b.text((b + max_radius) / 2, 0.85, "may\nexplode", ha="center", va="center", fontsize=8)
    ax_b.text(b, 0.15, f" boundary\n $\\sigma_{{max}}\\gamma = 1$\n at {b:g}", fontsize=8, va="center")
    ax_b.set(xlim=(0, max_radius), ylim=(0, 1), yticks=[], xlabel="scale of Wh ($\\sigma_{max}$)",
             title=f"max {activation}' = $\\gamma$ = {curve['gamma']:g}")
    ax_b.grid(False)
    fig.tight_layout()
    return fig


def show_gradient_explorer(T: int = 60, H: int = 32):
    """Explorer: the spectral radius of Wh and the activation decide whether gradients vanish or explode."""
    from IPython.display import display
    display(gradient_explorer_widget(T, H))


def gradient_explorer_widget(T: int = 60, H: int = 32):
    """The widget box of `show_gradient_explorer` (CSS class rnnlab-explorer), built and drawn once."""
    import time

    import ipywidgets as w
    import matplotlib.pyplot as plt

    radius = w.FloatSlider(value=1.0, min=0.1, max=5.0, step=0.05, description="scale of Wh",
                           continuous_update=False, readout_format=".2f", style={"description_width": "initial"})
    act = w.Dropdown(options=["tanh", "sigmoid", "relu"], value="tanh", description="activation")
    status = w.HTML()
    out = w.Output()

    def redraw(*_):
        start = time.perf_counter()
        curve = gradient_norm_curve(radius.value, act.value, T=T, H=H)
        ms = 1000 * (time.perf_counter() - start)
        factor = curve["factor"]
        side = ("below 1: every gradient path shrinks at least this fast" if factor < 1
                else "above 1: gradients are allowed to grow (they may explode)")
        far = curve["norm"][min(50, T - 1)]
        status.value = (f"&sigma;<sub>max</sub>(Wh) &times; max {act.value}' = {curve['sigma']:.2f} &times; "
                        f"{curve['gamma']:g} = <b>{factor:.2f}</b>, {side}. &nbsp;|&nbsp; measured at lag "
                        f"{min(50, T - 1)}: {far:.1e} &nbsp;|&nbsp; computed in {ms:.1f} ms")
        with out:
            out.clear_output(wait=True)
            fig = plt.figure(figsize=(10, 3.6))
            draw_gradient_curve(fig, curve, radius.value, act.value, max_radius=radius.max)
            plt.show()

    for control in (radius, act):
        control.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox([radius, act]), status, out])
    box.add_class("rnnlab-explorer")
    return box

