"""Figures and the explorer of lesson 15 (speech): waveforms, spectrograms, CTC posteriors.

The explorer follows the course's pattern: a pure compute core (`ctc_view`, tested without widgets),
a draw function that builds the figure's artists once (`draw_ctc_view`) and one that updates them
(`update_ctc_view`), and thin ipywidgets wiring (`ctc_explorer_widget`) that renders the same figure to
a PNG image widget on every change, skipping events whose values were already drawn.
"""
from __future__ import annotations

import numpy as np

from ..data import speech as sp
from ..reference import ctc as ref_ctc

SYMBOLS = ["blank"] + [str(d) for d in range(10)]
DIGIT_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                "#bcbd22", "#7f7f7f"]


# --------------------------------------------------------------------------------------
# Static figures
# --------------------------------------------------------------------------------------

def plot_waveform(ax, x, rate: int = sp.RATE, title: str = "", color: str = "#2563eb"):
    t = np.arange(len(x)) / rate
    ax.plot(t, x, lw=0.6, color=color)
    ax.set(xlabel="time (s)", ylabel="amplitude", title=title, xlim=(0, max(t[-1], 1e-3)))
    return ax


def plot_spectrogram(ax, S, hop: int = sp.HOP, rate: int = sp.RATE, title: str = "", kind: str = "mel",
                     cmap: str = "magma", vmin=None, vmax=None, n_fft: int = sp.N_FFT):
    """S (frames, bins) as an image: time on x, frequency bin (kind="hz", in Hz) or mel band on y."""
    T, B = S.shape
    top = rate / 2 if kind == "hz" else B
    im = ax.imshow(S.T, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                   extent=(0, T * hop / rate, 0, top))
    ax.set(xlabel="time (s)", ylabel="frequency (Hz)" if kind == "hz" else "mel band", title=title)
    ax.grid(False)
    return im


def plot_mel_filters(ax, M, rate: int = sp.RATE):
    """The triangular mel filters (n_fft//2 + 1, n_mels) against frequency."""
    f = np.linspace(0, rate / 2, M.shape[0])
    for k in range(M.shape[1]):
        ax.plot(f, M[:, k], lw=0.8)
    ax.set(xlabel="frequency (Hz)", ylabel="filter weight", title=f"{M.shape[1]} mel filters: narrow at low "
                                                                  "frequencies, wide at high")
    return ax


def plot_ctc_posteriors(fig, feats, logits, truth=None, guess=None, title: str = ""):
    """Spectrogram on top, the per-frame CTC posteriors (blank grey, digits coloured) below, same time axis."""
    view = {"feats": feats, "probs": np.exp(ref_ctc.log_softmax(np.asarray(logits, np.float64))),
            "truth": [] if truth is None else list(truth), "guess": [] if guess is None else list(guess),
            "title": title}
    artists = draw_ctc_view(fig, view)
    return artists


# --------------------------------------------------------------------------------------
# Explorer: compute core
# --------------------------------------------------------------------------------------

def preset_strings(clips, n: int = 8, seed: int = 3, digits: int = 4) -> list:
    """n test strings (official test clips, one speaker each): [(name, clip indices)]."""
    r = np.random.default_rng(seed)
    test = np.flatnonzero(clips.official_test)
    out = []
    for k in range(n):
        spk = k % len(clips.speakers)
        pool = test[clips.speaker[test] == spk]
        picks = r.choice(pool, digits, replace=False)
        name = f"{clips.speakers[spk]}: " + " ".join(str(clips.digit[i]) for i in picks)
        out.append((name, [int(i) for i in picks]))
    return out


def ctc_view(predict, audio_parts, truth, pause: float = 0.1, noise: float = 0.0, seed: int = 0) -> dict:
    """Everything the explorer shows for one utterance: join `audio_parts` with `pause` seconds of silence,
    add white noise of standard deviation `noise`, compute normalised log-mel features, run `predict`
    (features (1, T, F) -> logits (1, T/2, 11)), decode greedily.

    Returns {"audio", "feats" (T, F), "probs" (T/2, 11), "guess", "truth", "errors" (edit distance)}."""
    from ..models import speech as sm
    x = sp.join_clips(audio_parts, pause=pause, noise=noise, seed=seed)
    feats = sp.normalize_utterance(sp.log_mel(x))
    logits = np.asarray(predict(feats[None]))[0, : int(sm.output_lengths([len(feats)])[0])]
    probs = np.exp(ref_ctc.log_softmax(logits.astype(np.float64)))
    guess = [s - 1 for s in ref_ctc.ctc_greedy_decode(logits)]
    truth = [] if truth is None else [int(d) for d in truth]
    return {"audio": x, "feats": feats, "probs": probs, "guess": guess, "truth": truth,
            "errors": sm.edit_distance(truth, guess) if truth else None, "title": ""}


def noise_sweep(predict, audio_parts, truth, levels, pause: float = 0.1, seeds=(0, 1, 2)) -> np.ndarray:
    """Digit errors (edit distance, averaged over `seeds` of the noise) at each noise level."""
    return np.array([np.mean([ctc_view(predict, audio_parts, truth, pause, lv, s)["errors"] for s in seeds])
                     for lv in levels])


# --------------------------------------------------------------------------------------
# Explorer: drawing (artists built once, then updated)
# --------------------------------------------------------------------------------------

def draw_ctc_view(fig, view: dict, max_seconds: float | None = None) -> dict:
    """Build the two panels (spectrogram; per-frame posteriors) and return their artists."""
    feats, probs = view["feats"], view["probs"]
    seconds = max_seconds or len(feats) * sp.HOP / sp.RATE
    gs = fig.add_gridspec(2, 2, width_ratios=[40, 1], height_ratios=[1, 1], hspace=0.45, wspace=0.03,
                          left=0.08, right=0.92, top=0.93, bottom=0.2)
    ax_s = fig.add_subplot(gs[0, 0])
    ax_p = fig.add_subplot(gs[1, 0], sharex=ax_s)
    cax = fig.add_subplot(gs[0, 1])
    im = plot_spectrogram(ax_s, feats, cmap="magma", vmin=-3, vmax=3, title="log-mel features (normalised)")
    im.set_interpolation("nearest")       # one block per frame and band: exact, and a PNG half the size
    fig.colorbar(im, cax=cax, label="std. units")
    ax_s.set_xlabel("")
    t = (np.arange(len(probs)) + 0.5) * 2 * sp.HOP / sp.RATE
    lines = [ax_p.plot(t, probs[:, 0], color="#9ca3af", lw=1.2, ls="--", label="blank")[0]]
    for d in range(10):
        lines.append(ax_p.plot(t, probs[:, d + 1], color=DIGIT_COLORS[d], lw=1.6, label=str(d))[0])
    ax_p.set(xlabel="time (s)", ylabel="P(symbol | frame)", ylim=(-0.03, 1.12), xlim=(0, seconds))
    fig.legend(handles=lines, ncol=11, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 0.0), frameon=False,
               handlelength=1.4, columnspacing=1.0)
    peaks = []
    title = ax_p.set_title("")
    artists = {"fig": fig, "ax_s": ax_s, "ax_p": ax_p, "im": im, "lines": lines, "peaks": peaks, "title": title,
               "max_seconds": max_seconds or 0.0}
    update_ctc_view(artists, view)
    return artists


def update_ctc_view(artists: dict, view: dict) -> None:
    """Point the existing artists at a new view (no new figure)."""
    feats, probs = view["feats"], view["probs"]
    T = len(feats)
    artists["im"].set_data(feats.T)
    artists["im"].set_extent((0, T * sp.HOP / sp.RATE, 0, feats.shape[1]))
    t = (np.arange(len(probs)) + 0.5) * 2 * sp.HOP / sp.RATE
    for k, line in enumerate(artists["lines"]):
        line.set_data(t, probs[:, k])
    for p in artists["peaks"]:
        p.remove()
    artists["peaks"].clear()
    best = probs.argmax(axis=1)
    for k in range(len(best)):                       # label each spike of a digit once
        if best[k] != 0 and (k == 0 or best[k] != best[k - 1]):
            artists["peaks"].append(artists["ax_p"].text(t[k], min(0.95, probs[k, best[k]]) + 0.04, SYMBOLS[best[k]],
                                                         ha="center", va="bottom", fontsize=12,
                                                         color=DIGIT_COLORS[best[k] - 1], fontweight="bold"))
    artists["ax_s"].set_xlim(0, max(T * sp.HOP / sp.RATE, artists["max_seconds"]))
    truth = " ".join(map(str, view["truth"])) if view["truth"] else "?"
    guess = " ".join(map(str, view["guess"])) or "(nothing)"
    verdict = "" if view.get("errors") is None else ("  right" if view["errors"] == 0 else
                                                     f"  {view['errors']} digit error(s)")
    artists["title"].set_text(view.get("title") or f"said: {truth}   decoded: {guess}{verdict}")



# --------------------------------------------------------------------------------------
# Explorer: widget wiring
# --------------------------------------------------------------------------------------

def show_ctc_explorer(model, clips, own_wav=None):
    """Explorer: pick an utterance (or your own recording) and a pause length and noise level; see the
    spectrogram, the per-frame CTC posteriors and the decoded string."""
    from IPython.display import display
    display(ctc_explorer_widget(model, clips, own_wav))


def ctc_explorer_widget(model, clips, own_wav=None, presets=None):
    """The widget box of `show_ctc_explorer` (CSS class rnnlab-explorer), built and drawn once."""
    import time

    import ipywidgets as w

    from .explorers import _row
    from .live import LiveFigure, coalesce

    presets = presets or preset_strings(clips)
    options = [(name, k) for k, (name, _) in enumerate(presets)]
    own = None
    if own_wav is not None:
        own = sp.load_wav(own_wav)
        options.append(("your recording", -1))
    pick = w.Dropdown(options=options, value=0, description="utterance", style={"description_width": "initial"})
    style = {"description_width": "initial"}
    pause = w.FloatSlider(value=0.1, min=0.0, max=0.6, step=0.02, description="pause (s)", continuous_update=False,
                          readout_format=".2f", style=style)
    noise = w.FloatSlider(value=0.0, min=0.0, max=0.1, step=0.005, description="noise level",
                          continuous_update=False, readout_format=".3f", style=style)
    status = w.HTML()
    live = LiveFigure((8.4, 4.8), dpi=100)
    # the longest utterance the controls can make fixes the time axis, so a move never redraws the axes
    longest = max(sum(len(clips.audio[i]) for i in idx) / clips.rate + (len(idx) - 1) * pause.max
                  for _, idx in presets)
    if own is not None:
        longest = max(longest, len(own) / sp.RATE)

    def predict(X):
        return model.predict_on_batch(X)

    cache: dict = {}
    drawn = {"key": None, "artists": None}

    def view_for(key):
        if key not in cache:
            k, p, n = key
            parts, truth = ([own], None) if k == -1 else ([clips.audio[i] for i in presets[k][1]],
                                                          [clips.digit[i] for i in presets[k][1]])
            cache[key] = ctc_view(predict, parts, truth, pause=0.0 if k == -1 else p, noise=n)
            if len(cache) > 64:
                cache.pop(next(iter(cache)))
        return cache[key]

    def redraw(*_):
        key = (pick.value, round(pause.value, 3), round(noise.value, 4))
        if key == drawn["key"]:                 # a stale or repeated event: this is already on screen
            return
        start = time.perf_counter()
        view = view_for(key)
        if drawn["artists"] is None:
            drawn["artists"] = live.build(lambda fig: draw_ctc_view(fig, view, max_seconds=longest))
        else:
            update_ctc_view(drawn["artists"], view)
        live.render()
        drawn["key"] = key
        ms = 1000 * (time.perf_counter() - start)
        outcome = ("no reference transcript" if view["errors"] is None else
                   "recognised exactly" if view["errors"] == 0 else f"<b>{view['errors']} digit error(s)</b>")
        status.value = (f"decoded: <b>{' '.join(map(str, view['guess'])) or '(nothing)'}</b> &nbsp;|&nbsp; "
                        f"{outcome} &nbsp;|&nbsp; {len(view['feats'])} frames, drawn in {ms:.0f} ms")

    handler = coalesce(redraw)
    for control in (pick, pause, noise):
        control.observe(handler, names="value")
    redraw()
    view_for((pick.value, round(pause.value + pause.step, 3), 0.0))    # the model's second input length traces
    #                                                                  its shape-flexible graph now, not on a move
    box = w.VBox([_row(pick, pause, noise), status, live.image])
    box.add_class("rnnlab-explorer")
    return box
