"""Checks of lesson 05 (LSTM): lstm_step_forward, lstm_forward, lstm_step_backward, to_keras_lstm.

The probes use D == H, a non-zero bias and a non-zero c_prev, so that swapped weights, a
missing bias and a forget gate on the wrong term all still run and can be recognised.
"""
from itertools import permutations

import numpy as np

from .. import reference as ref
from . import register
from .numerics import Numerics
from .probes import (Mistake, as_result_array, call, check_cache, close, diagnose, earlier_exercise, expect_dtype,
                     expect_shape, rng, unpack)
from .variants import Equations, declare

BLOCKS = "ifco"        # Keras' gate order: input, forget, candidate (c), output
sig = ref.sigmoid
GATE = " (a gate's values lie in (0, 1))"
LSTM_LINES = {
    "a": "a = x @ Wx + h_prev @ Wh + b",
    "the input gate i": "i = sigmoid(a[:, :H])", "the forget gate f": "f = sigmoid(a[:, H:2*H])",
    "the candidate c_tilde": "c_tilde = np.tanh(a[:, 2*H:3*H])", "the output gate o": "o = sigmoid(a[:, 3*H:])",
    "c_next": "c_next = f * c_prev + i * c_tilde", "f * c_prev": "c_next = f * c_prev + i * c_tilde",
    "i * c_tilde": "c_next = f * c_prev + i * c_tilde", "h_next": "h_next = o * np.tanh(c_next)",
    "tanh(c_next)": "h_next = o * np.tanh(c_next)"}
LSTM_ACTIVATIONS = ("the gates i, f and o use the sigmoid (values in (0, 1)), the candidate c_tilde uses tanh; "
                    "c_next = f * c_prev + i * c_tilde, h_next = o * np.tanh(c_next)")


def step_equations(e, x, h_prev, c_prev, Wx, Wh, b):
    """The lesson's LSTM step, with the places a learner can slip marked (rnnlab.checks.variants)."""
    H = h_prev.shape[1]
    a = e.sum("a", {"x @ Wx": x @ Wx, "h_prev @ Wh": h_prev @ Wh, "b": b})
    a = _one_block_moved(e, a, H)
    i = e.act("the input gate i", "sigmoid", a[:, :H], why=GATE, group="gates")
    f = e.act("the forget gate f", "sigmoid", e.alt("the forget gate f", a[:, H:2 * H], {
        "the forget gate has an extra + 1 inside its sigmoid (TF1's forget_bias=1.0): Keras keeps that bias in b, so "
        "f = sigmoid(a[:, H:2*H]) with nothing added": lambda: a[:, H:2 * H] + 1}), why=GATE, group="gates")
    g = e.act("the candidate c_tilde", "tanh", a[:, 2 * H:3 * H], why=" (values in (-1, 1))", group="gates")
    o = e.act("the output gate o", "sigmoid", a[:, 3 * H:], why=GATE, group="gates")
    kept = e.pick("f * c_prev", c_prev, right="c_prev", h_prev=h_prev)
    c_next = e.sum("c_next", {"f * c_prev": e.mul("f * c_prev", {"f": f, "c_prev": kept}, gates=("f",)),
                              "i * c_tilde": e.mul("i * c_tilde", {"i": i, "c_tilde": g}, gates=("i",))})
    c_in = e.pick("tanh(c_next)", c_next, right="the new c_next", c_prev=c_prev)
    h_next = e.mul("h_next", {"o": o, "tanh(c_next)": e.act("tanh(c_next)", "tanh", c_in, group="output")},
                   gates=("o",))
    return {"h_next": h_next, "c_next": c_next}


def _one_block_moved(e, a, H):
    """a with one gate's block cut from another block's columns (e.g. f = sigmoid(a[:, :H]))."""
    cols = {k: (j * H, (j + 1) * H) for j, k in enumerate(BLOCKS)}
    text = {"i": "a[:, :H]", "f": "a[:, H:2*H]", "c": "a[:, 2*H:3*H]", "o": "a[:, 3*H:]"}
    for k in BLOCKS:
        lo, hi = cols[k]
        others = {f"the block {text[m]} of {m}": (lambda m=m: a[:, cols[m][0]:cols[m][1]]) for m in BLOCKS if m != k}
        block = e.pick(f"the block of {k}", a[:, lo:hi], right=text[k], **others,
                       fix=f"blocks [i, f, c, o]: {k} comes from {text[k]}")
        if block is not a[:, lo:hi]:
            a = a.copy()
            a[:, lo:hi] = block
    return a


STEP_EQUATIONS = Equations(
    "lstm_step_forward", step_equations, args=("x", "h_prev", "c_prev", "Wx", "Wh", "b"), equations=LSTM_LINES,
    swaps=[("Wx", "Wh"), ("h_prev", "c_prev")], activations=LSTM_ACTIVATIONS,
    wrap=lambda out, a: (out["h_next"], out["c_next"], ref.lstm_step_forward(*a)[2]))


def step_probe(N=3, D=4, H=4, dtype=np.float64, seed=0, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, D))).astype(dtype)
    h = r.standard_normal((N, H)).astype(dtype)
    c = (2 * r.standard_normal((N, H))).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, 4 * H))).astype(dtype)
    Wh = (0.5 * r.standard_normal((H, 4 * H))).astype(dtype)
    b = r.standard_normal(4 * H).astype(dtype)
    return x, h, c, Wx, Wh, b


def _blocks(a):
    H = a.shape[1] // 4
    return {k: a[:, j * H:(j + 1) * H] for j, k in enumerate(BLOCKS)}


def _cell(i, f, g, o, c_prev):
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _order_name(order):
    return "[" + ", ".join(order) + "]"


def step_mistakes(x, h, c_prev, Wx, Wh, b):
    """(h_next, c_next, hint) of the mistakes learners make in one LSTM step."""
    a = x @ Wx + h @ Wh + b
    A = _blocks(a)
    i, f, g, o = sig(A["i"]), sig(A["f"]), np.tanh(A["c"]), sig(A["o"])
    out = []
    # the gate blocks read in another order
    for order in permutations(BLOCKS):
        if "".join(order) == BLOCKS:
            continue
        B = {k: a[:, j * (a.shape[1] // 4):(j + 1) * (a.shape[1] // 4)] for j, k in enumerate(order)}
        hn, cn = _cell(sig(B["i"]), sig(B["f"]), np.tanh(B["c"]), sig(B["o"]), c_prev)
        hint = (f"The gate blocks are read in the order {_order_name(order)}; Keras' order is "
                "[i, f, c, o]: i = a[:, :H], f = a[:, H:2*H], c~ = a[:, 2*H:3*H], o = a[:, 3*H:].")
        if "".join(order) == "fico":          # the same numbers as c_next = i * c_prev + f * c~
            hint = ("The input and forget gates are swapped: either the blocks are cut as [f, i, c, o] (Keras' "
                    "order is [i, f, c, o]) or c_next = i * c_prev + f * c~ (it is f * c_prev + i * c~).")
        out.append((hn, cn, hint))
    A0 = _blocks(x @ Wx + h @ Wh)
    out += [
        (*_cell(sig(A0["i"]), sig(A0["f"]), np.tanh(A0["c"]), sig(A0["o"]), c_prev),
         "The bias is missing: a = x @ Wx + h_prev @ Wh + b, before the gates are cut out."),
        (*_cell(i, f, sig(A["c"]), o, c_prev),
         "The candidate c~ uses the sigmoid; it uses tanh (values in (-1, 1)), only i, f and o use the sigmoid."),
        (*_cell(np.tanh(A["i"]), np.tanh(A["f"]), g, np.tanh(A["o"]), c_prev),
         "The gates i, f and o use tanh; gates use the sigmoid (values in (0, 1)); only the candidate uses tanh."),
        (*_cell(sig(A["i"]), sig(A["f"]), sig(A["c"]), sig(A["o"]), c_prev),
         "Everything uses the sigmoid; the candidate c~ uses tanh."),
        (o * np.tanh(f * (c_prev + i * g)), f * (c_prev + i * g),
         "The forget gate multiplies the new content too: c_next = f * c_prev + i * c~ (f only on c_prev)."),
        (o * np.tanh(c_prev + i * g), c_prev + i * g,
         "The forget gate is missing: c_next = f * c_prev + i * c~."),
        (o * np.tanh(f * c_prev + g), f * c_prev + g,
         "The input gate is missing: c_next = f * c_prev + i * c~."),
        (o * np.tanh(f * c_prev + (1 - f) * g), f * c_prev + (1 - f) * g,
         "You wrote c_next = f * c_prev + (1 - f) * c~ (that coupling is the GRU's); the LSTM has its own "
         "input gate: c_next = f * c_prev + i * c~."),
        (o * (f * c_prev + i * g), f * c_prev + i * g,
         "h_next = o * c_next is missing the tanh: h_next = o * tanh(c_next)."),
        (np.tanh(o * (f * c_prev + i * g)), f * c_prev + i * g,
         "The tanh is outside the output gate: h_next = o * tanh(c_next)."),
        (o * np.tanh(c_prev), f * c_prev + i * g,
         "h_next uses the old cell state: h_next = o * tanh(c_next), with the new c_next."),
        (np.tanh(f * c_prev + i * g), f * c_prev + i * g,
         "The output gate is missing: h_next = o * tanh(c_next)."),
    ]
    if Wx.shape == Wh.shape:                    # D == H: swapped weights still run
        Ax = _blocks(x @ Wh + h @ Wx + b)
        out.append((*_cell(sig(Ax["i"]), sig(Ax["f"]), np.tanh(Ax["c"]), sig(Ax["o"]), c_prev),
                    "Wx and Wh are swapped: x goes with Wx (D, 4H), h_prev with Wh (H, 4H)."))
    Ah = _blocks(x @ Wx + b)
    out.append((*_cell(sig(Ah["i"]), sig(Ah["f"]), np.tanh(Ah["c"]), sig(Ah["o"]), c_prev),
                "h_prev @ Wh is missing: every gate sees both x and h_prev."))
    return out


def _match_step(h_next, c_next, expected_h, expected_c, mistakes, what="", generated=None):
    if close(h_next, expected_h) and close(c_next, expected_c):
        return
    for wrong_h, wrong_c, hint in mistakes:
        if close(h_next, wrong_h) and close(c_next, wrong_c):
            raise Mistake(hint)
    if close(h_next, expected_c) and close(c_next, expected_h):
        raise Mistake("h_next and c_next are swapped: return (h_next, c_next, cache).")
    hint = generated.explain({"h_next": h_next, "c_next": c_next}) if generated is not None else None
    if hint:
        raise Mistake(hint)
    for wrong_h, wrong_c, hint in mistakes:       # the cell is right or wrong in the same way as a known mistake
        if close(c_next, wrong_c) and not close(c_next, expected_c):
            raise Mistake(hint)
    diagnose(c_next, expected_c, "c_next" + what)
    diagnose(h_next, expected_h, "h_next" + what, [(wh, hint) for wh, wc, hint in mistakes if close(wc, expected_c)])


@register("5.1", "lstm_step_forward", "One LSTM step", ref.lstm_step_forward)
def check_lstm_step_forward(lstm_step_forward):
    func, names = "lstm_step_forward", ("h_next", "c_next", "cache")
    probe = step_probe()
    h_next, c_next, cache = unpack(call(lstm_step_forward, *probe), func, names)
    h_next, c_next = as_result_array(h_next, "h_next"), as_result_array(c_next, "c_next")
    eh, ec, ecache = ref.lstm_step_forward(*probe)
    expect_shape(h_next, eh.shape, "h_next", "(N, H)")
    expect_shape(c_next, ec.shape, "c_next", "(N, H)")
    _match_step(h_next, c_next, eh, ec, step_mistakes(*probe), generated=STEP_EQUATIONS.variants(probe))
    x, h, c, Wx, Wh, b = probe
    check_cache(cache, ref.LSTMStepCache, dict(x=x, h_prev=h, c_prev=c, Wx=Wx, Wh=Wh, i=ecache.i, f=ecache.f,
                                                c_tilde=ecache.c_tilde, o=ecache.o, c_next=ec))
    # D != H and another batch size: wrong axes show up here
    probe = step_probe(N=2, D=3, H=5, seed=1)
    h_next, c_next, _ = unpack(call(lstm_step_forward, *probe), func, names)
    eh, ec, _ = ref.lstm_step_forward(*probe)
    h_next, c_next = as_result_array(h_next, "h_next"), as_result_array(c_next, "c_next")
    expect_shape(h_next, eh.shape, "h_next (N=2, D=3, H=5)", "(N, H)")
    _match_step(h_next, c_next, eh, ec, step_mistakes(*probe), " (N=2, D=3, H=5)",
                generated=STEP_EQUATIONS.variants(probe))
    STEP_NUMERICS.run(lstm_step_forward)


STEP_NUMERICS = Numerics(
    "lstm_step_forward",
    probe=lambda N=None, T=None, dtype=np.float64, big=False: step_probe(N=N or 2, D=3, H=5, dtype=dtype, seed=7,
                                                                         big=big),
    outputs=lambda out, args: dict(zip(("h_next", "c_next"), unpack(out, "lstm_step_forward",
                                                                     ("h_next", "c_next", "cache"))[:2])),
    reference=lambda *args: dict(zip(("h_next", "c_next"), ref.lstm_step_forward(*args)[:2])),
    saturate="pre-activations a = x @ Wx + h_prev @ Wh + b in the hundreds and thousands")


def forward_equations(e, x, h0, Wx, Wh, b, c0=None):
    """The loop of lstm_forward around the step's equations."""
    N, T, _ = x.shape
    c0 = np.zeros_like(h0) if c0 is None else c0
    h = np.zeros((N, T, h0.shape[1]))
    h_t = h0
    c_t = e.pick("the first cell state", c0, right="c0", zeros=lambda: np.zeros_like(c0),
                 fix="start from c0 when it is given (zeros only when c0 is None)")
    for t in e.range("t", T, fix="for t in range(T), t = 0, 1, ..., T - 1"):
        out = step_equations(e, x[:, t], h_t, c_t, Wx, Wh, b)
        out = e.pick("the step's two states", out, right="(h_next, c_next)", **{
            "(c_next, h_next), swapped when unpacked": {"h_next": out["c_next"], "c_next": out["h_next"]}},
            fix="h_t, c_t, step = lstm_step_forward(...): h first")
        h[:, t] = e.pick("h[:, t]", out["h_next"], right="the new state h_next", h_prev=h_t, c_next=out["c_next"],
                         fix="store h[:, t] = h_next, the step's new hidden state")
        h_t = e.carry("the hidden state h_t", out["h_next"], h0, init_name="h0", fix="h_t = h_next inside the loop")
        c_t = e.carry("the cell state c_t", out["c_next"], c0, init_name="c0", fix="c_t = c_next inside the loop")
    return {"h": h}


SEQ_EQUATIONS = Equations(
    "lstm_forward", forward_equations, args=("x", "h0", "Wx", "Wh", "b", "c0"), equations=LSTM_LINES,
    swaps=[("Wx", "Wh"), ("h0", "c0")], activations=LSTM_ACTIVATIONS,
    wrap=lambda out, a: (out["h"], _cache_for(out["h"], *a)))


def _cache_for(h, x, h0, Wx, Wh, b, c0=None):
    c = ref.lstm_forward(x, h0, Wx, Wh, b, c0)[1]
    return ref.LSTMCache(c.x, c.h0, c.c0, c.Wx, c.Wh, c.i, c.f, c.c_tilde, c.o, c.c, h)


def seq_probe(N=3, T=3, D=4, H=4, seed=0, dtype=np.float64, big=False):
    r = rng(seed)
    x = ((1000 if big else 1) * r.standard_normal((N, T, D))).astype(dtype)
    h0 = r.standard_normal((N, H)).astype(dtype)
    Wx = (0.5 * r.standard_normal((D, 4 * H))).astype(dtype)
    Wh = (0.5 * r.standard_normal((H, 4 * H))).astype(dtype)
    b = r.standard_normal(4 * H).astype(dtype)
    c0 = (2 * r.standard_normal((N, H))).astype(dtype)
    return x, h0, Wx, Wh, b, c0


def _forward_variants(x, h0, Wx, Wh, b, c0):
    """(h, hint) of the mistakes learners make in the loop over time."""
    expected, cache = ref.lstm_forward(x, h0, Wx, Wh, b, c0)
    N, T, H = expected.shape
    # every step from c0 (the cell is not carried), h carried
    h_t, hs = h0, []
    for t in range(T):
        h_t, _, _ = ref.lstm_step_forward(x[:, t], h_t, c0, Wx, Wh, b)
        hs.append(h_t)
    c_not_carried = np.stack(hs, axis=1)
    # the cell carried, every step from h0
    c_t, hs = c0, []
    for t in range(T):
        h_t, c_t, _ = ref.lstm_step_forward(x[:, t], h0, c_t, Wx, Wh, b)
        hs.append(h_t)
    h_not_carried = np.stack(hs, axis=1)
    zero_c, _ = ref.lstm_forward(x, h0, Wx, Wh, b)
    shifted = np.concatenate([h0[:, None], expected[:, :-1]], axis=1)
    return expected, cache, [
        (np.swapaxes(expected, 0, 1), "h is time-major (T, N, H); the course is batch-major: store step t in h[:, t]."),
        (c_not_carried, "Every step starts from c0: carry the cell state too (c_t = c_next) inside the loop."),
        (h_not_carried, "Every step starts from h0: carry the hidden state (h_t = h_next) inside the loop."),
        (zero_c, "c0 is ignored: start the cell state from c0 when it is given (zeros only when c0 is None)."),
        (cache.c, "h holds the cell states c_t; return the hidden states h_t (store c_t in the cache's c)."),
        (shifted, "h[:, t] holds the state BEFORE step t: store the new state h_next, not h_prev."),
        (np.repeat(expected[:, -1:], T, axis=1), "Every h[:, t] equals the last state: store each step's new array."),
        (np.zeros_like(expected), "h is all zeros: fill h[:, t] with each step's new state."),
    ]


@register("5.2", "lstm_forward", "An LSTM over a whole sequence", ref.lstm_forward)
def check_lstm_forward(lstm_forward):
    func, names = "lstm_forward", ("h", "cache")
    # N == T so that swapping the batch and time axes still runs and can be recognised.
    x, h0, Wx, Wh, b, c0 = probe = seq_probe()
    h, cache = unpack(call(lstm_forward, x, h0, Wx, Wh, b, c0), func, names)
    h = as_result_array(h, "h")
    expected, ecache, variants = _forward_variants(*probe)
    N, T, H = expected.shape
    if h.shape == (N, H):
        raise Mistake(f"h has shape {h.shape} = (N, H): that is only the last state. Return every state, "
                      f"stacked as (N, T, H) = {expected.shape}.")
    expect_shape(h, expected.shape, "h", "(N, T, H)")
    diagnose(h, expected, "h", SEQ_EQUATIONS.variants(probe).candidates("h", first=variants))
    check_cache(cache, ref.LSTMCache, dict(x=x, h0=h0, c0=c0, Wx=Wx, Wh=Wh, i=ecache.i, f=ecache.f,
                                            c_tilde=ecache.c_tilde, o=ecache.o, c=ecache.c, h=expected))
    # c0 left out: the cell starts from zeros, as in Keras
    try:
        out = call(lstm_forward, x, h0, Wx, Wh, b)
    except Mistake:
        raise
    except Exception as exc:
        raise Mistake(f"lstm_forward(x, h0, Wx, Wh, b) without c0 raised {type(exc).__name__}: {exc}. When c0 is "
                      "None, start from np.zeros_like(h0).") from None
    h_default = as_result_array(unpack(out, func, names)[0], "h (c0 = None)")
    diagnose(h_default, ref.lstm_forward(x, h0, Wx, Wh, b)[0], "h with c0 = None")
    # D != H and N != T
    x, h0, Wx, Wh, b, c0 = seq_probe(N=2, T=5, D=3, H=4, seed=1)
    h, _ = unpack(call(lstm_forward, x, h0, Wx, Wh, b, c0), func, names)
    h = as_result_array(h, "h")
    expected, _ = ref.lstm_forward(x, h0, Wx, Wh, b, c0)
    expect_shape(h, expected.shape, "h (N=2, T=5, D=3, H=4)", "(N, T, H)")
    with earlier_exercise("5.1", "lstm_step_forward", "lstm_forward"):
        diagnose(h, expected, "h (N=2, T=5, D=3, H=4)",
                 SEQ_EQUATIONS.variants((x, h0, Wx, Wh, b, c0)).candidates("h"))
        SEQ_NUMERICS.run(lstm_forward)


SEQ_NUMERICS = Numerics(
    "lstm_forward",
    probe=lambda N=None, T=None, dtype=np.float64, big=False: seq_probe(
        N=N or 2, T=T or (12 if big else 4), D=3, H=5, seed=8, dtype=dtype, big=big),
    outputs=lambda out, args: {"h": unpack(out, "lstm_forward", ("h", "cache"))[0]},
    reference=lambda *args: {"h": ref.lstm_forward(*args)[0]},
    sequence=True, saturate="inputs x of size 1000 (pre-activations in the hundreds and thousands)")


# --------------------------------------------------------------------------------------
# 5.3 lstm_step_backward
# --------------------------------------------------------------------------------------

def backward_variant(dh, dc_next, cache, *, h_path=True, c_path=True, tanh_c=None, gate_deriv=None,
                     cand_deriv=None, forget_back=True, order=BLOCKS, o_uses=None):
    """The step backward with one planted mistake (each keyword switches one term)."""
    i, f, g, o = cache.i, cache.f, cache.c_tilde, cache.o
    tc = np.tanh(cache.c_next)
    dtanh = (1 - tc ** 2) if tanh_c is None else tanh_c(cache.c_next)
    dc = (dc_next if c_path else 0) + (dh * o * dtanh if h_path else 0)
    sd = (lambda s: s * (1 - s)) if gate_deriv is None else gate_deriv
    cd = (lambda t: 1 - t ** 2) if cand_deriv is None else cand_deriv
    blocks = {"i": dc * g * sd(i), "f": dc * cache.c_prev * sd(f), "c": dc * i * cd(g),
              "o": dh * (tc if o_uses is None else o_uses) * sd(o)}
    da = np.concatenate([blocks[k] for k in order], axis=1)
    dx = da @ cache.Wx.T
    dh_prev = da @ cache.Wh.T
    dc_prev = dc * f if forget_back else dc
    return dx, dh_prev, dc_prev, cache.x.T @ da, cache.h_prev.T @ da, da.sum(axis=0)


BACKWARD_MISTAKES = [
    (dict(h_path=False), "dc misses the path through h_next: c_next also reaches the loss as h_next = o * tanh(c_next), "
                         "so dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)."),
    (dict(c_path=False), "dc_next is dropped: the cell's gradient is dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)."),
    (dict(tanh_c=lambda c: 1 - c ** 2), "The derivative of tanh(c_next) is 1 - tanh(c_next)**2, not 1 - c_next**2."),
    (dict(tanh_c=lambda c: np.ones_like(c)), "The path through h_next forgets the tanh: "
                                             "d h_next / d c_next = o * (1 - tanh(c_next)**2)."),
    (dict(gate_deriv=lambda s: 1 - s ** 2), "The gates' derivative is the sigmoid's, s * (1 - s), not tanh's 1 - s**2."),
    (dict(gate_deriv=lambda s: np.ones_like(s)), "The gates' sigmoid derivative is missing: multiply by s * (1 - s) "
                                                 "for i, f and o."),
    (dict(cand_deriv=lambda t: t * (1 - t)), "The candidate's derivative is tanh's, 1 - c_tilde**2, not the sigmoid's."),
    (dict(cand_deriv=lambda t: np.ones_like(t)), "The candidate's tanh derivative (1 - c_tilde**2) is missing."),
    (dict(forget_back=False), "dc_prev = dc * f: the cell gradient passes back through the forget gate."),
    (dict(o_uses="c_next"), "the output gate's gradient is dh_next * tanh(c_next) * o * (1 - o): use tanh(c_next), "
                            "not c_next."),
]


def _backward_mistakes(dh, dc, cache):
    out = []
    for kw, hint in BACKWARD_MISTAKES:
        if kw.get("o_uses") == "c_next":
            kw = dict(o_uses=cache.c_next)
        out.append((backward_variant(dh, dc, cache, **kw), hint))
    for order in permutations(BLOCKS):
        if "".join(order) != BLOCKS:
            out.append((backward_variant(dh, dc, cache, order="".join(order)),
                        f"The gradient blocks are stacked in the order {_order_name(order)}; stack them like the "
                        "forward pass, [i, f, c, o], so dWx, dWh and db line up with Wx, Wh and b."))
    return out


GRAD_NAMES = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
GRAD_SHAPES = ("(N, D)", "(N, H)", "(N, H)", "(D, 4H)", "(H, 4H)", "(4H,)")
BACKWARD_LINES = {
    "dc": "dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)",
    "the path through h_next": "dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)",
    "da_i": "da_i = dc * c_tilde * i * (1 - i)", "da_f": "da_f = dc * c_prev * f * (1 - f)",
    "da_c": "da_c = dc * i * (1 - c_tilde**2)", "da_o": "da_o = dh_next * tanh(c_next) * o * (1 - o)",
    "dc_prev": "dc_prev = dc * f", "dx": "dx = da @ Wx.T", "dh_prev": "dh_prev = da @ Wh.T",
    "dWx": "dWx = x.T @ da", "dWh": "dWh = h_prev.T @ da", "db": "db = da.sum(axis=0)"}


def backward_equations(e, dh_next, dc_next, cache):
    """The lesson's backward step, with the places a learner can slip marked (rnnlab.checks.variants)."""
    i, f, g, o, c_prev, c_next = cache.i, cache.f, cache.c_tilde, cache.o, cache.c_prev, cache.c_next
    tc = np.tanh(c_next)
    dtanh = e.deriv("dc", "tanh", tc, pre=c_next, out_name="tanh(c_next)", pre_name="c_next", symbol="tanh(c_next)",
                    fix=BACKWARD_LINES["dc"], group="cell")
    dc = e.sum("dc", {"dc_next": dc_next, "dh_next * o * (1 - tanh(c_next)**2)": e.mul(
        "the path through h_next", {"dh_next": dh_next, "o": o, "(1 - tanh(c_next)**2)": dtanh})})
    da_i = e.mul("da_i", {"dc": dc, "c_tilde": e.pick("da_i", g, right="c_tilde", c_prev=c_prev),
                          "i * (1 - i)": e.deriv("da_i", "sigmoid", i, symbol="i", others={"c_tilde": g},
                                                 group="gates")})
    da_f = e.mul("da_f", {"dc": dc, "c_prev": e.pick("da_f", c_prev, right="c_prev", c_next=c_next),
                          "f * (1 - f)": e.deriv("da_f", "sigmoid", f, symbol="f", group="gates")})
    da_c = e.mul("da_c", {"dc": dc, "i": i, "(1 - c_tilde**2)": e.deriv("da_c", "tanh", g, symbol="c_tilde",
                                                                       others={"i": i}, group="gates")})
    da_o = e.mul("da_o", {"dh_next": dh_next, "tanh(c_next)": e.pick("da_o", tc, right="tanh(c_next)",
                                                                    c_next=c_next),
                          "o * (1 - o)": e.deriv("da_o", "sigmoid", o, symbol="o", group="gates")})
    da = np.concatenate([da_i, da_f, da_c, da_o], axis=1)
    Wx_back = e.pick("dx", cache.Wx.T, right="Wx.T", **{"Wh.T (the other weight)": cache.Wh.T})
    Wh_back = e.pick("dh_prev", cache.Wh.T, right="Wh.T", **{"Wx.T (the other weight)": cache.Wx.T})
    return {"dx": da @ Wx_back, "dh_prev": da @ Wh_back, "dc_prev": e.mul("dc_prev", {"dc": dc, "f": f}),
            "dWx": e.batch("dWx", cache.x.T @ da, len(cache.x)),
            "dWh": e.batch("dWh", e.pick("dWh", cache.h_prev, right="h_prev", x=cache.x).T @ da, len(cache.x)),
            "db": e.reduce("db", "sum", da, axis=0, names=("the batch N", "the gate columns 4H"))}


BACKWARD = Equations("lstm_step_backward", backward_equations, args=("dh_next", "dc_next", "cache"),
                     equations=BACKWARD_LINES, swaps=[("dh_next", "dc_next")],
                     wrap=lambda out, a: tuple(out[n] for n in GRAD_NAMES))


@register("5.3", "lstm_step_backward", "Backward through one LSTM step", ref.lstm_step_backward)
def check_lstm_step_backward(lstm_step_backward):
    func = "lstm_step_backward"
    for probe_seed, (N, D, H) in [(0, (3, 4, 4)), (1, (2, 3, 5))]:
        probe = step_probe(N=N, D=D, H=H, seed=probe_seed)
        _, _, cache = ref.lstm_step_forward(*probe)
        r = rng(10 + probe_seed)
        dh, dc = r.standard_normal((N, H)), r.standard_normal((N, H))
        before = {k: np.copy(v) for k, v in vars(cache).items()}
        got = unpack(call(lstm_step_backward, dh, dc, cache), func, GRAD_NAMES)
        for k, v in vars(cache).items():
            if not np.array_equal(v, before[k]):
                raise Mistake(f"Your function changed cache.{k} in place: compute into new arrays.")
        got = [as_result_array(g, n) for g, n in zip(got, GRAD_NAMES)]
        expected = ref.lstm_step_backward(dh, dc, cache)
        size = f" (N={N}, D={D}, H={H})" if probe_seed else ""
        for g, e, n, s in zip(got, expected, GRAD_NAMES, GRAD_SHAPES):
            if n == "db" and g.shape == (N, 4 * H):
                raise Mistake(f"db has shape {g.shape} = (N, 4H): sum the gradient over the batch, axis=0.")
            if n in ("dWx", "dWh") and g.shape == e.shape[::-1]:
                raise Mistake(f"{n} has shape {g.shape}: it is transposed. {n} must have the shape of its weight, "
                              f"{s} = {e.shape}: {'x' if n == 'dWx' else 'h_prev'}.T @ da.")
            expect_shape(g, e.shape, n + size, s)
        if all(close(g, e) for g, e in zip(got, expected)):
            continue
        for wrong, hint in _backward_mistakes(dh, dc, cache):
            if all(close(g, w) for g, w in zip(got, wrong)):
                raise Mistake(hint)
        generated = BACKWARD.variants((dh, dc, cache))
        joint = dict(zip(GRAD_NAMES, got))
        for g, e, n in zip(got, expected, GRAD_NAMES):
            diagnose(g, e, n + size, generated.candidates(n, got=joint))
    BACKWARD_NUMERICS.run(lstm_step_backward)


def _backward_probe(N=None, T=None, dtype=np.float64, big=False):
    probe = step_probe(N=N or 2, D=3, H=5, dtype=dtype, seed=6, big=big)
    r = rng(16)
    dh, dc = (r.standard_normal((N or 2, 5)).astype(dtype) for _ in range(2))
    return dh, dc, ref.lstm_step_forward(*probe)[2]


BACKWARD_NUMERICS = Numerics(
    "lstm_step_backward", probe=_backward_probe,
    outputs=lambda out, args: dict(zip(GRAD_NAMES, unpack(out, "lstm_step_backward", GRAD_NAMES))),
    reference=lambda *args: dict(zip(GRAD_NAMES, ref.lstm_step_backward(*args))),
    saturate="saturated gates and cell (from pre-activations in the hundreds and thousands)")


# --------------------------------------------------------------------------------------
# 5.4 keras_lstm_output
# --------------------------------------------------------------------------------------

def _keras_lstm_output_reference(x, Wx, Wh, b):
    from ..models.keras_interop import lstm_like
    return np.asarray(lstm_like(Wx, Wh, b)(np.asarray(x)))


def _probe_54(D, H, seed):
    r = rng(seed)
    N, T = 2, 5
    x = r.standard_normal((N, T, D)).astype(np.float32)
    Wx = (0.5 * r.standard_normal((D, 4 * H))).astype(np.float32)
    Wh = (0.5 * r.standard_normal((H, 4 * H))).astype(np.float32)
    b = r.standard_normal(4 * H).astype(np.float32)
    return x, Wx, Wh, b


def _run_54(fn, probe):
    x, Wx, Wh, b = probe
    H = Wh.shape[0]
    try:
        out = call(fn, *probe)
    except (Mistake, NotImplementedError):
        raise
    except ValueError as exc:
        msg = str(exc).splitlines()[0][:200]
        raise Mistake(f"keras_lstm_output raised ValueError: {msg}. keras.layers.LSTM(H) holds Wx (D, 4H), "
                      f"Wh (H, 4H) and b (4H,): H = Wh.shape[0] = {H} units (not Wx.shape[1]); build the layer for "
                      "inputs of width D, then layer.set_weights([Wx, Wh, b]) in that order.") from None
    return as_result_array(out, "The output")


@register("5.4", "keras_lstm_output", "The same weights in keras.layers.LSTM", _keras_lstm_output_reference)
def check_keras_lstm_output(keras_lstm_output):
    for D, H, seed in [(3, 4, 4), (4, 4, 5)]:      # D == H in the second probe: swapped weights still run
        x, Wx, Wh, b = probe = _probe_54(D, H, seed)
        N, T, _ = x.shape
        out = _run_54(keras_lstm_output, probe)
        h0 = np.zeros((N, H), np.float32)
        expected, _ = ref.lstm_forward(x, h0, Wx, Wh, b)
        if out.shape == (N, H):
            raise Mistake("The output holds only the last state: create the layer with return_sequences=True so "
                          "it returns h at every step, (N, T, H), like lstm_forward.")
        expect_shape(out, expected.shape, "The output", "(N, T, H)")
        if close(out, expected, 1e-4):
            continue
        wrong = []
        for order in permutations(range(4)):
            if order != (0, 1, 2, 3):
                cols = np.concatenate([np.arange(k * H, (k + 1) * H) for k in order])
                wrong.append((ref.lstm_forward(x, h0, Wx[:, cols], Wh[:, cols], b[cols])[0],
                              "The gate blocks were reordered; Keras' order is already ours, [i, f, c, o]: "
                              "copy Wx, Wh and b unchanged."))
        if D == H:
            wrong.append((ref.lstm_forward(x, h0, Wh, Wx, b)[0], "Wx and Wh are swapped: set_weights([Wx, Wh, b]) "
                                                                 "(kernel, recurrent_kernel, bias)."))
        wrong.append((ref.lstm_forward(x, h0, Wx, Wh, np.zeros_like(b))[0],
                      "The bias is missing: set_weights([Wx, Wh, b]) with your b (Keras' own bias starts at "
                      "zeros and ones)."))
        for value, hint in wrong:
            if close(out, value, 1e-4):
                raise Mistake(hint)
        raise Mistake("The layer computes other numbers than lstm_forward with the same weights: copy them with "
                      "layer.set_weights([Wx, Wh, b]) and keep Keras' defaults, activation='tanh' and "
                      "recurrent_activation='sigmoid'.")
    expect_dtype(out, np.float32, "The output")


def _probes_53():
    out = []
    for seed, (N, D, H) in [(0, (3, 4, 4)), (1, (2, 3, 5))]:
        r = rng(10 + seed)
        dh, dc = r.standard_normal((N, H)), r.standard_normal((N, H))
        out.append((dh, dc, ref.lstm_step_forward(*step_probe(N=N, D=D, H=H, seed=seed))[2]))
    return out


declare("5.1", STEP_EQUATIONS, lambda: [step_probe(), step_probe(N=2, D=3, H=5, seed=1)])
declare("5.2", SEQ_EQUATIONS, lambda: [seq_probe(), seq_probe(N=2, T=5, D=3, H=4, seed=1)])
declare("5.3", BACKWARD, _probes_53)
