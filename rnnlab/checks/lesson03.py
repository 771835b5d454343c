"""Checks of lesson 03 (backpropagation through time).

3.1 rnn_step_backward, 3.2 rnn_backward: compared with numerical gradients (rnnlab.gradcheck)
and with the outputs that the usual mistakes produce, so the hint can name the mistake.

3.3-3.6 debug a tutorial's BPTT: each exercise holds the tutorial's training code with ONE
of four classic bugs planted. `tutorial_loss_and_grads(x, y, params, bugs)` below is that
code with any set of the bugs switched on; a learner's function is matched against every
combination, so the hint says exactly which bugs are still there.
"""
from itertools import combinations

import numpy as np

from .. import reference as ref
from ..reference.gradcheck import numerical_gradient, numerical_gradient_of, relative_error, verdict
from . import register
from .numerics import Numerics
from .probes import (Mistake, as_result_array, diagnose, earlier_exercise, expect_shape, rng, unpack)
from .variants import Edit, Equations, declare

GRAD_TOL = 1e-6      # relative error against numerical gradients that counts as right (float64 probes)
STEP_NAMES = ("dx", "dh_prev", "dWx", "dWh", "db")
SEQ_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


def _check_cache_untouched(cache, copies, func):
    for name, before in copies.items():
        if not np.array_equal(getattr(cache, name), before):
            raise Mistake(f"{func} changed cache.{name} in place (e.g. `h_next *= ...` or `x -= ...`): "
                          "compute new arrays instead; the cache must stay as the forward pass left it.")


def _call_with_cache(fn, dh, cache, func):
    """Call fn(dh, cache) on copies, and report changes to dh or to the cache's arrays."""
    fields = [f for f in cache.__dataclass_fields__]
    copies = {f: getattr(cache, f).copy() for f in fields}
    dh_copy = dh.copy()
    out = fn(dh_copy, cache)
    if not np.array_equal(dh_copy, dh):
        raise Mistake(f"{func} changed its upstream gradient argument in place (e.g. `dh_next *= ...`): "
                      "compute into a new array instead.")
    _check_cache_untouched(cache, copies, func)
    return out


def _shape_hints(name, got, expected, symbols, extra=()):
    """Shape check with hints for the shapes specific mistakes produce."""
    if got.shape == expected:
        return
    for shape, hint in extra:
        if got.shape == shape:
            raise Mistake(hint)
    expect_shape(got, expected, name, symbols)


# --------------------------------------------------------------------------------------
# 3.1 rnn_step_backward
# --------------------------------------------------------------------------------------

def step_backward_equations(e, dh_next, cache):
    """The lesson's backward step, with the places a learner can slip marked (rnnlab.checks.variants)."""
    x, h_prev, Wx, Wh, h_next = cache.x, cache.h_prev, cache.Wx, cache.Wh, cache.h_next
    with np.errstate(all="ignore"):
        a = np.arctanh(h_next)
    deriv = e.deriv("da", "tanh", h_next, pre=a, out_name="h_next", pre_name="a (before the tanh)",
                    others={"h_prev": h_prev, "dh_next": dh_next, "x": x})
    da = e.mul("da", {"dh_next": dh_next, "(1 - h_next**2)": deriv})
    dx = da @ e.T("dx", e.pick("dx", Wx.T, right="Wx.T", **{"Wh.T (the other weight)": Wh.T}),
                  what="dx uses Wx without its transpose")
    back = da @ e.T("dh_prev", e.pick("dh_prev", Wh.T, right="Wh.T", **{"Wx.T (the other weight)": Wx.T}),
                    what="dh_prev uses Wh without its transpose")
    dh_prev = e.alt("dh_prev", back, {
        "dh_prev is multiplied by 1 - h_prev**2 as well: that derivative belongs to the previous step, which applies "
        "it itself when dh_prev reaches it; dh_prev = da @ Wh.T": lambda: back * (1 - h_prev ** 2)})
    N = len(x)
    dWx = e.batch("dWx", e.T("dWx", x.T @ da, what="dWx is transposed (da.T @ x)"), N)
    h_in = e.pick("dWh", h_prev, right="h_prev (what Wh multiplied)", h_next=h_next, x=x)
    dWh = e.batch("dWh", e.T("dWh", h_in.T @ da, what="dWh is transposed (da.T @ h_prev)"), N)
    db = e.reduce("db", "sum", da, axis=0, names=("the batch N", "the units H"))
    return {"dx": dx, "dh_prev": dh_prev, "dWx": dWx, "dWh": dWh, "db": db}


STEP_BACKWARD = Equations(
    "rnn_step_backward", step_backward_equations, args=("dh_next", "cache"),
    equations={"da": "da = dh_next * (1 - h_next**2)", "dx": "dx = da @ Wx.T", "dh_prev": "dh_prev = da @ Wh.T",
               "dWx": "dWx = x.T @ da", "dWh": "dWh = h_prev.T @ da", "db": "db = da.sum(axis=0)"},
    wrap=lambda out, a: tuple(out[n] for n in STEP_NAMES))


def step_probe(N=3, D=4, H=4, dtype=np.float64, seed=0, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, D))).astype(dtype)
    h = r.standard_normal((N, H)).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, H))).astype(dtype)
    Wh = (0.5 * r.standard_normal((H, H))).astype(dtype)
    b = (0.5 * r.standard_normal(H)).astype(dtype)
    dh = r.standard_normal((N, H)).astype(dtype)
    return x, h, Wx, Wh, b, dh


def step_backward_variant(dh, c, mistake=None):
    """rnn_step_backward with one named mistake (None: correct)."""
    hn, hp = c.h_next, c.h_prev
    deriv = {None: 1 - hn ** 2, "no_tanh_grad": 1.0, "h_prev_grad": 1 - hp ** 2,
             "tanh_of_h": 1 - np.tanh(hn) ** 2, "sigmoid_grad": hn * (1 - hn)}.get(mistake, 1 - hn ** 2)
    da = dh * deriv
    dx = da @ (c.Wx if mistake == "dx_no_T" else c.Wx.T)
    dh_prev = da @ (c.Wh if mistake == "dh_prev_no_T" else c.Wh.T)
    dWx = da.T @ c.x if mistake == "dWx_T" else c.x.T @ da
    dWh = {"dWh_T": da.T @ hp, "dWh_h_next": hn.T @ da}.get(mistake, hp.T @ da)
    db = da.mean(axis=0) if mistake == "db_mean" else da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db


STEP_MISTAKES = {
    "no_tanh_grad": "you forgot the tanh derivative: first da = dh_next * (1 - h_next**2), then use da everywhere.",
    "h_prev_grad": "you used 1 - h_prev**2; the tanh of this step produced h_next, so its derivative is 1 - h_next**2.",
    "tanh_of_h": "the tanh derivative is taken on the wrong quantity: h_next is already tanh(a), so tanh'(a) = "
                 "1 - h_next**2, not 1 - np.tanh(h_next)**2.",
    "sigmoid_grad": "h_next * (1 - h_next) is the sigmoid's derivative; tanh's is 1 - h_next**2.",
    "dx_no_T": "dx is off: x was multiplied by Wx (D, H), so the gradient goes back through Wx.T: dx = da @ Wx.T.",
    "dh_prev_no_T": "dh_prev is off: h_prev was multiplied by Wh, so dh_prev = da @ Wh.T (transposed).",
    "dWx_T": "dWx is transposed: dWx = x.T @ da has Wx's shape (D, H).",
    "dWh_T": "dWh is transposed: dWh = h_prev.T @ da has Wh's shape (H, H).",
    "dWh_h_next": "dWh uses h_next; in the forward pass Wh multiplies h_prev, so dWh = h_prev.T @ da.",
    "db_mean": "db is averaged over the batch; the loss sums over the batch, so db = da.sum(axis=0).",
}


def _diagnose_grads(got, expected, variants, names, what_prefix="", generated=None):
    """Compare each gradient; when one differs, name the mistake whose output it equals (the hand-written
    mistakes first, then the variants generated from the equations)."""
    joint = dict(zip(names, got))
    for i, name in enumerate(names):
        cands = [(v[i], STEP_MISTAKES.get(m, m)) for m, v in variants.items()
                 if not np.allclose(v[i], expected[i], rtol=1e-9, atol=1e-12)]
        diagnose(got[i], expected[i], what_prefix + name,
                 generated.candidates(name, got=joint, first=cands) if generated is not None else cands)


def _gradcheck_report(got, numerical, names):
    """'dWh: relative error 3e-01 (wrong)'-style summary of the gradients that fail the check."""
    errs = {n: relative_error(g, num) for n, g, num in zip(names, got, numerical)}
    bad = [n for n in names if errs[n] > GRAD_TOL]
    return errs, bad


@register("3.1", "rnn_step_backward", "Backward through one step", ref.rnn_step_backward)
def check_rnn_step_backward(rnn_step_backward):
    func = "rnn_step_backward"
    # D == H on purpose: a missing transpose still runs, so we can recognise it.
    x, h, Wx, Wh, b, dh = step_probe()
    _, cache = ref.rnn_step_forward(x, h, Wx, Wh, b)
    got = unpack(_call_with_cache(rnn_step_backward, dh, cache, func), func, STEP_NAMES, arrays=True)
    expected = ref.rnn_step_backward(dh, cache)
    N, D = x.shape
    H = h.shape[1]
    symbols = {"dx": "(N, D)", "dh_prev": "(N, H)", "dWx": "(D, H)", "dWh": "(H, H)", "db": "(H,)"}
    for name, g, e in zip(STEP_NAMES, got, expected):
        extra = [((N, H), "db has shape (N, H): the bias is shared by the whole batch, so sum over it: "
                          "db = da.sum(axis=0).")] if name == "db" else []
        if name == "db":
            extra.append(((N,), "db has shape (N,): you summed over the hidden units; sum over the batch "
                                "instead: db = da.sum(axis=0)."))
        _shape_hints(name, g, e.shape, symbols[name], extra)
    variants = {m: step_backward_variant(dh, cache, m) for m in STEP_MISTAKES}
    # The truth is the numerical gradient; the reference agrees with it (tested in tests/).
    f = lambda: ref.rnn_step_forward(x, h, Wx, Wh, b)[0]
    numerical = [numerical_gradient_of(f, a, dh) for a in (x, h, Wx, Wh, b)]
    errs, bad = _gradcheck_report(got, numerical, STEP_NAMES)
    if bad:
        _diagnose_grads(got, expected, variants, STEP_NAMES, generated=STEP_BACKWARD.variants((dh, cache)))
        raise Mistake(f"{bad[0]} fails the gradient check (relative error {errs[bad[0]]:.1e} against the "
                      "numerical gradient; about 1e-8 is right): compare it with the derivation line by line.")
    # D != H: transposes show up as shape errors, the batch size must be followed.
    x, h, Wx, Wh, b, dh = step_probe(N=2, D=3, H=5, seed=1)
    _, cache = ref.rnn_step_forward(x, h, Wx, Wh, b)
    got = unpack(_call_with_cache(rnn_step_backward, dh, cache, func), func, STEP_NAMES, arrays=True)
    expected = ref.rnn_step_backward(dh, cache)
    for name, g, e in zip(STEP_NAMES, got, expected):
        extra = [((5, 3), f"{name} has shape (H, D) = (5, 3): transposed. It must have Wx's shape (D, H); "
                          "dWx = x.T @ da.")] if name == "dWx" else []
        _shape_hints(name + " (N=2, D=3, H=5)", g, e.shape, symbols[name], extra)
    generated = STEP_BACKWARD.variants((dh, cache))
    joint = dict(zip(STEP_NAMES, got))
    for name, g, e in zip(STEP_NAMES, got, expected):
        diagnose(g, e, name + " (N=2, D=3, H=5)", generated.candidates(name, got=joint))
    STEP_BACKWARD_NUMERICS.run(rnn_step_backward)


def _step_backward_probe(N=None, T=None, dtype=np.float64, big=False):
    x, h, Wx, Wh, b, dh = step_probe(N=N or 2, D=3, H=5, dtype=dtype, seed=6, big=big)
    return dh, ref.rnn_step_forward(x, h, Wx, Wh, b)[1]


STEP_BACKWARD_NUMERICS = Numerics(
    "rnn_step_backward", probe=_step_backward_probe,
    outputs=lambda out, args: dict(zip(STEP_NAMES, unpack(out, "rnn_step_backward", STEP_NAMES))),
    reference=lambda *args: dict(zip(STEP_NAMES, ref.rnn_step_backward(*args))),
    saturate="saturated states (h_next at -1 or 1, from pre-activations in the hundreds and thousands)")


# --------------------------------------------------------------------------------------
# 3.2 rnn_backward
# --------------------------------------------------------------------------------------

def backward_equations(e, dh, cache):
    """rnn_backward as the loop the lesson writes, with the places a learner can slip marked."""
    x, h0, Wx, Wh, h = cache.x, cache.h0, cache.Wx, cache.Wh, cache.h
    N, T, H = dh.shape
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in e.range("t", T, reverse=True, fix="for t in reversed(range(T)), from T - 1 down to 0"):
        h_prev = e.pick("h_prev at t = 0", h0 if t == 0 else h[:, t - 1], right="h0 (the state before step 0)",
                        **{"h[:, t - 1], which at t = 0 is h[:, -1], the LAST state": h[:, t - 1]},
                        fix="h_prev = h0 if t == 0 else h[:, t - 1]")
        d = e.sum("the gradient on h[:, t]", {"dh[:, t]": dh[:, t], "dh_next (from step t + 1)": dh_next},
                  fix="dh[:, t] + dh_next, the upstream gradient plus what came back from step t + 1")
        deriv = e.deriv("da", "tanh", h[:, t], out_name="h[:, t]", others={"h_prev (h[:, t - 1])": h_prev})
        da = d * deriv
        dx[:, t] = da @ e.T("dx", e.pick("dx", Wx.T, right="Wx.T", **{"Wh.T (the other weight)": Wh.T}),
                            what="dx uses Wx without its transpose")
        dWx = e.acc("dWx", dWx, e.batch("dWx", x[:, t].T @ da, N))
        dWh = e.acc("dWh", dWh, e.batch("dWh", e.pick("dWh", h_prev, right="h_prev = h[:, t - 1]",
                                                      **{"h[:, t]": h[:, t]}).T @ da, N))
        db = e.acc("db", db, e.reduce("db", "sum", da, axis=0, names=("the batch N", "the units H")))
        dh_next = e.assign("dh_next", dh_next, e.pick("dh_prev", da, right="da, after the tanh derivative", **{
            "dh[:, t] + dh_next, the gradient before the tanh derivative": d}) @ e.T(
            "dh_prev", Wh.T, what="dh_prev uses Wh without its transpose"),
            fix="dh_next = da @ Wh.T, replaced at each step")
    dh0 = e.pick("dh0", dh_next, right="the dh_prev of step 0", zeros=lambda: np.zeros_like(dh_next),
                 **{"dh[:, 0], the upstream gradient of step 0": dh[:, 0]})
    return {"dx": dx, "dh0": dh0, "dWx": dWx, "dWh": dWh, "db": db}


BACKWARD = Equations(
    "rnn_backward", backward_equations, args=("dh", "cache"),
    equations={"da": "da = (dh[:, t] + dh_next) * (1 - h[:, t]**2)", "dx": "dx[:, t] = da @ Wx.T",
               "dh_prev": "dh_next = da @ Wh.T", "dWx": "dWx += x[:, t].T @ da",
               "dWh": "dWh += h_prev.T @ da with h_prev = h[:, t - 1] (h0 at t = 0)", "db": "db += da.sum(axis=0)",
               "dh0": "dh0 = the dh_next left after step 0"},
    wrap=lambda out, a: tuple(out[n] for n in SEQ_NAMES))


def seq_probe(N=3, T=3, D=4, H=4, seed=0, dtype=np.float64, last_only=False, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, T, D))).astype(dtype)
    h0 = r.standard_normal((N, H)).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, H))).astype(dtype)
    Wh = (0.6 * r.standard_normal((H, H))).astype(dtype)
    b = (0.5 * r.standard_normal(H)).astype(dtype)
    dh = r.standard_normal((N, T, H)).astype(dtype)
    if last_only:
        dh[:, :-1] = 0
    return x, h0, Wx, Wh, b, dh


def backward_variant(dh, c, mistake=None):
    """rnn_backward with one named mistake (None: correct), written as the loop learners write."""
    N, T, H = dh.shape
    hs = np.concatenate([c.h0[:, None], c.h], axis=1)       # hs[:, t + 1] = h_t, hs[:, 0] = h0
    dx = np.zeros(c.x.shape)
    dWx, dWh, db = np.zeros(c.Wx.shape), np.zeros(c.Wh.shape), np.zeros(H)
    dh_next = np.zeros((N, H))
    order = range(T) if mistake == "forward_order" else reversed(range(T))
    last_t = None
    for t in order:
        if mistake == "no_upstream":
            d = (dh[:, t] if t == T - 1 else 0) + dh_next
        elif mistake == "no_carry":
            d = dh[:, t]
        else:
            d = dh[:, t] + dh_next
        deriv = {"no_tanh_grad": 1.0, "h_prev_grad": 1 - hs[:, t] ** 2,
                 "tanh_of_h": 1 - np.tanh(hs[:, t + 1]) ** 2}.get(mistake, 1 - hs[:, t + 1] ** 2)
        da = d * deriv
        dx[:, t] = da @ c.Wx.T
        if mistake in ("not_accumulated", "not_accumulated_first"):
            dWx, dWh, db = c.x[:, t].T @ da, hs[:, t].T @ da, da.sum(axis=0)
        else:
            dWx += c.x[:, t].T @ da
            dWh += hs[:, t].T @ da
            db += da.sum(axis=0)
        dh_next = da @ c.Wh.T
        last_t = t
        if mistake == "not_accumulated_first" and t == T - 1:
            first = (dWx.copy(), dWh.copy(), db.copy())
    if mistake == "not_accumulated_first":
        dWx, dWh, db = first
    if mistake == "dx_last_only":
        dx = np.repeat(dx[:, last_t:last_t + 1], T, axis=1)
    dh0 = np.zeros((N, H)) if mistake == "dh0_zero" else dh_next
    return dx, dh0, dWx, dWh, db


SEQ_MISTAKES = {
    "no_upstream": "you forgot to add dh[:, t], the upstream gradient of step t, at each step: only the last step's "
                   "dh reached the cell. The gradient on h_t is dh[:, t] + the dh_prev coming back from step t+1.",
    "no_carry": "the gradient from the future is missing: at step t add the dh_prev that came back from step t+1 "
                "to dh[:, t] before going through the cell.",
    "not_accumulated": "dWx / dWh / db were overwritten at each step, so only step 0 counts: the weights are shared "
                       "by all steps, so accumulate with += across the loop.",
    "not_accumulated_first": "dWx / dWh / db hold only the last time step's contribution: accumulate with += "
                             "across all steps.",
    "forward_order": "the loop runs forward in time; backpropagation starts at the last step: "
                     "for t in reversed(range(T)).",
    "no_tanh_grad": "you forgot the tanh derivative: da = (dh[:, t] + dh_next) * (1 - h[:, t]**2).",
    "h_prev_grad": "you used 1 - h_prev**2 (the state before step t); the derivative of step t's tanh is "
                   "1 - h[:, t]**2, its own output.",
    "tanh_of_h": "the tanh derivative is taken on the wrong quantity: h[:, t] is already tanh(a), so use "
                 "1 - h[:, t]**2, not 1 - np.tanh(h[:, t])**2.",
    "dx_last_only": "every dx[:, t] holds the same values: store each step's dx in dx[:, t] inside the loop.",
    "dh0_zero": "dh0 is zero: return the gradient that flows out of the first step (its dh_prev).",
}


def _seq_diagnose(got, expected, variants, names, suffix="", generated=None):
    joint = dict(zip(names, got))
    for i, name in enumerate(names):
        cands = [(v[i], SEQ_MISTAKES[m]) for m, v in variants.items()
                 if not np.allclose(v[i], expected[i], rtol=1e-9, atol=1e-12)]
        diagnose(got[i], expected[i], name + suffix,
                 generated.candidates(name, got=joint, first=cands) if generated is not None else cands)


@register("3.2", "rnn_backward", "Backpropagation through time", ref.rnn_backward)
def check_rnn_backward(rnn_backward):
    func = "rnn_backward"
    symbols = {"dx": "(N, T, D)", "dh0": "(N, H)", "dWx": "(D, H)", "dWh": "(H, H)", "db": "(H,)"}
    # N == T and D == H so that swapped axes and missing transposes still run.
    for last_only in (False, True):
        x, h0, Wx, Wh, b, dh = seq_probe(last_only=last_only, seed=int(last_only))
        _, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
        got = unpack(_call_with_cache(rnn_backward, dh, cache, func), func, SEQ_NAMES, arrays=True)
        expected = ref.rnn_backward(dh, cache)
        N, T, H = dh.shape
        for name, g, e in zip(SEQ_NAMES, got, expected):
            extra = []
            if name == "db":
                extra = [((N, H), "db has shape (N, H): sum da over the batch (and over time): db = sum of "
                                  "da.sum(axis=0) over the steps."),
                         ((N, T, H), "db has shape (N, T, H): sum over the batch and the time steps."),
                         ((T, H), "db has shape (T, H): accumulate over the time steps as well: db += ... in the loop.")]
            if name == "dh0":
                extra = [((N, T, H), "dh0 has shape (N, T, H); dh0 is the gradient on the initial state h0 only: (N, H).")]
            _shape_hints(name, g, e.shape, symbols[name], extra)
        variants = {m: backward_variant(dh, cache, m) for m in SEQ_MISTAKES}
        f = lambda: ref.rnn_forward(x, h0, Wx, Wh, b)[0]
        numerical = [numerical_gradient_of(f, a, dh) for a in (x, h0, Wx, Wh, b)]
        errs, bad = _gradcheck_report(got, numerical, SEQ_NAMES)
        if bad:
            when = " (upstream gradient only on the last step)" if last_only else ""
            with earlier_exercise("3.1", "rnn_step_backward", "rnn_backward"):
                _seq_diagnose(got, expected, variants, SEQ_NAMES, when, generated=BACKWARD.variants((dh, cache)))
                raise Mistake(f"{bad[0]}{when} fails the gradient check (relative error {errs[bad[0]]:.1e} "
                              "against the numerical gradient; about 1e-8 is right).")
    # N != T, D != H
    x, h0, Wx, Wh, b, dh = seq_probe(N=2, T=5, D=3, H=4, seed=2)
    _, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    got = unpack(_call_with_cache(rnn_backward, dh, cache, func), func, SEQ_NAMES, arrays=True)
    expected = ref.rnn_backward(dh, cache)
    for name, g, e in zip(SEQ_NAMES, got, expected):
        _shape_hints(name + " (N=2, T=5, D=3, H=4)", g, e.shape, symbols[name])
    with earlier_exercise("3.1", "rnn_step_backward", "rnn_backward"):
        _seq_diagnose(got, expected, {}, SEQ_NAMES, " (N=2, T=5, D=3, H=4)", generated=BACKWARD.variants((dh, cache)))
        BACKWARD_NUMERICS.run(rnn_backward)


def _backward_probe(N=None, T=None, dtype=np.float64, big=False):
    x, h0, Wx, Wh, b, dh = seq_probe(N=N or 2, T=T or (10 if big else 4), D=3, H=4, seed=9, dtype=dtype, big=big)
    return dh, ref.rnn_forward(x, h0, Wx, Wh, b)[1]


BACKWARD_NUMERICS = Numerics(
    "rnn_backward", probe=_backward_probe,
    outputs=lambda out, args: dict(zip(SEQ_NAMES, unpack(out, "rnn_backward", SEQ_NAMES))),
    reference=lambda *args: dict(zip(SEQ_NAMES, ref.rnn_backward(*args))), sequence=True,
    saturate="saturated states (h at -1 or 1, from inputs of size 1000)")


# --------------------------------------------------------------------------------------
# 3.3-3.6 debug a tutorial's BPTT
# --------------------------------------------------------------------------------------

PARAM_NAMES = ("Wx", "Wh", "b", "Wy", "by")

BUGS = {
    "tanh_of_state": "the tanh derivative is taken on the wrong quantity: hs[t + 1] is already tanh(a), so "
                     "tanh'(a) = 1 - hs[t + 1]**2, not 1 - np.tanh(hs[t + 1])**2",
    "states_not_kept": "the per-step states are not kept: `h[:] = np.tanh(...)` overwrites one array in place, "
                       "so every entry of hs is the same (last) state and every step reuses it; write "
                       "`h = np.tanh(...)` so each step makes a new array",
    "derivative_twice": "the tanh derivative is applied twice: dh_next = da @ Wh.T is already the gradient on the "
                        "previous state (the next iteration multiplies by 1 - h**2 itself); drop the extra "
                        "`* (1 - hs[t]**2)`",
    "not_accumulated": "the gradients are not accumulated across time steps: `grads[\"Wx\"] = ...` keeps only the "
                       "last step the loop visits (t = 0); the weights are shared by every step, so use += for "
                       "Wx, Wh and b",
}
EXERCISE_BUG = {"3.3": "tanh_of_state", "3.4": "states_not_kept", "3.5": "derivative_twice", "3.6": "not_accumulated"}


def tutorial_equations(e, x, y, params):
    """The tutorial's training code (a many-to-many regression RNN) with its sites marked: the four bugs are
    edits of it (BUG_EDITS), and so is any other mistake a learner can plant while fixing one."""
    Wx, Wh, b, Wy, by = (params[k] for k in PARAM_NAMES)
    N, T, D = x.shape
    H, O = Wy.shape
    h = np.zeros((N, H))
    hs, preds = [h.copy()], []
    for t in range(T):
        h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
        preds.append(h @ Wy + by)
    pred = np.stack(preds, axis=1)
    loss = 0.5 * np.mean((pred - y) ** 2)
    hs = e.alt("the kept states", hs, {BUGS["states_not_kept"]: lambda: hs[:1] + [hs[-1]] * T})
    dpred = e.mul("dpred", {"(pred - y)": pred - y, "1 / pred.size": 1 / pred.size})
    h_all = np.stack(hs[1:], axis=1)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["Wy"] = e.T("grads['Wy']", h_all.reshape(-1, H).T @ dpred.reshape(-1, O))
    grads["by"] = e.reduce("grads['by']", "sum", dpred, axis=(0, 1), names=("N", "T", "O"))
    dh_next = np.zeros_like(h)
    for t in e.range("t", T, reverse=True, fix="for t in reversed(range(T))"):
        dh = e.sum("dh", {"dpred[:, t] @ Wy.T": dpred[:, t] @ Wy.T, "dh_next": dh_next})
        da = dh * e.deriv("da", "tanh", hs[t + 1], out_name="hs[t + 1]", others={"hs[t]": hs[t]})
        grads["Wx"] = e.acc("grads['Wx']", grads["Wx"], x[:, t].T @ da)
        grads["Wh"] = e.acc("grads['Wh']", grads["Wh"], e.pick("grads['Wh']", hs[t], right="hs[t]",
                                                               **{"hs[t + 1]": hs[t + 1]}).T @ da)
        grads["b"] = e.acc("grads['b']", grads["b"], da.sum(axis=0))
        back = da @ e.T("dh_next", Wh.T, what="dh_next uses Wh without its transpose")
        dh_next = e.alt("dh_next", back, {BUGS["derivative_twice"]: lambda: back * (1 - hs[t] ** 2)})
    return {"loss": np.asarray(loss), **{f"grads[{k!r}]": grads[k] for k in PARAM_NAMES}}


TUTORIAL = Equations(
    "the tutorial's code", tutorial_equations, args=("x", "y", "params"),
    equations={"dpred": "dpred = (pred - y) / pred.size", "dh": "dh = dpred[:, t] @ Wy.T + dh_next",
               "da": "da = dh * (1 - hs[t + 1]**2)", "dh_next": "dh_next = da @ Wh.T",
               "grads['Wx']": "grads['Wx'] += x[:, t].T @ da", "grads['Wh']": "grads['Wh'] += hs[t].T @ da",
               "grads['b']": "grads['b'] += da.sum(axis=0)", "grads['Wy']": "grads['Wy'] = h_all.T @ dpred",
               "grads['by']": "grads['by'] = dpred.sum(axis=(0, 1))"},
    wrap=lambda out, a: (float(out["loss"]), {k: out[f"grads[{k!r}]"] for k in PARAM_NAMES}))
# each bug of the tutorial is one or more edits of its equations: (site, kind, alternative)
BUG_EDITS = {"tanh_of_state": [("da|deriv", "deriv", "twice")],
             "states_not_kept": [("the kept states|alt", "alt", BUGS["states_not_kept"])],
             "derivative_twice": [("dh_next|alt", "alt", BUGS["derivative_twice"])],
             "not_accumulated": [(f"grads['{k}']|acc", "acc", None) for k in ("Wx", "Wh", "b")]}


def tutorial_loss_and_grads(x, y, params, bugs=()):
    """The tutorial's training code: loss and gradients of a many-to-many regression RNN.

    x: (N, T, D), y: (N, T, O); params: Wx (D, H), Wh (H, H), b (H,), Wy (H, O), by (O,).
    loss = 0.5 * mean((h_t @ Wy + by - y_t)**2); `bugs` switches on any of BUGS.
    """
    edits = [Edit(site, kind, alt, "") for bug in bugs for site, kind, alt in BUG_EDITS[bug]]
    out, _ = TUTORIAL.run((x, y, params), edits)
    return float(out["loss"]), {k: out[f"grads[{k!r}]"] for k in PARAM_NAMES}


def debug_probe(N=3, T=4, D=2, H=3, O=1, seed=0):
    r = rng(seed)
    x = r.standard_normal((N, T, D))
    y = r.standard_normal((N, T, O))
    params = {"Wx": 0.8 * r.standard_normal((D, H)), "Wh": 0.6 * r.standard_normal((H, H)),
              "b": 0.3 * r.standard_normal(H), "Wy": r.standard_normal((H, O)), "by": 0.1 * r.standard_normal(O)}
    return x, y, params


def _all_bug_sets():
    names = list(BUGS)
    return [frozenset(c) for k in range(len(names) + 1) for c in combinations(names, k)]


def _bug_report(got, x, y, params):
    """The set of planted bugs whose combination reproduces `got`, or None."""
    for bugs in _all_bug_sets()[1:]:
        _, wrong = tutorial_loss_and_grads(x, y, params, bugs)
        if all(np.allclose(got[k], wrong[k], rtol=1e-7, atol=1e-12) for k in PARAM_NAMES):
            return bugs
    return None


def check_debug(fn, ex_id):
    func = "the function"
    x, y, params = debug_probe()
    copies = {k: v.copy() for k, v in params.items()}
    x_copy, y_copy = x.copy(), y.copy()
    out = fn(x_copy, y_copy, params)
    if any(not np.array_equal(params[k], copies[k]) for k in PARAM_NAMES) or not (
            np.array_equal(x, x_copy) and np.array_equal(y, y_copy)):
        raise Mistake("the function changed x, y or a parameter in place: leave its inputs as they were.")
    if not isinstance(out, tuple) or len(out) != 2 or not isinstance(out[1], dict):
        raise Mistake(f"{func} should return (loss, grads) with grads a dict, as the tutorial's code does.")
    loss, grads = out
    true_loss, true = tutorial_loss_and_grads(x, y, params)
    if not np.isclose(float(np.asarray(loss)), true_loss, rtol=1e-9):
        raise Mistake("the loss changed: the bugs are all in the gradients (and the states they use); keep the "
                      "forward computation of the loss as it was.")
    missing = [k for k in PARAM_NAMES if k not in grads]
    if missing:
        raise Mistake(f"grads has no entry for {', '.join(missing)}: return a gradient for every parameter.")
    got = {k: as_result_array(grads[k], f"grads[{k!r}]") for k in PARAM_NAMES}
    for k in PARAM_NAMES:
        expect_shape(got[k], params[k].shape, f"grads[{k!r}]")
    # The gradient checker is the judge: numerical gradients of the (unchanged) loss.
    numerical = {k: numerical_gradient(lambda: tutorial_loss_and_grads(x, y, params)[0], params[k])
                 for k in PARAM_NAMES}
    errs = {k: relative_error(got[k], numerical[k]) for k in PARAM_NAMES}
    if all(e < GRAD_TOL for e in errs.values()):
        DEBUG_NUMERICS.run(fn)
        return
    summary = ", ".join(f"{k} {errs[k]:.0e} ({verdict(errs[k]).split(':')[0]})" for k in PARAM_NAMES)
    bugs = _bug_report(got, x, y, params)
    if bugs is None:
        hint = TUTORIAL.variants((x, y, params)).explain({f"grads[{k!r}]": got[k] for k in PARAM_NAMES})
        if hint:
            raise Mistake(f"gradient check (relative errors: {summary}) fails, and the result matches none of the "
                          f"planted bugs: your change made another mistake: {hint}")
        raise Mistake(f"gradient check (relative errors: {summary}) fails, and the result matches none of the "
                      "planted bugs: undo your other changes and look again.")
    mine = EXERCISE_BUG[ex_id]
    others = [BUGS[b] for b in BUGS if b in bugs and b != mine]
    if mine in bugs:
        msg = f"gradient check: {summary}. The bug is still there: {BUGS[mine]}."
        if others:
            msg += " Your change also planted another one: " + "; ".join(others) + "."
    else:
        msg = (f"gradient check: {summary}. The planted bug is fixed, but your change planted another one: "
               + "; ".join(others) + ".")
    raise Mistake(msg)


def _debug_outputs(out, args):
    if not isinstance(out, tuple) or len(out) != 2 or not isinstance(out[1], dict):
        raise Mistake("the function should return (loss, grads) with grads a dict, as the tutorial's code does.")
    return {"loss": np.asarray(float(np.asarray(out[0]))), **{f"grads[{k!r}]": out[1].get(k) for k in PARAM_NAMES}}


DEBUG_NUMERICS = Numerics(
    "the function", dtypes=False, sequence=True,
    probe=lambda N=None, T=None, dtype=np.float64, big=False: debug_probe(N=N or 2, T=T or 3, seed=5),
    outputs=_debug_outputs, reference=lambda *args: _debug_outputs(tutorial_loss_and_grads(*args), args))


def _debug_reference(ex_id):
    def fixed(x, y, params):
        return tutorial_loss_and_grads(x, y, params)
    fixed.__name__ = f"debug_bptt_{int(ex_id.split('.')[1]) - 2}"
    return fixed


for _id, _bug in EXERCISE_BUG.items():
    _n = int(_id.split(".")[1]) - 2
    register(_id, f"debug_bptt_{_n}", f"Debug a broken BPTT: bug {_n}", _debug_reference(_id))(
        lambda fn, _id=_id: check_debug(fn, _id))


def _probes_31():
    out = []
    for kw in (dict(), dict(N=2, D=3, H=5, seed=1)):
        x, h, Wx, Wh, b, dh = step_probe(**kw)
        out.append((dh, ref.rnn_step_forward(x, h, Wx, Wh, b)[1]))
    return out


def _probes_32():
    out = []
    for kw in (dict(), dict(last_only=True, seed=1), dict(N=2, T=5, D=3, H=4, seed=2)):
        x, h0, Wx, Wh, b, dh = seq_probe(**kw)
        out.append((dh, ref.rnn_forward(x, h0, Wx, Wh, b)[1]))
    return out


declare("3.1", STEP_BACKWARD, _probes_31)
declare("3.2", BACKWARD, _probes_32)
for _id in EXERCISE_BUG:
    declare(_id, TUTORIAL, lambda: [debug_probe()])
