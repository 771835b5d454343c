"""Checks of lesson 02 (hidden state): rnn_step_forward and rnn_forward."""
import numpy as np

from .. import reference as ref
from . import register
from .numerics import Numerics
from .probes import (Mistake, as_result_array, call, check_cache, diagnose, earlier_exercise,
                     expect_shape, rng, unpack)
from .variants import Equations, declare

STEP, SEQ = ("h_next", "cache"), ("h", "cache")      # what rnn_step_forward and rnn_forward return
H_NEXT = "h_next = tanh(x @ Wx + h_prev @ Wh + b)"


def step_equations(e, x, h_prev, Wx, Wh, b):
    """The lesson's step, with the places a learner can slip marked (rnnlab.checks.variants)."""
    a = e.sum("h_next", {"x @ Wx": x @ e.T("Wx", Wx, fix="use x @ Wx with Wx as given, (D, H), not Wx.T"),
                         "h_prev @ Wh": h_prev @ e.T("Wh", Wh, fix="use h_prev @ Wh with Wh as given, not Wh.T"),
                         "b": b})
    return {"h_next": e.act("h_next", "tanh", a, outside={"b": b})}


STEP_EQUATIONS = Equations(
    "rnn_step_forward", step_equations, args=("x", "h_prev", "Wx", "Wh", "b"), equations={"h_next": H_NEXT},
    swaps=[("Wx", "Wh"), ("x", "h_prev")],
    wrap=lambda out, a: (out["h_next"], ref.RNNStepCache(a[0], a[1], a[2], a[3], out["h_next"])))


def step_probe(N=3, D=4, H=4, dtype=np.float64, seed=0, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, D))).astype(dtype)
    h = r.standard_normal((N, H)).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, H))).astype(dtype)
    Wh = (0.5 * r.standard_normal((H, H))).astype(dtype)
    b = r.standard_normal(H).astype(dtype)
    return x, h, Wx, Wh, b


@register("2.1", "rnn_step_forward", "One step of the recurrence", ref.rnn_step_forward,
          shapes="x (N, D) @ Wx (D, H), h_prev (N, H) @ Wh (H, H), b (H,)")
def check_rnn_step_forward(rnn_step_forward):
    # D == H on purpose: swapped or transposed weights still run, so we can recognise them.
    x, h, Wx, Wh, b = step_probe()
    what = "h_next"
    h_next, cache = unpack(call(rnn_step_forward, x, h, Wx, Wh, b), "rnn_step_forward", STEP)
    h_next = as_result_array(h_next, what)
    expected, _ = ref.rnn_step_forward(x, h, Wx, Wh, b)
    a = x @ Wx + h @ Wh + b
    expect_shape(h_next, expected.shape, what, "(N, H)")
    variants = STEP_EQUATIONS.variants((x, h, Wx, Wh, b))
    diagnose(h_next, expected, what, variants.candidates("h_next", first=[
        (np.tanh(x @ Wx + h @ Wh), "h_next is missing the bias: add b inside the tanh, tanh(x @ Wx + h_prev @ Wh + b)."),
        (np.tanh(x @ Wx + h @ Wh) + b, "b is added after the tanh: it belongs inside, tanh(x @ Wx + h_prev @ Wh + b)."),
        (a, "h_next is the pre-activation: apply np.tanh to x @ Wx + h_prev @ Wh + b."),
        (ref.sigmoid(a), "you used the sigmoid; this cell uses tanh (np.tanh)."),
        (np.maximum(a, 0), "you used ReLU; this cell uses tanh (np.tanh)."),
        (np.tanh(x @ Wh + h @ Wx + b), "Wx and Wh are swapped: the input x goes with Wx (D, H), the state h_prev with Wh (H, H)."),
        (np.tanh(x @ Wx.T + h @ Wh.T + b), "the weights are transposed: use x @ Wx and h_prev @ Wh, not Wx.T / Wh.T (Keras layout: (in, out))."),
        (np.tanh(x @ Wx + h @ Wh.T + b), "Wh is transposed: use h_prev @ Wh."),
        (np.tanh(x @ Wx + b), "h_prev is missing: without h_prev @ Wh the cell has no memory."),
        (np.tanh(h @ Wh + b), "the input term x @ Wx is missing."),
        (h, "you returned h_prev unchanged: compute the new state and return it."),
        (np.tanh(x * Wx.diagonal() + h * Wh.diagonal() + b), "use matrix products (@), not element-wise *."),
        (np.tanh(x @ Wx + h + b), "h_prev is added without Wh: the previous state enters as h_prev @ Wh."),
        (np.tanh(x @ Wx + h @ Wh + 2 * b), "b is added twice."),
        (np.tanh(np.tanh(a)), "tanh is applied twice."),
        (np.tanh(x @ Wx) + np.tanh(h @ Wh) + np.tanh(b), "tanh is applied to each term separately: add the three "
                                                          "terms first, then apply one tanh."),
    ]))
    first = (cache, dict(x=x, h_prev=h, Wx=Wx, Wh=Wh, h_next=expected))
    # D != H: wrong axes show up as shape errors; the answer must follow the batch size.
    x, h, Wx, Wh, b = step_probe(N=2, D=3, H=5, seed=1)
    h_next = as_result_array(unpack(call(rnn_step_forward, x, h, Wx, Wh, b), "rnn_step_forward", STEP)[0], what)
    expected, _ = ref.rnn_step_forward(x, h, Wx, Wh, b)
    expect_shape(h_next, expected.shape, what + " (N=2, D=3, H=5)", "(N, H)")
    diagnose(h_next, expected, what + " (N=2, D=3, H=5)",
             STEP_EQUATIONS.variants((x, h, Wx, Wh, b)).candidates("h_next"))
    STEP_NUMERICS.run(rnn_step_forward)
    check_cache(first[0], ref.RNNStepCache, first[1])


STEP_NUMERICS = Numerics(
    "rnn_step_forward",
    probe=lambda N=None, T=None, dtype=np.float64, big=False: step_probe(N=N or 2, D=3, H=5, dtype=dtype, seed=7,
                                                                         big=big),
    outputs=lambda out, args: {"h_next": unpack(out, "rnn_step_forward", STEP)[0]},
    reference=lambda *args: {"h_next": ref.rnn_step_forward(*args)[0]},
    saturate="pre-activations x @ Wx + h_prev @ Wh + b in the hundreds and thousands")


def forward_equations(e, x, h0, Wx, Wh, b):
    """The loop over time around the step's equations (its sites: rnnlab.checks.variants.Context.over_time)."""
    return {"h": e.over_time(step_equations, x, h0, Wx, Wh, b)}


SEQ_EQUATIONS = Equations(
    "rnn_forward", forward_equations, args=("x", "h0", "Wx", "Wh", "b"), equations={"h_next": H_NEXT},
    swaps=[("Wx", "Wh")],
    wrap=lambda out, a: (out["h"], ref.RNNCache(a[0], a[1], a[2], a[3], out["h"])))


def seq_probe(N=3, T=3, D=4, H=4, seed=0, dtype=np.float64, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, T, D))).astype(dtype)
    h0 = r.standard_normal((N, H)).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, H))).astype(dtype)
    Wh = (0.5 * r.standard_normal((H, H))).astype(dtype)
    b = r.standard_normal(H).astype(dtype)
    return x, h0, Wx, Wh, b


@register("2.2", "rnn_forward", "The recurrence over a whole sequence", ref.rnn_forward,
          shapes="x (N, T, D), step t is x[:, t] (N, D); h0 (N, H); h (N, T, H) with H = h0.shape[1]")
def check_rnn_forward(rnn_forward):
    # N == T so that swapping the batch and time axes still runs and can be recognised.
    x, h0, Wx, Wh, b = seq_probe()
    what = "h"
    h, cache = unpack(call(rnn_forward, x, h0, Wx, Wh, b), "rnn_forward", SEQ)
    h = as_result_array(h, what)
    expected, _ = ref.rnn_forward(x, h0, Wx, Wh, b)
    N, T, H = expected.shape
    if h.shape == (N, H):
        raise Mistake(f"h has shape {h.shape} = (N, H): that is only the last state. Return every state, "
                      f"stacked as (N, T, H) = {expected.shape}.")
    expect_shape(h, expected.shape, what, "(N, T, H)")
    xs = np.swapaxes(x, 0, 1)
    swapped, _ = ref.rnn_forward(xs, h0, Wx, Wh, b)
    stale = np.tanh(x @ Wx + (h0 @ Wh)[:, None, :] + b)
    shifted = np.concatenate([h0[:, None], expected[:, :-1]], axis=1)
    last_missing = expected.copy()
    last_missing[:, -1] = 0
    from_zero, _ = ref.rnn_forward(x, np.zeros_like(h0), Wx, Wh, b)
    skip_first, _ = ref.rnn_forward(x[:, 1:], h0, Wx, Wh, b)
    skip_first = np.concatenate([np.zeros_like(h0)[:, None], skip_first], axis=1)
    reversed_time, _ = ref.rnn_forward(x[:, ::-1], h0, Wx, Wh, b)
    diagnose(h, expected, what, SEQ_EQUATIONS.variants((x, h0, Wx, Wh, b)).candidates("h", first=[
        (np.swapaxes(expected, 0, 1), "h is time-major (T, N, H); the course is batch-major: store step t in h[:, t]."),
        (swapped, "you indexed the time step as x[t]; x is (N, T, D), so step t is x[:, t]."),
        (np.swapaxes(swapped, 0, 1), "you indexed the time step as x[t] (and stored h[t]); x is (N, T, D): use x[:, t] and h[:, t]."),
        (stale, "every step starts from h0: update the running state (h_prev = h_next) inside the loop."),
        (shifted, "h[:, t] holds the state BEFORE step t: store the new state h_next, not h_prev."),
        (np.repeat(expected[:, -1:], T, axis=1), "every h[:, t] equals the last state: store a new array at each step "
                                                "(h[:, t] = h_next), not a reference you later overwrite."),
        (np.zeros_like(expected), "h is all zeros: fill h[:, t] with each step's new state."),
        (last_missing, "the last step is missing: loop over range(T) (t = 0 .. T-1), not range(T - 1)."),
        (skip_first, "step 0 is skipped: Python counts from 0, so loop over range(T), not range(1, T)."),
        (from_zero, "the first step starts from zeros: start from the given h0."),
        (reversed_time, "the sequence is read backwards: go forward in time, t = 0, 1, ..., T - 1."),
        (reversed_time[:, ::-1], "the sequence is read backwards: go forward in time, t = 0, 1, ..., T - 1."),
    ]))
    first = (cache, dict(x=x, h0=h0, Wx=Wx, Wh=Wh, h=expected))
    # D != H and N != T
    x, h0, Wx, Wh, b = seq_probe(N=2, T=5, D=3, H=4, seed=1)
    h = as_result_array(unpack(call(rnn_forward, x, h0, Wx, Wh, b), "rnn_forward", SEQ)[0], what)
    expected, _ = ref.rnn_forward(x, h0, Wx, Wh, b)
    expect_shape(h, expected.shape, what + " (N=2, T=5, D=3, H=4)", "(N, T, H)")
    with earlier_exercise("2.1", "rnn_step_forward", "rnn_forward"):
        diagnose(h, expected, what + " (N=2, T=5, D=3, H=4)",
                 SEQ_EQUATIONS.variants((x, h0, Wx, Wh, b)).candidates("h"))
    with earlier_exercise("2.1", "rnn_step_forward", "rnn_forward"):
        SEQ_NUMERICS.run(rnn_forward)
    check_cache(first[0], ref.RNNCache, first[1])


SEQ_NUMERICS = Numerics(
    "rnn_forward",
    probe=lambda N=None, T=None, dtype=np.float64, big=False: seq_probe(
        N=N or 2, T=T or (12 if big else 4), D=3, H=5, seed=8, dtype=dtype, big=big),
    outputs=lambda out, args: {"h": unpack(out, "rnn_forward", SEQ)[0]},
    reference=lambda *args: {"h": ref.rnn_forward(*args)[0]},
    sequence=True, saturate="inputs x of size 1000 (pre-activations in the hundreds and thousands)")


declare("2.1", STEP_EQUATIONS, lambda: [step_probe()[:5], step_probe(N=2, D=3, H=5, seed=1)[:5]])
declare("2.2", SEQ_EQUATIONS, lambda: [seq_probe()[:5], seq_probe(N=2, T=5, D=3, H=4, seed=1)[:5]])
