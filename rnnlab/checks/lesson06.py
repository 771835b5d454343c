"""Checks of lesson 06 (GRU): gru_step_forward and gru_forward, in both of Keras' layouts.

reset_after=True (Keras' default): b (2, 3H), input bias b[0], recurrent bias b[1], and the
reset gate multiplies the recurrent product. reset_after=False: b (3H,), and the reset gate
multiplies h_prev before the product. The probes use D == H and non-zero biases so that
swapped weights and a missing bias still run and can be recognised.
"""
from itertools import permutations

import numpy as np

from .. import reference as ref
from . import register
from .numerics import Numerics
from .probes import (Mistake, as_result_array, call, check_cache, diagnose, earlier_exercise, expect_shape, rng,
                     unpack)
from .variants import Equations, declare

BLOCKS = "zrh"        # Keras' block order: update, reset, candidate
sig = ref.sigmoid
GATE = " (a gate's values lie in (0, 1))"
GRU_LINES = {
    "xw": "xw = x @ Wx + b[0] (reset_after=True) or x @ Wx + b (reset_after=False)",
    "hw": "hw = h_prev @ Wh + b[1] (reset_after=True)",
    "the update gate z": "z = sigmoid(xw[:, :H] + hw[:, :H])",
    "the reset gate r": "r = sigmoid(xw[:, H:2*H] + hw[:, H:2*H])",
    "h_next": "h_next = z * h_prev + (1 - z) * h_tilde",
    "z * h_prev": "h_next = z * h_prev + (1 - z) * h_tilde",
    "(1 - z) * h_tilde": "h_next = z * h_prev + (1 - z) * h_tilde"}
CANDIDATE = {True: "h_tilde = np.tanh(xw[:, 2*H:] + r * hw[:, 2*H:]) (reset_after=True)",
             False: "h_tilde = np.tanh(xw[:, 2*H:] + (r * h_prev) @ Wh[:, 2*H:]) (reset_after=False)"}
GRU_ACTIVATIONS = "the gates z and r use the sigmoid (values in (0, 1)), the candidate h_tilde uses tanh"


def step_equations(e, x, h_prev, Wx, Wh, b):
    """The lesson's GRU step in both layouts, with the places a learner can slip marked (rnnlab.checks.variants)."""
    H = h_prev.shape[1]
    after = np.ndim(b) == 2
    xw = e.sum("xw", {"x @ Wx": x @ Wx, **({"b[0]": b[0]} if after else {"b": b})})
    if not after:
        xw = e.alt("xw", xw, {
            "with b of shape (3H,) (reset_after=False) b[0] and b[1] are two single numbers: add the whole b to "
            "x @ Wx, and apply the reset gate before the product, (r * h_prev) @ Wh[:, 2*H:]": lambda: x @ Wx + b[0]})
    if after:
        rec_bias = e.pick("the recurrent bias", b[1], right="b[1]", **{"b[0] again": b[0]},
                          fix="hw = h_prev @ Wh + b[1]: b[0] goes with x @ Wx, b[1] with h_prev @ Wh")
        hw = e.sum("hw", {"h_prev @ Wh": h_prev @ Wh, "b[1]": rec_bias}, like=xw)
    else:
        hw = e.sum("hw", {"h_prev @ Wh": h_prev @ Wh[:, :2 * H]}, fix="z and r add h_prev @ Wh[:, :2*H]")
    zs = e.pick("the block of z", (xw[:, :H], hw[:, :H]), right="columns :H",
                **{"the columns H:2*H of r": (xw[:, H:2 * H], hw[:, H:2 * H])},
                fix="blocks [z, r, h]: z from columns :H, r from H:2*H")
    rs = e.pick("the block of r", (xw[:, H:2 * H], hw[:, H:2 * H]), right="columns H:2*H",
                **{"the columns :H of z": (xw[:, :H], hw[:, :H])},
                fix="blocks [z, r, h]: z from columns :H, r from H:2*H")
    z = e.act("the update gate z", "sigmoid", e.sum("the update gate z", {"xw[:, :H]": zs[0], "hw[:, :H]": zs[1]}),
              why=GATE, group="gates")
    r = e.act("the reset gate r", "sigmoid", e.sum("the reset gate r", {"xw[:, H:2*H]": rs[0],
                                                                        "hw[:, H:2*H]": rs[1]}),
              why=GATE, group="gates")
    fix = CANDIDATE[after]
    if after:
        reset = e.mul("r * hw[:, 2*H:]", {"r": r, "hw[:, 2*H:]": hw[:, 2 * H:]}, fix=fix)
        pre = e.sum("the candidate h_tilde", {"xw[:, 2*H:]": xw[:, 2 * H:], "r * hw[:, 2*H:]": reset}, fix=fix)
    else:
        rh = e.mul("r * h_prev", {"r": r, "h_prev": h_prev}, fix=fix)
        pre = e.sum("the candidate h_tilde", {"xw[:, 2*H:]": xw[:, 2 * H:],
                                              "(r * h_prev) @ Wh[:, 2*H:]": rh @ Wh[:, 2 * H:]}, fix=fix)
    hh = e.act("the candidate h_tilde", "tanh", pre, fix=fix, why=" (values in (-1, 1))", group="gates")
    h_next = e.sum("h_next", {"z * h_prev": e.mul("z * h_prev", {"z": z, "h_prev": h_prev}, gates=("z",)),
                              "(1 - z) * h_tilde": e.mul("(1 - z) * h_tilde", {"(1 - z)": 1 - z, "h_tilde": hh},
                                                         gates=("(1 - z)",))})
    return {"h_next": h_next}


STEP_EQUATIONS = Equations(
    "gru_step_forward", step_equations, args=("x", "h_prev", "Wx", "Wh", "b"), equations=GRU_LINES,
    swaps=[("Wx", "Wh")], activations=GRU_ACTIVATIONS,
    wrap=lambda out, a: (out["h_next"], ref.gru_step_forward(*a)[1]))


def step_probe(N=3, D=4, H=4, reset_after=True, dtype=np.float64, seed=0, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, D))).astype(dtype)
    h = r.standard_normal((N, H)).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, 3 * H))).astype(dtype)
    Wh = (0.5 * r.standard_normal((H, 3 * H))).astype(dtype)
    b = r.standard_normal((2, 3 * H) if reset_after else 3 * H).astype(dtype)
    return x, h, Wx, Wh, b


def _split(a, order=BLOCKS):
    H = a.shape[1] // 3
    return {k: a[:, j * H:(j + 1) * H] for j, k in enumerate(order)}


def gru_variant(x, h, Wx, Wh, b, *, order=BLOCKS, reset="layout", mix="right", b_in=True, b_rec=True,
                rec_bias_outside=False, cand=np.tanh, gate=sig, swap_weights=False):
    """One GRU step with one planted mistake (each keyword switches one term).

    reset: "layout" (right), "after" or "before" (forced); mix: "right" (z * h + (1 - z) * h~),
    "flipped" ((1 - z) * h + z * h~) or "no_one_minus" (z * h + h~).
    """
    if swap_weights:
        Wx, Wh = Wh, Wx
    reset_after = np.ndim(b) == 2
    H = Wh.shape[0]
    bi = (b[0] if reset_after else b) if b_in else 0
    br = (b[1] if reset_after else np.zeros(3 * H)) if b_rec else np.zeros(3 * H)
    X = _split(x @ Wx + bi, order)
    Whs = {k: Wh[:, j * H:(j + 1) * H] for j, k in enumerate(order)}
    Br = {k: br[j * H:(j + 1) * H] for j, k in enumerate(order)}
    z = gate(X["z"] + h @ Whs["z"] + Br["z"])
    r = gate(X["r"] + h @ Whs["r"] + Br["r"])
    mode = ("after" if reset_after else "before") if reset == "layout" else reset
    if mode == "after":
        if rec_bias_outside:
            hh = cand(X["h"] + r * (h @ Whs["h"]) + Br["h"])
        else:
            hh = cand(X["h"] + r * (h @ Whs["h"] + Br["h"]))
    else:
        hh = cand(X["h"] + (r * h) @ Whs["h"] + Br["h"])
    if mix == "flipped":
        return (1 - z) * h + z * hh
    if mix == "no_one_minus":
        return z * h + hh
    return z * h + (1 - z) * hh


def step_mistakes(x, h, Wx, Wh, b):
    reset_after = np.ndim(b) == 2
    out = [
        (gru_variant(x, h, Wx, Wh, b, mix="flipped"),
         "(1 - z) is on the wrong side: h_next = z * h_prev + (1 - z) * h~ (Keras: z keeps the old state)."),
        (gru_variant(x, h, Wx, Wh, b, mix="no_one_minus"),
         "The candidate is added without (1 - z): h_next = z * h_prev + (1 - z) * h~."),
        (gru_variant(x, h, Wx, Wh, b, cand=sig),
         "The candidate h~ uses the sigmoid; it uses tanh. Only the gates z and r use the sigmoid."),
        (gru_variant(x, h, Wx, Wh, b, gate=np.tanh),
         "The gates z and r use tanh; gates use the sigmoid (values in (0, 1))."),
        (gru_variant(x, h, Wx, Wh, b, b_in=False, b_rec=False),
         "The bias is missing: add b" + (" (b[0] to x @ Wx, b[1] to h_prev @ Wh)." if reset_after else
                                         " to x @ Wx.")),
    ]
    if reset_after:
        out += [
            (gru_variant(x, h, Wx, Wh, b, reset="before"),
             "The reset gate is applied BEFORE the recurrent product, (r * h_prev) @ Wh_h: that is reset_after=False. "
             "With b of shape (2, 3H) (reset_after=True, Keras' default) it multiplies AFTER: "
             "r * (h_prev @ Wh_h + b[1, 2H:])."),
            (gru_variant(x, h, Wx, Wh, b, rec_bias_outside=True),
             "The recurrent bias of the candidate is outside the reset gate: it belongs inside, "
             "r * (h_prev @ Wh[:, 2H:] + b[1, 2H:])."),
            (gru_variant(x, h, Wx, Wh, b, b_rec=False),
             "The recurrent bias b[1] is missing: with reset_after=True, h_prev @ Wh + b[1] (and b[0] goes with x @ Wx)."),
            (gru_variant(x, h, Wx, Wh, b, b_in=False),
             "The input bias b[0] is missing: x @ Wx + b[0]."),
        ]
    else:
        out.append((gru_variant(x, h, Wx, Wh, b, reset="after"),
                    "The reset gate is applied AFTER the recurrent product; with b of shape (3H,) "
                    "(reset_after=False) it multiplies h_prev BEFORE: (r * h_prev) @ Wh[:, 2H:]."))
    for order in permutations(BLOCKS):
        if "".join(order) != BLOCKS:
            out.append((gru_variant(x, h, Wx, Wh, b, order="".join(order)),
                        f"The blocks are read in the order [{', '.join(order)}]; Keras' order is [z, r, h]: "
                        "z = columns :H, r = H:2H, the candidate 2H:."))
    if Wx.shape == Wh.shape:
        out.append((gru_variant(x, h, Wx, Wh, b, swap_weights=True),
                    "Wx and Wh are swapped: x goes with Wx (D, 3H), h_prev with Wh (H, 3H)."))
    return out


def _call_step(fn, probe, what):
    x, h, Wx, Wh, b = probe
    try:
        out = call(fn, *probe)
    except (Mistake, NotImplementedError):
        raise
    except ValueError as exc:
        msg = str(exc).splitlines()[0][:160]
        if np.ndim(b) == 2 and ("broadcast" in msg or "shape" in msg):
            raise Mistake(f"gru_step_forward raised ValueError with b of shape {b.shape} ({msg}). With "
                          "reset_after=True (b.ndim == 2), b[0] is the input bias and b[1] the recurrent bias: "
                          "add b[0] to x @ Wx and b[1] to h_prev @ Wh.") from None
        raise
    h_next, cache = unpack(out, "gru_step_forward", ("h_next", "cache"))
    return as_result_array(h_next, what), cache


@register("6.1", "gru_step_forward", "One GRU step", ref.gru_step_forward)
def check_gru_step_forward(gru_step_forward):
    for reset_after in (True, False):
        layout = "reset_after=True, b (2, 3H)" if reset_after else "reset_after=False, b (3H,)"
        probe = step_probe(reset_after=reset_after, seed=0 if reset_after else 1)
        what = f"h_next ({layout})"
        h_next, cache = _call_step(gru_step_forward, probe, what)
        expected, ecache = ref.gru_step_forward(*probe)
        expect_shape(h_next, expected.shape, what, "(N, H)")
        diagnose(h_next, expected, what, STEP_EQUATIONS.variants(probe).candidates("h_next",
                                                                                  first=step_mistakes(*probe)))
        x, h, Wx, Wh, b = probe
        fields = dict(x=x, h_prev=h, Wx=Wx, Wh=Wh, z=ecache.z, r=ecache.r, h_tilde=ecache.h_tilde)
        if reset_after:
            fields["rec_h"] = ecache.rec_h
        check_cache(cache, ref.GRUStepCache, fields)
        if not reset_after and cache.rec_h is not None:
            raise Mistake("cache.rec_h should be None with reset_after=False (there is no recurrent product "
                          "for the reset gate to multiply).")
        if bool(cache.reset_after) != reset_after:
            raise Mistake(f"cache.reset_after should be {reset_after} for b of shape {b.shape}.")
    # D != H, another batch size
    for reset_after in (True, False):
        probe = step_probe(N=2, D=3, H=5, reset_after=reset_after, seed=2)
        what = f"h_next (N=2, D=3, H=5, reset_after={reset_after})"
        h_next, _ = _call_step(gru_step_forward, probe, what)
        expected, _ = ref.gru_step_forward(*probe)
        expect_shape(h_next, expected.shape, what, "(N, H)")
        diagnose(h_next, expected, what, STEP_EQUATIONS.variants(probe).candidates("h_next",
                                                                                  first=step_mistakes(*probe)))
    for reset_after in (True, False):
        _step_numerics(reset_after).run(gru_step_forward)


def _step_numerics(reset_after):
    return _numerics("gru_step_forward", "h_next", reset_after, step_probe, ref.gru_step_forward, {}, sequence=False,
                     saturate="pre-activations x @ Wx + h_prev @ Wh + b in the hundreds and thousands")


def forward_equations(e, x, h0, Wx, Wh, b):
    """The loop over time around the step's equations (its sites: rnnlab.checks.variants.Context.over_time)."""
    return {"h": e.over_time(step_equations, x, h0, Wx, Wh, b)}


SEQ_EQUATIONS = Equations(
    "gru_forward", forward_equations, args=("x", "h0", "Wx", "Wh", "b"), equations=GRU_LINES,
    swaps=[("Wx", "Wh")], activations=GRU_ACTIVATIONS,
    wrap=lambda out, a: (out["h"], _cache_for(out["h"], *a)))


def _cache_for(h, *args):
    c = ref.gru_forward(*args)[1]
    return ref.GRUCache(c.x, c.h0, c.Wx, c.Wh, c.z, c.r, c.h_tilde, c.rec_h, h, c.reset_after)


def seq_probe(N=3, T=3, D=4, H=4, reset_after=True, seed=0, dtype=np.float64, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, T, D))).astype(dtype)
    h0 = r.standard_normal((N, H)).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, 3 * H))).astype(dtype)
    Wh = (0.5 * r.standard_normal((H, 3 * H))).astype(dtype)
    b = r.standard_normal((2, 3 * H) if reset_after else 3 * H).astype(dtype)
    return x, h0, Wx, Wh, b


@register("6.2", "gru_forward", "A GRU over a whole sequence", ref.gru_forward)
def check_gru_forward(gru_forward):
    func, names = "gru_forward", ("h", "cache")
    for reset_after in (True, False):
        # N == T so that swapping the batch and time axes still runs and can be recognised.
        x, h0, Wx, Wh, b = probe = seq_probe(reset_after=reset_after, seed=0 if reset_after else 1)
        what = f"h (reset_after={reset_after})"
        h, cache = unpack(call(gru_forward, *probe), func, names)
        h = as_result_array(h, what)
        expected, ecache = ref.gru_forward(*probe)
        N, T, H = expected.shape
        if h.shape == (N, H):
            raise Mistake(f"h has shape {h.shape} = (N, H): that is only the last state. Return every state, "
                          f"stacked as (N, T, H) = {expected.shape}.")
        expect_shape(h, expected.shape, what, "(N, T, H)")
        stale = np.stack([ref.gru_step_forward(x[:, t], h0, Wx, Wh, b)[0] for t in range(T)], axis=1)
        shifted = np.concatenate([h0[:, None], expected[:, :-1]], axis=1)
        swapped, _ = ref.gru_forward(np.swapaxes(x, 0, 1), h0, Wx, Wh, b)
        diagnose(h, expected, what, SEQ_EQUATIONS.variants(probe).candidates("h", first=[
            (np.swapaxes(expected, 0, 1), "h is time-major (T, N, H); the course is batch-major: store step t in h[:, t]."),
            (swapped, "You indexed the time step as x[t]; x is (N, T, D), so step t is x[:, t]."),
            (stale, "Every step starts from h0: carry the state (h_t = h_next) inside the loop."),
            (shifted, "h[:, t] holds the state BEFORE step t: store the new state h_next, not h_prev."),
            (np.repeat(expected[:, -1:], T, axis=1), "Every h[:, t] equals the last state: store each step's new array."),
            (np.zeros_like(expected), "h is all zeros: fill h[:, t] with each step's new state."),
        ]))
        fields = dict(x=x, h0=h0, Wx=Wx, Wh=Wh, z=ecache.z, r=ecache.r, h_tilde=ecache.h_tilde)
        if reset_after:
            fields["rec_h"] = ecache.rec_h
        fields["h"] = expected
        check_cache(cache, ref.GRUCache, fields)
        if not reset_after and cache.rec_h is not None:
            raise Mistake("cache.rec_h should be None with reset_after=False.")
        if bool(cache.reset_after) != reset_after:
            raise Mistake(f"cache.reset_after should be {reset_after} for b of shape {b.shape}.")
    # D != H and N != T
    for reset_after in (True, False):
        probe = seq_probe(N=2, T=5, D=3, H=4, reset_after=reset_after, seed=2)
        what = f"h (N=2, T=5, D=3, H=4, reset_after={reset_after})"
        h, _ = unpack(call(gru_forward, *probe), func, names)
        h = as_result_array(h, what)
        expected, _ = ref.gru_forward(*probe)
        expect_shape(h, expected.shape, what, "(N, T, H)")
        with earlier_exercise("6.1", "gru_step_forward", "gru_forward"):
            diagnose(h, expected, what, SEQ_EQUATIONS.variants(probe).candidates("h"))
    with earlier_exercise("6.1", "gru_step_forward", "gru_forward"):
        for reset_after in (True, False):
            _seq_numerics(reset_after).run(gru_forward)


def _seq_numerics(reset_after):
    return _numerics("gru_forward", "h", reset_after, seq_probe, ref.gru_forward, {"T": 12}, sequence=True,
                     saturate="inputs x of size 1000 (pre-activations in the hundreds and thousands)")


def _numerics(func, output, reset_after, make, reference, big_sizes, sequence, saturate):
    """The numerics probes of gru_step_forward / gru_forward in one layout."""
    name = f"{output} (reset_after={reset_after})"

    def probe(N=None, T=None, dtype=np.float64, big=False):
        sizes = dict(N=N or 2, D=3, H=5, reset_after=reset_after, seed=8, dtype=dtype, big=big)
        if sequence:
            sizes["T"] = T or (big_sizes["T"] if big else 4)
        return make(**sizes)
    return Numerics(func, probe=probe, sequence=sequence, saturate=saturate,
                    outputs=lambda out, args: {name: unpack(out, func, (output, "cache"))[0]},
                    reference=lambda *args: {name: reference(*args)[0]})


declare("6.1", STEP_EQUATIONS, lambda: [step_probe(seed=0), step_probe(reset_after=False, seed=1),
                                        step_probe(N=2, D=3, H=5, seed=2),
                                        step_probe(N=2, D=3, H=5, reset_after=False, seed=2)])
declare("6.2", SEQ_EQUATIONS, lambda: [seq_probe(seed=0), seq_probe(reset_after=False, seed=1),
                                       seq_probe(N=2, T=5, D=3, H=4, seed=2)])
