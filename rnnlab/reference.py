"""Reference implementations of recurrent cells in numpy.

Batch-major, weights in Keras' own layout, so `layer.set_weights([Wx, Wh, b])` on a
`keras.layers.SimpleRNN` gives the same numbers. Every function computes in the dtype of
its inputs (float32 stays float32) and never modifies its arguments.

Shapes: N batch, T time steps, D input features, H hidden units.

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)

Each `*_forward` returns `(output, cache)`; the matching `*_backward` takes the upstream
gradient and that cache and returns the gradients of every input, in argument order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._shapes import as_array, expect_ndim, expect_shape, float_dtype, fmt

__all__ = [
    "RNNStepCache", "RNNCache",
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "sigmoid", "LSTMStepCache", "LSTMCache",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "GRUStepCache", "GRUCache",
    "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward",
]


# ---------------------------------------------------------------------------------------
# Vanilla RNN
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RNNStepCache:
    """What `rnn_step_backward` needs: the step's inputs and its output."""
    x: np.ndarray        # (N, D)
    h_prev: np.ndarray   # (N, H)
    Wx: np.ndarray       # (D, H)
    Wh: np.ndarray       # (H, H)
    h_next: np.ndarray   # (N, H)  tanh'(a) = 1 - h_next**2, so the pre-activation is not kept


@dataclass(frozen=True)
class RNNCache:
    """What `rnn_backward` needs: the inputs, the weights and every hidden state."""
    x: np.ndarray    # (N, T, D)
    h0: np.ndarray   # (N, H)
    Wx: np.ndarray   # (D, H)
    Wh: np.ndarray   # (H, H)
    h: np.ndarray    # (N, T, H)


def _rnn_weights(func, Wx, Wh, b, D, H):
    Wx, Wh, b = (as_array(n, v, func) for n, v in (("Wx", Wx), ("Wh", Wh), ("b", b)))
    expect_shape(func, "Wx", Wx, (D, H), "(D, H)")
    expect_shape(func, "Wh", Wh, (H, H), "(H, H)")
    expect_shape(func, "b", b, (H,), "(H,)")
    return Wx, Wh, b


def _state(func, name, h, x, N):
    """Check the state's batch size against x; H is read from the state itself."""
    expect_ndim(func, name, h, 2, "(N, H)")
    if h.shape[0] != N:
        hint = ""
        if x.ndim == 3 and h.shape[0] == x.shape[1]:
            hint = (f"; x has shape {tuple(x.shape)}: if that is (T, N, D), it is time-major, and the course is "
                    "batch-major, (N, T, D) (use np.swapaxes(x, 0, 1))")
        raise ValueError(f"{func}: {name} should have shape (N, H) with N = {N} from x, got {tuple(h.shape)}{hint}")
    return h.shape[1]


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN.

    x: (N, D), h_prev: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)
    Returns h_next: (N, H) and a cache for `rnn_step_backward`.
    """
    f = "rnn_step_forward"
    x, h_prev = as_array("x", x, f), as_array("h_prev", h_prev, f)
    expect_ndim(f, "x", x, 2, "(N, D)")
    N, D = x.shape
    H = _state(f, "h_prev", h_prev, x, N)
    Wx, Wh, b = _rnn_weights(f, Wx, Wh, b, D, H)
    dt = float_dtype(x, h_prev, Wx, Wh, b)

    h_next = np.tanh(x @ Wx + h_prev @ Wh + b).astype(dt, copy=False)
    return h_next, RNNStepCache(x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh_next, cache: RNNStepCache):
    """Backward pass of one RNN step.

    dh_next: (N, H), the gradient of the loss with respect to h_next.
    Returns dx (N, D), dh_prev (N, H), dWx (D, H), dWh (H, H), db (H,).
    """
    f = "rnn_step_backward"
    dh_next = as_array("dh_next", dh_next, f)
    expect_shape(f, "dh_next", dh_next, cache.h_next.shape, "(N, H)")

    da = dh_next * (1 - cache.h_next ** 2)        # through tanh: tanh'(a) = 1 - tanh(a)^2
    dx = da @ cache.Wx.T
    dh_prev = da @ cache.Wh.T
    dWx = cache.x.T @ da
    dWh = cache.h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN over a whole sequence.

    x: (N, T, D), h0: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)
    Returns h: (N, T, H), the hidden state at every step, and a cache for `rnn_backward`.
    """
    f = "rnn_forward"
    x, h0 = as_array("x", x, f), as_array("h0", h0, f)
    expect_ndim(f, "x", x, 3, "(N, T, D)")
    N, T, D = x.shape
    H = _state(f, "h0", h0, x, N)
    Wx, Wh, b = _rnn_weights(f, Wx, Wh, b, D, H)
    dt = float_dtype(x, h0, Wx, Wh, b)

    xw = x @ Wx + b                  # input projection of all T steps in one product: (N, T, H)
    h = np.empty((N, T, H), dtype=dt)
    h_t = h0
    for t in range(T):
        h_t = np.tanh(xw[:, t] + h_t @ Wh)
        h[:, t] = h_t
    return h, RNNCache(x, h0, Wx, Wh, h)


def rnn_backward(dh, cache: RNNCache):
    """Backpropagation through time for `rnn_forward`.

    dh: (N, T, H), the upstream gradient on every hidden state h_t (zeros where the loss
    does not look at h_t).
    Returns dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,).
    """
    f = "rnn_backward"
    dh = as_array("dh", dh, f)
    expect_shape(f, "dh", dh, cache.h.shape, "(N, T, H)")
    N, T, H = dh.shape

    da = np.empty_like(cache.h, dtype=np.result_type(dh, cache.h))  # gradient on each pre-activation
    dh_t = np.zeros((N, H), dtype=da.dtype)        # gradient flowing back from step t+1
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dh_t) * (1 - cache.h[:, t] ** 2)
        dh_t = da[:, t] @ cache.Wh.T

    h_prev = np.concatenate([cache.h0[:, None], cache.h[:, :-1]], axis=1)   # h_{t-1} for every t
    dx = da @ cache.Wx.T
    dWx = cache.x.reshape(N * T, -1).T @ da.reshape(N * T, H)
    dWh = h_prev.reshape(N * T, H).T @ da.reshape(N * T, H)
    db = da.sum(axis=(0, 1))
    return dx, dh_t, dWx, dWh, db


# ---------------------------------------------------------------------------------------
# LSTM: Keras layout, the columns of Wx (D, 4H), Wh (H, 4H) and b (4H,) hold the gate
# blocks [i, f, c, o] in that order.
#
#   a   = x_t @ Wx + h_{t-1} @ Wh + b        (N, 4H), cut into four (N, H) blocks
#   i   = sigmoid(a_i)                       input gate: how much of the candidate to write
#   f   = sigmoid(a_f)                       forget gate: how much of the old cell to keep
#   c~  = tanh(a_c)                          candidate cell state
#   o   = sigmoid(a_o)                       output gate: how much of the cell to show
#   c_t = f * c_{t-1} + i * c~
#   h_t = o * tanh(c_t)
# ---------------------------------------------------------------------------------------

def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), in the dtype of `a`."""
    with np.errstate(over="ignore"):        # exp(-a) = inf for very negative a: the result is 0, as it should be
        return 1 / (1 + np.exp(-a))


@dataclass(frozen=True)
class LSTMStepCache:
    """What `lstm_step_backward` needs: the step's inputs, its four gates and the new cell."""
    x: np.ndarray        # (N, D)
    h_prev: np.ndarray   # (N, H)
    c_prev: np.ndarray   # (N, H)
    Wx: np.ndarray       # (D, 4H)
    Wh: np.ndarray       # (H, 4H)
    i: np.ndarray        # (N, H) input gate
    f: np.ndarray        # (N, H) forget gate
    c_tilde: np.ndarray  # (N, H) candidate
    o: np.ndarray        # (N, H) output gate
    c_next: np.ndarray   # (N, H)


@dataclass(frozen=True)
class LSTMCache:
    """What `lstm_backward` needs: inputs, weights, and the gates and states of every step."""
    x: np.ndarray        # (N, T, D)
    h0: np.ndarray       # (N, H)
    c0: np.ndarray       # (N, H)
    Wx: np.ndarray       # (D, 4H)
    Wh: np.ndarray       # (H, 4H)
    i: np.ndarray        # (N, T, H)
    f: np.ndarray        # (N, T, H)
    c_tilde: np.ndarray  # (N, T, H)
    o: np.ndarray        # (N, T, H)
    c: np.ndarray        # (N, T, H) cell state after every step
    h: np.ndarray        # (N, T, H)


def _gate_weights(func, Wx, Wh, b, D, k, blocks):
    """Check Wx (D, kH), Wh (H, kH), b (kH,) and return them with H."""
    Wx, Wh, b = (as_array(n, v, func) for n, v in (("Wx", Wx), ("Wh", Wh), ("b", b)))
    expect_ndim(func, "Wx", Wx, 2, f"(D, {k}H)")
    if Wx.shape[1] % k:
        raise ValueError(f"{func}: Wx should have shape (D, {k}H), the {k} gate blocks {blocks} side by side, "
                         f"got {fmt(Wx.shape)}: {Wx.shape[1]} columns is not a multiple of {k}")
    H = Wx.shape[1] // k
    expect_shape(func, "Wx", Wx, (D, k * H), f"(D, {k}H)")
    expect_shape(func, "Wh", Wh, (H, k * H), f"(H, {k}H)")
    return Wx, Wh, b, H


def _lstm_weights(func, Wx, Wh, b, D):
    Wx, Wh, b, H = _gate_weights(func, Wx, Wh, b, D, 4, "[i, f, c, o]")
    expect_shape(func, "b", b, (4 * H,), "(4H,)")
    return Wx, Wh, b, H


def _lstm_gates(a, H):
    """The activations of the pre-activations a (N, 4H), blocks [i, f, c, o]: the sigmoid for the
    three gates, tanh for the candidate. Returns one (N, 4H) array in the same block order."""
    g = sigmoid(a)
    g[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])
    return g


def _blocks(a, k):
    """The k gate blocks side by side in the last axis of a, as views."""
    H = a.shape[-1] // k
    return [a[..., j * H:(j + 1) * H] for j in range(k)]


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One step of an LSTM (Keras' gate order [i, f, c, o]).

    x: (N, D), h_prev: (N, H), c_prev: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,)
    Returns h_next (N, H), c_next (N, H) and a cache for `lstm_step_backward`.
    """
    func = "lstm_step_forward"
    x, h_prev, c_prev = (as_array(n, v, func) for n, v in (("x", x), ("h_prev", h_prev), ("c_prev", c_prev)))
    expect_ndim(func, "x", x, 2, "(N, D)")
    N, D = x.shape
    Wx, Wh, b, H = _lstm_weights(func, Wx, Wh, b, D)
    expect_shape(func, "h_prev", h_prev, (N, H), "(N, H)")
    expect_shape(func, "c_prev", c_prev, (N, H), "(N, H)")
    dt = float_dtype(x, h_prev, c_prev, Wx, Wh, b)

    i, f, c_tilde, o = _blocks(_lstm_gates((x @ Wx + h_prev @ Wh + b).astype(dt, copy=False), H), 4)
    c_next = f * c_prev + i * c_tilde
    h_next = o * np.tanh(c_next)
    return h_next, c_next, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, i, f, c_tilde, o, c_next)


def _lstm_gate_grads(dh, dc, tanh_c, i, f, c_tilde, o, c_prev):
    """Gradients on the four blocks of pre-activations, [i, f, c, o], from dh and dc at one step.

    dc must already include the path through h = o * tanh(c). Returns (N, 4H).
    """
    return np.concatenate([
        dc * c_tilde * i * (1 - i),         # input gate, through its sigmoid: sigmoid' = s (1 - s)
        dc * c_prev * f * (1 - f),          # forget gate
        dc * i * (1 - c_tilde ** 2),        # candidate, through its tanh
        dh * tanh_c * o * (1 - o),          # output gate
    ], axis=1)


def lstm_step_backward(dh_next, dc_next, cache: LSTMStepCache):
    """Backward pass of one LSTM step.

    dh_next, dc_next: (N, H), the gradients of the loss with respect to h_next and c_next.
    Returns dx (N, D), dh_prev (N, H), dc_prev (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    func = "lstm_step_backward"
    dh_next, dc_next = as_array("dh_next", dh_next, func), as_array("dc_next", dc_next, func)
    expect_shape(func, "dh_next", dh_next, cache.c_next.shape, "(N, H)")
    expect_shape(func, "dc_next", dc_next, cache.c_next.shape, "(N, H)")

    tanh_c = np.tanh(cache.c_next)
    dc = dc_next + dh_next * cache.o * (1 - tanh_c ** 2)    # c_next reaches the loss directly and through h_next
    da = _lstm_gate_grads(dh_next, dc, tanh_c, cache.i, cache.f, cache.c_tilde, cache.o, cache.c_prev)
    dx = da @ cache.Wx.T
    dh_prev = da @ cache.Wh.T
    dc_prev = dc * cache.f                                    # the forget gate is the only path back to c_prev
    dWx = cache.x.T @ da
    dWh = cache.h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """Run an LSTM over a whole sequence.

    x: (N, T, D), h0: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,), c0: (N, H) or None (zeros, as Keras)
    Returns h: (N, T, H), the hidden state at every step, and a cache for `lstm_backward`.
    """
    func = "lstm_forward"
    x, h0 = as_array("x", x, func), as_array("h0", h0, func)
    expect_ndim(func, "x", x, 3, "(N, T, D)")
    N, T, D = x.shape
    Wx, Wh, b, H = _lstm_weights(func, Wx, Wh, b, D)
    expect_shape(func, "h0", h0, (N, H), "(N, H)")
    dt = float_dtype(x, h0, Wx, Wh, b)
    if c0 is None:
        c0 = np.zeros((N, H), dtype=dt)
    c0 = as_array("c0", c0, func)
    expect_shape(func, "c0", c0, (N, H), "(N, H)")
    dt = float_dtype(x, h0, c0, Wx, Wh, b)

    xw = (x @ Wx + b).astype(dt, copy=False)      # input projection of all T steps in one product: (N, T, 4H)
    gates = np.empty((N, T, 4 * H), dtype=dt)     # i, f, c~, o of every step, side by side like Wx's columns
    c, h = np.empty((N, T, H), dtype=dt), np.empty((N, T, H), dtype=dt)
    h_t, c_t = h0, c0
    for t in range(T):
        g = _lstm_gates(xw[:, t] + h_t @ Wh, H)
        i, f, c_tilde, o = _blocks(g, 4)
        c_t = f * c_t + i * c_tilde
        h_t = o * np.tanh(c_t)
        gates[:, t], c[:, t], h[:, t] = g, c_t, h_t
    return h, LSTMCache(x, h0, c0, Wx, Wh, *_blocks(gates, 4), c, h)


def lstm_backward(dh, cache: LSTMCache):
    """Backpropagation through time for `lstm_forward`.

    dh: (N, T, H), the upstream gradient on every hidden state h_t.
    Returns dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    func = "lstm_backward"
    dh = as_array("dh", dh, func)
    expect_shape(func, "dh", dh, cache.h.shape, "(N, T, H)")
    N, T, H = dh.shape
    dt = np.result_type(dh, cache.h)

    tanh_c = np.tanh(cache.c)
    c_prev = np.concatenate([cache.c0[:, None], cache.c[:, :-1]], axis=1)   # c_{t-1} for every t
    WhT = np.ascontiguousarray(cache.Wh.T)          # (4H, H), contiguous: a faster product in the loop
    da = np.empty((N, T, 4 * H), dtype=dt)          # gradient on the pre-activations of every step
    dh_t = np.zeros((N, H), dtype=dt)               # gradients flowing back from step t+1
    dc_t = np.zeros((N, H), dtype=dt)
    for t in reversed(range(T)):
        dh_total = dh[:, t] + dh_t                  # from the loss at step t and from step t+1
        dc_total = dc_t + dh_total * cache.o[:, t] * (1 - tanh_c[:, t] ** 2)   # from c_{t+1} and through h_t
        da[:, t] = _lstm_gate_grads(dh_total, dc_total, tanh_c[:, t], cache.i[:, t], cache.f[:, t],
                                    cache.c_tilde[:, t], cache.o[:, t], c_prev[:, t])
        dh_t = da[:, t] @ WhT
        dc_t = dc_total * cache.f[:, t]             # back along the cell: only the forget gate

    h_prev = np.concatenate([cache.h0[:, None], cache.h[:, :-1]], axis=1)   # h_{t-1} for every t
    dx = da @ cache.Wx.T
    dWx = cache.x.reshape(N * T, -1).T @ da.reshape(N * T, 4 * H)
    dWh = h_prev.reshape(N * T, H).T @ da.reshape(N * T, 4 * H)
    db = da.sum(axis=(0, 1))
    return dx, dh_t, dWx, dWh, db


# ---------------------------------------------------------------------------------------
# GRU: Keras layout, the columns of Wx (D, 3H) and Wh (H, 3H) hold the blocks [z, r, h~].
#
#   z   = sigmoid(x_t @ Wx_z + h_{t-1} @ Wh_z + b_z)     update gate: how much of the old state to keep
#   r   = sigmoid(x_t @ Wx_r + h_{t-1} @ Wh_r + b_r)     reset gate: how much of the old state the candidate sees
#   h~  = tanh(x_t @ Wx_h + r * (h_{t-1} @ Wh_h + b'_h) + b_h)   reset_after=True (Keras' default)
#   h~  = tanh(x_t @ Wx_h + (r * h_{t-1}) @ Wh_h + b_h)          reset_after=False
#   h_t = z * h_{t-1} + (1 - z) * h~
#
# reset_after=True has two bias vectors, b (2, 3H): b[0] is added to the input projection,
# b[1] to the recurrent one (inside the reset gate's product). reset_after=False has b (3H,).
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GRUStepCache:
    """What `gru_step_backward` needs: the step's inputs, its gates and the candidate."""
    x: np.ndarray        # (N, D)
    h_prev: np.ndarray   # (N, H)
    Wx: np.ndarray       # (D, 3H)
    Wh: np.ndarray       # (H, 3H)
    z: np.ndarray        # (N, H) update gate
    r: np.ndarray        # (N, H) reset gate
    h_tilde: np.ndarray  # (N, H) candidate
    rec_h: np.ndarray | None   # (N, H) h_prev @ Wh_h + b[1]_h, what r multiplies (reset_after=True only)
    reset_after: bool


@dataclass(frozen=True)
class GRUCache:
    """What `gru_backward` needs: inputs, weights, and the gates and states of every step."""
    x: np.ndarray        # (N, T, D)
    h0: np.ndarray       # (N, H)
    Wx: np.ndarray       # (D, 3H)
    Wh: np.ndarray       # (H, 3H)
    z: np.ndarray        # (N, T, H)
    r: np.ndarray        # (N, T, H)
    h_tilde: np.ndarray  # (N, T, H)
    rec_h: np.ndarray | None   # (N, T, H) reset_after=True only
    h: np.ndarray        # (N, T, H)
    reset_after: bool


def _gru_weights(func, Wx, Wh, b, D):
    """Check the GRU weights; the shape of b says the layout. Returns Wx, Wh, b, H, reset_after."""
    Wx, Wh, b, H = _gate_weights(func, Wx, Wh, b, D, 3, "[z, r, h]")
    if b.shape not in ((2, 3 * H), (3 * H,)):
        raise ValueError(f"{func}: b should have shape (2, 3H) = {fmt((2, 3 * H))} (reset_after=True, Keras' default: "
                         f"input and recurrent bias) or (3H,) = {fmt((3 * H,))} (reset_after=False), got {fmt(b.shape)}")
    return Wx, Wh, b, H, b.ndim == 2


def _gru_cell(xw, h_prev, Wh, b_rec, reset_after, H):
    """One GRU step from the input projection xw = x @ Wx + b_input (N, 3H).

    Returns h_next (N, H), zr (N, 2H): the gates z and r side by side, h_tilde (N, H), and
    rec_h (N, H), the recurrent term the reset gate multiplies (None when reset_after=False)."""
    if reset_after:
        hw = h_prev @ Wh + b_rec                      # (N, 3H): all three recurrent products at once
    else:
        hw = h_prev @ Wh[:, :2 * H]                   # (N, 2H): z and r only; h~ needs r first
    zr = sigmoid(xw[:, :2 * H] + hw[:, :2 * H])       # update and reset gates
    z, r = zr[:, :H], zr[:, H:]
    if reset_after:
        rec_h = hw[:, 2 * H:]
        h_tilde = np.tanh(xw[:, 2 * H:] + r * rec_h)                   # reset AFTER the matrix product
    else:
        rec_h = None
        h_tilde = np.tanh(xw[:, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:])  # reset BEFORE the matrix product
    h_next = z * h_prev + (1 - z) * h_tilde
    return h_next, zr, h_tilde, rec_h


def gru_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a GRU (Keras' block order [z, r, h~]).

    x: (N, D), h_prev: (N, H), Wx: (D, 3H), Wh: (H, 3H),
    b: (2, 3H) for reset_after=True (Keras' default) or (3H,) for reset_after=False.
    Returns h_next (N, H) and a cache for `gru_step_backward`.
    """
    func = "gru_step_forward"
    x, h_prev = as_array("x", x, func), as_array("h_prev", h_prev, func)
    expect_ndim(func, "x", x, 2, "(N, D)")
    N, D = x.shape
    Wx, Wh, b, H, reset_after = _gru_weights(func, Wx, Wh, b, D)
    expect_shape(func, "h_prev", h_prev, (N, H), "(N, H)")
    dt = float_dtype(x, h_prev, Wx, Wh, b)

    xw = (x @ Wx + (b[0] if reset_after else b)).astype(dt, copy=False)
    h_next, zr, h_tilde, rec_h = _gru_cell(xw, h_prev, Wh, b[1] if reset_after else None, reset_after, H)
    return h_next, GRUStepCache(x, h_prev, Wx, Wh, *_blocks(zr, 2), h_tilde, rec_h, reset_after)


def _gru_grads(dh, h_prev, z, r, h_tilde, rec_h, WhT, H):
    """Backward through one GRU step, given dh (N, H), the whole gradient on its output.

    WhT is Wh.T, (3H, H). Returns da_x (N, 3H), the gradient on the input projection
    x @ Wx + b_input (blocks [z, r, h~]); da_rec (N, 3H), on the recurrent projection
    h_prev @ Wh + b[1] (reset_after=True, when rec_h is given; None otherwise); and dh_prev (N, H).
    """
    dz = dh * (h_prev - h_tilde)                        # h_next = z * h_prev + (1 - z) * h~
    da_h = dh * (1 - z) * (1 - h_tilde ** 2)            # through (1 - z) and the candidate's tanh
    dh_prev = dh * z
    if rec_h is not None:                               # reset_after=True: h~ = tanh(... + r * rec_h)
        dr = da_h * rec_h
    else:                                               # reset_after=False: h~ = tanh(... + (r * h_prev) @ Wh_h)
        d_rh = da_h @ WhT[2 * H:]                       # gradient on r * h_prev
        dr = d_rh * h_prev
        dh_prev = dh_prev + d_rh * r
    da_x = np.concatenate([dz * z * (1 - z), dr * r * (1 - r), da_h], axis=1)
    if rec_h is not None:
        da_rec = np.concatenate([da_x[:, :2 * H], da_h * r], axis=1)
        return da_x, da_rec, dh_prev + da_rec @ WhT
    return da_x, None, dh_prev + da_x[:, :2 * H] @ WhT[:2 * H]


def gru_step_backward(dh_next, cache: GRUStepCache):
    """Backward pass of one GRU step.

    dh_next: (N, H), the gradient of the loss with respect to h_next.
    Returns dx (N, D), dh_prev (N, H), dWx (D, 3H), dWh (H, 3H), db (same shape as b).
    """
    func = "gru_step_backward"
    dh_next = as_array("dh_next", dh_next, func)
    expect_shape(func, "dh_next", dh_next, cache.h_prev.shape, "(N, H)")
    H = cache.h_prev.shape[1]

    da_x, da_rec, dh_prev = _gru_grads(dh_next, cache.h_prev, cache.z, cache.r, cache.h_tilde, cache.rec_h,
                                       cache.Wh.T, H)
    dx = da_x @ cache.Wx.T
    dWx = cache.x.T @ da_x
    if cache.reset_after:
        dWh = cache.h_prev.T @ da_rec
        db = np.stack([da_x.sum(axis=0), da_rec.sum(axis=0)])
    else:
        dWh = np.concatenate([cache.h_prev.T @ da_x[:, :2 * H], (cache.r * cache.h_prev).T @ da_x[:, 2 * H:]], axis=1)
        db = da_x.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db


def gru_forward(x, h0, Wx, Wh, b):
    """Run a GRU over a whole sequence.

    x: (N, T, D), h0: (N, H), Wx: (D, 3H), Wh: (H, 3H), b: (2, 3H) (reset_after=True) or (3H,)
    Returns h: (N, T, H), the hidden state at every step, and a cache for `gru_backward`.
    """
    func = "gru_forward"
    x, h0 = as_array("x", x, func), as_array("h0", h0, func)
    expect_ndim(func, "x", x, 3, "(N, T, D)")
    N, T, D = x.shape
    Wx, Wh, b, H, reset_after = _gru_weights(func, Wx, Wh, b, D)
    expect_shape(func, "h0", h0, (N, H), "(N, H)")
    dt = float_dtype(x, h0, Wx, Wh, b)

    xw = (x @ Wx + (b[0] if reset_after else b)).astype(dt, copy=False)   # all T input projections: (N, T, 3H)
    zr = np.empty((N, T, 2 * H), dtype=dt)          # z and r of every step, side by side
    h_tilde, h = np.empty((N, T, H), dtype=dt), np.empty((N, T, H), dtype=dt)
    rec_h = np.empty((N, T, H), dtype=dt) if reset_after else None
    h_t = h0
    for t in range(T):
        h_t, zr[:, t], h_tilde[:, t], rec = _gru_cell(xw[:, t], h_t, Wh, b[1] if reset_after else None, reset_after, H)
        if reset_after:
            rec_h[:, t] = rec
        h[:, t] = h_t
    return h, GRUCache(x, h0, Wx, Wh, *_blocks(zr, 2), h_tilde, rec_h, h, reset_after)


def gru_backward(dh, cache: GRUCache):
    """Backpropagation through time for `gru_forward`.

    dh: (N, T, H), the upstream gradient on every hidden state h_t.
    Returns dx (N, T, D), dh0 (N, H), dWx (D, 3H), dWh (H, 3H), db (same shape as b).
    """
    func = "gru_backward"
    dh = as_array("dh", dh, func)
    expect_shape(func, "dh", dh, cache.h.shape, "(N, T, H)")
    N, T, H = dh.shape
    dt = np.result_type(dh, cache.h)

    h_prev = np.concatenate([cache.h0[:, None], cache.h[:, :-1]], axis=1)   # h_{t-1} for every t
    WhT = np.ascontiguousarray(cache.Wh.T)          # (3H, H), contiguous: a faster product in the loop
    da_x = np.empty((N, T, 3 * H), dtype=dt)        # gradient on the input projection of every step
    da_rec = np.empty((N, T, 3 * H), dtype=dt) if cache.reset_after else None
    dh_t = np.zeros((N, H), dtype=dt)               # gradient flowing back from step t+1
    for t in reversed(range(T)):
        rec_h = cache.rec_h[:, t] if cache.reset_after else None
        da_x[:, t], rec, dh_t = _gru_grads(dh[:, t] + dh_t, h_prev[:, t], cache.z[:, t], cache.r[:, t],
                                           cache.h_tilde[:, t], rec_h, WhT, H)
        if cache.reset_after:
            da_rec[:, t] = rec

    flat = lambda a: a.reshape(N * T, a.shape[-1])
    dx = da_x @ cache.Wx.T
    dWx = flat(cache.x).T @ flat(da_x)
    if cache.reset_after:
        dWh = flat(h_prev).T @ flat(da_rec)
        db = np.stack([da_x.sum(axis=(0, 1)), da_rec.sum(axis=(0, 1))])
    else:
        dWh = np.concatenate([flat(h_prev).T @ flat(da_x[..., :2 * H]),
                              flat(cache.r * h_prev).T @ flat(da_x[..., 2 * H:])], axis=1)
        db = da_x.sum(axis=(0, 1))
    return dx, dh_t, dWx, dWh, db
