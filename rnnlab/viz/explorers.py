"""Interactive explorers: a pure compute core (fast, tested) and thin ipywidgets wiring.

The wiring functions (`show_*`) import ipywidgets and matplotlib only when called.
"""
from __future__ import annotations

import numpy as np

from .. import reference as ref
from .plots import ACTIVATIONS


def _row(*controls):
    """A row of controls that wraps onto a second line on a narrow screen instead of overflowing, with
    every description shown in full (ipywidgets cuts descriptions longer than its default width)."""
    import ipywidgets as w
    for c in controls:
        if getattr(c, "description", ""):
            c.style.description_width = "initial"
    return w.HBox(list(controls), layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%"))


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


def nice_limit(value) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least `value`: an axis limit that changes rarely, so a
    slider move seldom forces the explorer to redraw its axes."""
    value = float(value)
    if not np.isfinite(value) or value <= 1.0:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(value))
    return next(m * decade for m in (1.0, 2.0, 5.0, 10.0) if m * decade >= value)


def build_stepping(fig, x, states, t):
    """Create the stepping figure's artists (input bars, state heatmap, bars of h_t); returns them."""
    from matplotlib.ticker import MaxNLocator
    T, H = states.shape
    gs = fig.add_gridspec(2, 2, width_ratios=[3, 1.2], height_ratios=[1, 2.2], hspace=0.5, wspace=0.25)
    ax_x = fig.add_subplot(gs[0, 0])
    ax_h = fig.add_subplot(gs[1, 0], sharex=ax_x)
    ax_b = fig.add_subplot(gs[:, 1])
    steps = np.arange(T)
    ax_x.bar(steps, x, color="#f59e0b", width=0.6)
    ax_x.set(ylabel="$x_t$", title="input sequence")
    ax_x.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_x.grid(False)
    im = ax_h.imshow(states.T, aspect="auto", cmap="RdBu_r", origin="lower", extent=(-0.5, T - 0.5, -0.5, H - 0.5))
    line = ax_h.axvline(t, color="k", lw=1.5)
    ax_h.set(xlabel="time step t", ylabel="hidden unit", title="hidden state $h_t$ over time (red +, blue -)")
    ax_h.grid(False)
    bars = ax_b.barh(np.arange(H), states[t])
    ax_b.set(xlabel="value", ylabel="hidden unit")
    return {"im": im, "line": line, "bars": bars, "ax_b": ax_b}


def update_stepping(artists, states, t):
    """Point the stepping figure at new states and step t (no new artists)."""
    lim = nice_limit(np.abs(states).max())
    artists["im"].set_data(states.T)
    artists["im"].set_clim(-lim, lim)
    artists["line"].set_xdata([t, t])
    for bar, value in zip(artists["bars"], states[t]):
        bar.set_width(value)
        bar.set_color("#dc2626" if value >= 0 else "#2563eb")
    artists["ax_b"].set_xlim(-lim, lim)
    artists["ax_b"].set_title(f"$h_t$ at t = {t}")


def draw_stepping(fig, x, states, t):
    """Draw input, all states as a heatmap, and the state at step t as bars."""
    fig.clf()
    update_stepping(build_stepping(fig, x, states, t), states, t)
    return fig


def show_stepping(T: int = 20):
    """Explorer: step through a sequence; sliders for the scale of Wx and Wh."""
    from IPython.display import display
    display(stepping_widget(T))


def stepping_widget(T: int = 20):
    """The widget box of `show_stepping` (CSS class rnnlab-explorer): one figure, updated in place."""
    import ipywidgets as w

    from .live import LiveFigure, coalesce

    x = pulse_input(T)
    style = {"description_width": "initial"}
    step = w.IntSlider(value=2, min=0, max=T - 1, description="step t")
    wx = w.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.1, description="scale of Wx", style=style)
    wh = w.FloatSlider(value=0.9, min=0.0, max=2.0, step=0.05, description="scale of Wh", style=style)
    act = w.Dropdown(options=["tanh", "sigmoid", "relu"], value="tanh", description="activation")
    status = w.HTML()
    live = LiveFigure((8, 3.8))
    artists = live.build(lambda fig: build_stepping(fig, x, stepping_states(x, wx.value, wh.value), step.value))
    live.prepare(lambda lim: artists["ax_b"].set_xlim(-lim, lim), (1.0, 2.0, 5.0, 10.0))    # limits drawn ahead

    def redraw():
        states = stepping_states(x, wx.value, wh.value, activation=act.value)
        update_stepping(artists, states, step.value)
        live.render()
        norm = np.linalg.norm(states, axis=1)
        remembered = int(np.sum(norm[3:] > 0.05 * max(norm[2], 1e-12)))
        status.value = (f"t = {step.value}: |h_t| = {norm[step.value]:.3f} &nbsp;|&nbsp; the pulse at t = 2 is still "
                        f"visible (|h| above 5% of its size) for {remembered} more steps &nbsp;|&nbsp; "
                        f"drawn in {live.last_ms:.0f} ms")

    handler = coalesce(redraw)
    for control in (step, wx, wh, act):
        control.observe(handler, names="value")
    redraw()
    box = w.VBox([_row(step, act), _row(wx, wh), status, live.image])
    box.add_class("rnnlab-explorer")
    return box

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


def build_gradient_curve(fig, curve: dict, activation: str, max_radius: float = 5.0):
    """Create the gradient explorer's artists; `update_gradient_curve` fills them in."""
    ax, ax_b = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    lag = curve["lag"]
    measured, = ax.semilogy(lag, np.ones_like(lag, dtype=float), color="#2563eb", lw=2,
                            label="measured $|\\partial h_T/\\partial h_{T-k}|$")
    bound, = ax.semilogy(lag, np.ones_like(lag, dtype=float), color="#64748b", ls="--", lw=1, label="bound")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylim(1e-12, 1e12)
    ax.set_xlim(lag.min(), lag.max())
    ax.set(xlabel="time lag k = T - t", ylabel="gradient norm (log)")
    legend = ax.legend(loc="upper left", fontsize=9)
    vanish = ax_b.axvspan(0, 1, color="#dbeafe")
    explode = ax_b.axvspan(1, max_radius, color="#fee2e2")
    edge = ax_b.axvline(1, color="k", lw=1.5)
    dot, = ax_b.plot([1.0], [0.5], "o", color="#dc2626", ms=10)
    can = ax_b.text(0.5, 0.85, "can only\nvanish", ha="center", va="center", fontsize=9)
    may = ax_b.text(3, 0.85, "may\nexplode", ha="center", va="center", fontsize=9)
    note = ax_b.text(1, 0.15, "", fontsize=9, va="center")
    ax_b.set(xlim=(0, max_radius), ylim=(0, 1), yticks=[], xlabel="scale of Wh ($\\sigma_{max}$)")
    ax_b.grid(False)
    ax.set_title(f"{activation}, scale of Wh = 0.00")          # placeholders, so the layout leaves room
    ax_b.set_title(f"max {activation}' = $\\gamma$ = 1")
    fig.tight_layout()
    return {"ax": ax, "ax_b": ax_b, "measured": measured, "bound": bound, "legend": legend, "vanish": vanish,
            "explode": explode, "edge": edge, "dot": dot, "can": can, "may": may, "note": note,
            "max_radius": max_radius}


def update_gradient_curve(artists: dict, curve: dict, radius: float, activation: str):
    lag, norm = curve["lag"], curve["norm"]
    finite = np.isfinite(norm) & (norm > 0)
    artists["measured"].set_data(lag[finite], norm[finite])
    artists["bound"].set_data(lag, curve["bound"])
    label = f"bound $(\\sigma_{{max}} \\cdot \\gamma)^k$ = {curve['factor']:.2f}$^k$"
    artists["bound"].set_label(label)
    artists["legend"].get_texts()[1].set_text(label)
    artists["ax"].set_title(f"{activation}, scale of Wh = {radius:.2f}")
    b, top = boundary_radius(activation), artists["max_radius"]
    for patch, (x0, x1) in ((artists["vanish"], (0, b)), (artists["explode"], (b, top))):
        patch.set_x(x0)
        patch.set_width(x1 - x0)
    artists["edge"].set_xdata([b, b])
    artists["dot"].set_data([radius], [0.5])
    artists["can"].set_x(b / 2)
    artists["may"].set_x((b + top) / 2)
    artists["note"].set_x(b)
    artists["note"].set_text(f" boundary\n $\\sigma_{{max}}\\gamma = 1$\n at {b:g}")
    artists["ax_b"].set_title(f"max {activation}' = $\\gamma$ = {curve['gamma']:g}")


def draw_gradient_curve(fig, curve: dict, radius: float, activation: str, max_radius: float = 5.0):
    """Left: |dh_T/dh_{T-k}| against the lag (log scale) with the bound; right: where this scale of Wh
    sits relative to the boundary sigma_max(Wh) * max f' = 1."""
    fig.clf()
    update_gradient_curve(build_gradient_curve(fig, curve, activation, max_radius), curve, radius, activation)
    return fig


def show_gradient_explorer(T: int = 60, H: int = 32):
    """Explorer: the spectral radius of Wh and the activation decide whether gradients vanish or explode."""
    from IPython.display import display
    display(gradient_explorer_widget(T, H))


def gradient_explorer_widget(T: int = 60, H: int = 32):
    """The widget box of `show_gradient_explorer` (CSS class rnnlab-explorer): one figure, updated in place."""
    import time

    import ipywidgets as w

    from .live import LiveFigure, coalesce

    radius = w.FloatSlider(value=1.0, min=0.1, max=5.0, step=0.05, description="scale of Wh",
                           readout_format=".2f", style={"description_width": "initial"})
    act = w.Dropdown(options=["tanh", "sigmoid", "relu"], value="tanh", description="activation")
    status = w.HTML()
    live = LiveFigure((8.4, 3.4))
    first = gradient_norm_curve(radius.value, act.value, T=T, H=H)
    artists = live.build(lambda fig: build_gradient_curve(fig, first, act.value, max_radius=radius.max))

    def redraw():
        start = time.perf_counter()
        curve = gradient_norm_curve(radius.value, act.value, T=T, H=H)
        ms = 1000 * (time.perf_counter() - start)
        update_gradient_curve(artists, curve, radius.value, act.value)
        live.render()
        factor = curve["factor"]
        side = ("below 1: every gradient path shrinks at least this fast" if factor < 1
                else "above 1: gradients are allowed to grow (they may explode)")
        far = curve["norm"][min(50, T - 1)]
        status.value = (f"&sigma;<sub>max</sub>(Wh) &times; max {act.value}' = {curve['sigma']:.2f} &times; "
                        f"{curve['gamma']:g} = <b>{factor:.2f}</b>, {side}. &nbsp;|&nbsp; measured at lag "
                        f"{min(50, T - 1)}: {far:.1e} &nbsp;|&nbsp; computed in {ms:.1f} ms, drawn in "
                        f"{live.last_ms:.0f} ms")

    handler = coalesce(redraw)
    for control in (radius, act):
        control.observe(handler, names="value")
    redraw()
    box = w.VBox([_row(radius, act), status, live.image])
    box.add_class("rnnlab-explorer")
    return box

# --------------------------------------------------------------------------------------
# Lesson 10: sampling text at a temperature
# --------------------------------------------------------------------------------------

def generation_view(lm, vocab, prompt: str, temperature: float, n: int = 200, seed: int = 0,
                    sampler=None, k: int = 8) -> dict:
    """Compute core of the text-generation explorer.

    lm: a character model with zero_state/step/logits (rnnlab.textgen.NumpyCharGRU), vocab: its
    CharVocab. Returns {"text": n characters sampled after prompt at this temperature,
    "next": the k most likely next characters after prompt [(char, p)], "entropy": the entropy of
    that next-character distribution in bits (how many choices the model leaves open)}.
    """
    from ..models import charlm
    sampler = sampler or charlm.sample_next
    p = charlm.softmax(charlm.without_unknown(lm.logits(vocab.encode(prompt))[-1]), temperature)
    top = np.argsort(p)[::-1][:k]
    nz = p[p > 0]
    return {"text": charlm.generate(lm, vocab, prompt, n, temperature, seed, sampler),
            "next": [(vocab.chars[i], float(p[i])) for i in top],
            "entropy": float(-np.sum(nz * np.log2(nz)))}


def generation_html(prompt: str, view: dict) -> str:
    """The explorer's display: prompt (bold) + sampled text, and bars for the next-character table."""
    import html
    shown = lambda c: {"\n": "\u21b5", " ": "\u2423", "\t": "\u21e5"}.get(c, c)
    bars = "".join(
        f"<div style='display:flex; align-items:center; gap:6px; font-family:monospace'>"
        f"<span style='width:1.5em; text-align:center'>{html.escape(shown(c))}</span>"
        f"<span style='display:inline-block; height:12px; width:{int(200 * p)}px; background:#2563eb'></span>"
        f"<span>{p:.2f}</span></div>" for c, p in view["next"])
    return (f"<div style='display:flex; gap:24px; align-items:flex-start'>"
            f"<pre style='flex:1; white-space:pre-wrap; font-size:13px; margin:0; padding:6px; background:#f8fafc'>"
            f"<b>{html.escape(prompt)}</b>{html.escape(view['text'])}</pre>"
            f"<div><div style='font-size:12px; margin-bottom:4px'>next character after the prompt "
            f"(entropy {view['entropy']:.2f} bits)</div>{bars}</div></div>")


def show_generation(lm, vocab, prompt: str = "def ", n: int = 200, sampler=None):
    """Explorer: a temperature slider and a prompt box; shows sampled text and the next-character odds."""
    import ipywidgets as w
    from IPython.display import display

    from .live import coalesce

    temperature = w.FloatSlider(value=0.8, min=0.1, max=2.0, step=0.05, description="temperature",
                                continuous_update=False, readout_format=".2f")
    box_prompt = w.Text(value=prompt, description="prompt", continuous_update=False)
    seed = w.IntSlider(value=0, min=0, max=20, description="seed", continuous_update=False)
    out = w.HTML()

    def redraw():
        view = generation_view(lm, vocab, box_prompt.value, temperature.value, n, seed.value, sampler)
        out.value = generation_html(box_prompt.value, view)

    handler = coalesce(redraw)
    for control in (temperature, box_prompt, seed):
        control.observe(handler, names="value")
    redraw()
    box = w.VBox([_row(box_prompt, temperature, seed), out])
    box.add_class("rnnlab-explorer")
    display(box)


# --------------------------------------------------------------------------------------
# Lesson 05: stepping an LSTM through a sequence
# --------------------------------------------------------------------------------------

LSTM_INPUTS = ("pulse", "two pulses", "step", "noise")
LSTM_ROWS = (("i", "input gate $i$"), ("f", "forget gate $f$"), ("c_tilde", "candidate $\\tilde c$"),
             ("o", "output gate $o$"), ("c", "cell state $c$"), ("h", "hidden state $h$"))


def lstm_input(kind: str = "pulse", T: int = 20, height: float = 1.0, seed: int = 0) -> np.ndarray:
    """An input sequence (T,) for the LSTM explorer: "pulse" (at t = 2), "two pulses" (t = 2 and
    t = T // 2), "step" (from t = 5 on) or "noise" (uniform in [-1, 1)), scaled by `height`."""
    x = np.zeros(T)
    if kind == "pulse":
        x[2] = height
    elif kind == "two pulses":
        x[2] = x[T // 2] = height
    elif kind == "step":
        x[5:] = height
    elif kind == "noise":
        x = height * np.random.default_rng(seed).uniform(-1, 1, T)
    else:
        raise ValueError(f"lstm_input: kind should be one of {LSTM_INPUTS}, got {kind!r}")
    return x


def lstm_stepping_weights(H: int = 4, forget_bias: float = 1.0, seed: int = 0):
    """Fixed weights of the explorer's LSTM (one input, H units, Keras layout [i, f, c, o]).

    A positive input opens the input gate (its bias -2 keeps it nearly shut otherwise) and writes a
    candidate of alternating sign per unit; the forget gate's bias is `forget_bias`, so with no input
    each unit keeps about sigmoid(forget_bias) of its cell state per step. Returns Wx (1, 4H), Wh (H, 4H), b (4H,).
    """
    r = np.random.default_rng(seed)
    signs = np.where(np.arange(H) % 2 == 0, 1.0, -1.0)
    Wx = np.concatenate([4.0 + 0.3 * r.standard_normal(H),        # i: the input opens it
                         0.3 * r.standard_normal(H),              # f: hardly depends on the input
                         2.0 * signs * (1 + 0.2 * r.random(H)),   # c~: +/- per unit
                         1.0 + 0.5 * r.standard_normal(H)])[None, :]   # o
    Wh = 0.3 * r.standard_normal((H, 4 * H))
    b = np.concatenate([np.full(H, -2.0), np.full(H, float(forget_bias)), np.zeros(H), np.zeros(H)])
    return Wx, Wh, b


def lstm_stepping(x, forget_bias: float = 1.0, H: int = 4, seed: int = 0) -> dict:
    """Run the explorer's LSTM over the 1-D input x (T,).

    Returns {"x": (T,), "i", "f", "c_tilde", "o", "c", "h": (T, H) each}: every gate and state at every step.
    """
    x = np.asarray(x, dtype=float)
    Wx, Wh, b = lstm_stepping_weights(H, forget_bias, seed)
    _, cache = ref.lstm_forward(x[None, :, None], np.zeros((1, H)), Wx, Wh, b)
    out = {"x": x}
    for name, _ in LSTM_ROWS:
        out[name] = getattr(cache, name)[0]
    return out


def memory_steps(c: np.ndarray, at: int = 2, threshold: float = 0.05) -> int:
    """How many steps after step `at` the cell state |c_t| stays above `threshold` times |c_at|. c: (T, H)."""
    norm = np.linalg.norm(np.asarray(c), axis=1)
    return int(np.sum(norm[at + 1:] > threshold * max(norm[at], 1e-12)))


def build_lstm_stepping(fig, states: dict, t: int):
    """Create the LSTM stepping figure's artists; `update_lstm_stepping` fills them in."""
    from matplotlib.ticker import MaxNLocator
    T, H = states["c"].shape
    rows = len(LSTM_ROWS) + 1
    gs = fig.add_gridspec(rows, 2, width_ratios=[3, 1.3], hspace=0.25, wspace=0.3, bottom=0.2)
    ax_x = fig.add_subplot(gs[0, 0])
    input_bars = ax_x.bar(np.arange(T), states["x"], color="#f59e0b", width=0.6)
    lines = [ax_x.axvline(t, color="k", lw=1.2)]
    ax_x.set_ylim(-2.2, 2.2)
    ax_x.set_ylabel("$x_t$", rotation=0, ha="right", va="center")
    ax_x.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_x.tick_params(labelbottom=False)
    ax_x.grid(False)
    images = {}
    for k, (name, label) in enumerate(LSTM_ROWS, start=1):
        ax = fig.add_subplot(gs[k, 0], sharex=ax_x)
        gate = name in ("i", "f", "o")
        images[name] = ax.imshow(states[name].T, aspect="auto", origin="lower", extent=(-0.5, T - 0.5, -0.5, H - 0.5),
                                 cmap="Greens" if gate else "RdBu_r", vmin=0 if gate else -1, vmax=1)
        lines.append(ax.axvline(t, color="k", lw=1.2))
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        ax.grid(False)
        ax.tick_params(labelbottom=k == len(LSTM_ROWS))
    ax.set_xlabel("time step t   (gates: white 0 to green 1;  states: blue -, red +)")
    ax_b = fig.add_subplot(gs[:, 1])
    names = [n for n, _ in LSTM_ROWS]
    width = 0.8 / H
    bars = []
    for u in range(H):
        bars.append(ax_b.barh(np.arange(len(names)) + (u - (H - 1) / 2) * width, np.zeros(len(names)), height=width,
                              color=_unit_color(u), label=f"unit {u}"))
    ax_b.set_yticks(np.arange(len(names)), ["$i$", "$f$", "$\\tilde c$", "$o$", "$c$", "$h$"])
    ax_b.invert_yaxis()
    ax_b.axvline(0, color="k", lw=0.8)
    ax_b.set(xlabel="value")
    ax_b.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.13))
    return {"input_bars": input_bars, "lines": lines, "images": images, "bars": bars, "ax_b": ax_b, "ax_x": ax_x}


def update_lstm_stepping(artists: dict, states: dict, t: int):
    names = [n for n, _ in LSTM_ROWS]
    lim = nice_limit(np.abs(states["c"]).max())
    for bar, value in zip(artists["input_bars"], states["x"]):
        bar.set_height(value)
    for line in artists["lines"]:
        line.set_xdata([t, t])
    for name, image in artists["images"].items():
        image.set_data(states[name].T)
        if name not in ("i", "f", "o"):
            image.set_clim(-lim, lim)
    for u, container in enumerate(artists["bars"]):
        for bar, name in zip(container, names):
            bar.set_width(states[name][t, u])
    artists["ax_b"].set_xlim(-lim, lim)
    artists["ax_b"].set_title(f"step t = {t}")


def draw_lstm_stepping(fig, states: dict, t: int):
    """Left: the input and one heatmap strip per gate/state over time; right: every value at step t."""
    fig.clf()
    update_lstm_stepping(build_lstm_stepping(fig, states, t), states, t)
    return fig


def _unit_color(k: int) -> str:
    return ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"][k % 6]


def show_lstm_stepping(T: int = 30, H: int = 4):
    """Explorer: step an LSTM through a sequence; controls for the input and the forget-gate bias."""
    from IPython.display import display
    display(lstm_stepping_widget(T, H))


def lstm_stepping_widget(T: int = 30, H: int = 4):
    """The widget box of `show_lstm_stepping` (CSS class rnnlab-explorer): one figure, updated in place."""
    import ipywidgets as w

    from .live import LiveFigure, coalesce

    style = {"description_width": "initial"}
    step = w.IntSlider(value=3, min=0, max=T - 1, description="step t")
    kind = w.Dropdown(options=list(LSTM_INPUTS), value="pulse", description="input")
    height = w.FloatSlider(value=1.0, min=-2.0, max=2.0, step=0.1, description="input height", style=style)
    bias = w.FloatSlider(value=1.0, min=-4.0, max=6.0, step=0.25, description="forget-gate bias", style=style)
    status = w.HTML()
    live = LiveFigure((8.6, 5.0))
    artists = live.build(lambda fig: build_lstm_stepping(
        fig, lstm_stepping(lstm_input(kind.value, T, height.value), bias.value, H), step.value))
    # the value panel's limits the controls can reach (|c| stays below 50 here): drawn once, ahead of time
    live.prepare(lambda lim: artists["ax_b"].set_xlim(-lim, lim), (1.0, 2.0, 5.0, 10.0, 20.0, 50.0))

    def redraw():
        states = lstm_stepping(lstm_input(kind.value, T, height.value), bias.value, H)
        t = step.value
        update_lstm_stepping(artists, states, t)
        live.render()
        kept = 1 / (1 + np.exp(-bias.value))
        msg = (f"t = {t}: mean f = {states['f'][t].mean():.2f}, mean i = {states['i'][t].mean():.2f}, "
               f"|c_t| = {np.linalg.norm(states['c'][t]):.3f} &nbsp;|&nbsp; sigmoid(forget-gate bias) = {kept:.2f}: "
               "the share of c kept per step when nothing new comes in")
        if kind.value == "pulse":
            msg += f" &nbsp;|&nbsp; the pulse stays in c (above 5%) for {memory_steps(states['c'])} more steps"
        status.value = msg + f" &nbsp;|&nbsp; drawn in {live.last_ms:.0f} ms"

    handler = coalesce(redraw)
    for control in (step, kind, height, bias):
        control.observe(handler, names="value")
    redraw()
    box = w.VBox([_row(step, kind), _row(height, bias), status, live.image])
    box.add_class("rnnlab-explorer")
    return box

# --------------------------------------------------------------------------------------
# Lesson 09: attention weights as a heatmap aligned with the characters
# --------------------------------------------------------------------------------------

def attention_grid(weights, source: str, output: str):
    """Cut a padded attention matrix down to the real characters.

    weights: (Ty, Tx) for one example, Tx >= len(source), Ty >= len(output).
    Returns (grid (len(output), len(source)), source characters, output characters).
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[0] < len(output) or w.shape[1] < len(source):
        raise ValueError(f"attention_grid: weights should have shape (Ty, Tx) with Ty >= {len(output)} and "
                         f"Tx >= {len(source)}, got {w.shape}")
    return w[:len(output), :len(source)], list(source), list(output)


def attention_alignment(grid, source_chars, output_chars):
    """For each output character, the source position it attends to most: [(out, index, source char)]."""
    top = np.asarray(grid).argmax(axis=1)
    return [(o, int(i), source_chars[i]) for o, i in zip(output_chars, top)]


def draw_attention(ax, grid, source_chars, output_chars, title: str = "", colorbar: bool = False):
    """Heatmap: one row per output character, one column per input character (colorbar=True adds the scale)."""
    im = ax.imshow(grid, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02, label="attention weight")
    ax.set_xticks(range(len(source_chars)), [c if c != " " else "\u2423" for c in source_chars])
    ax.set_yticks(range(len(output_chars)), output_chars)
    ax.tick_params(length=0)
    ax.set(xlabel="input character", ylabel="output character", title=title)
    ax.grid(False)
    return ax


def show_attention(translate, examples, title: str = "attention weights"):
    """Explorer: pick an example (or type your own input) and see where each output character looks.

    translate(text) -> (output string, weights (Ty, Tx)).
    """
    from IPython.display import display
    display(attention_widget(translate, examples, title))


def attention_widget(translate, examples, title: str = "attention weights"):
    """The widget box of `show_attention` (CSS class rnnlab-explorer). Every example is drawn once, when
    the explorer is built, so picking one shows it at once; a typed input is drawn when submitted."""
    import ipywidgets as w

    from .live import LiveFigure

    pick = w.Dropdown(options=list(examples), value=examples[0], description="example",
                      layout=w.Layout(width="380px"))
    own = w.Text(placeholder="or type a date and press Enter", layout=w.Layout(width="300px"))
    status = w.HTML()
    live = LiveFigure((5.0, 3.6))
    drawn: dict = {}

    def picture(text):
        if text not in drawn:
            result, weights = translate(text)
            grid, src, dst = attention_grid(weights, text, result)
            live.fig.set_size_inches(max(5.0, 0.32 * len(src) + 1.5), 3.6)
            live.build(lambda fig: draw_attention(fig.add_subplot(), grid, src, dst, title, colorbar=True))
            live.fig.tight_layout()
            drawn[text] = (result, live.render(full=True), live.min_font_px())
            if len(drawn) > 64:
                drawn.pop(next(iter(drawn)))
        return drawn[text]

    def redraw(text):
        try:
            result, png, _ = picture(text)
        except ValueError as exc:
            status.value = f"<span style='color:#b91c1c'>{exc}</span>"
            return
        live.image.value = png
        live.image.layout.max_width = f"{int(live.fig.dpi * max(5.0, 0.32 * len(text) + 1.5))}px"
        status.value = f"<code>{text}</code> &rarr; <code>{result}</code>"

    for text in examples:
        picture(text)
    pick.observe(lambda change: redraw(change["new"]), names="value")
    own.on_submit(lambda box: redraw(box.value.strip().lower()))
    redraw(pick.value)
    box = w.VBox([_row(pick, own), status, live.image])
    box.add_class("rnnlab-explorer")
    return box
