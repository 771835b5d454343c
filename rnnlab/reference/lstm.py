"""The LSTM cell in numpy, in Keras' layout: the columns of Wx (D, 4H), Wh (H, 4H) and b (4H,)
hold the gate blocks [i, f, c, o] in that order.

    a   = x_t @ Wx + h_{t-1} @ Wh + b        (N, 4H), cut into four (N, H) blocks
    i   = sigmoid(a_i)                       input gate: how much of the candidate to write
    f   = sigmoid(a_f)                       forget gate: how much of the old cell to keep
    c~  = tanh(a_c)                          candidate cell state
    o   = sigmoid(a_o)                       output gate: how much of the cell to show
    c_t = f * c_{t-1} + i * c~
    h_t = o * tanh(c_t)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._shapes import as_array, expect_ndim, expect_shape, float_dtype
from .activations import sigmoid
from .layout import blocks, gate_weights


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



def _lstm_weights(func, Wx, Wh, b, D):
    Wx, Wh, b, H = gate_weights(func, Wx, Wh, b, D, 4, "[i, f, c, o]")
    expect_shape(func, "b", b, (4 * H,), "(4H,)")
    return Wx, Wh, b, H


def _lstm_gates(a, H):
    """The activations of the pre-activations a (N, 4H), blocks [i, f, c, o]: the sigmoid for the
    three gates, tanh for the candidate. Returns one (N, 4H) array in the same block order."""
    g = sigmoid(a)
    g[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])
    return g



def _lstm_cell(a, c_prev, H):
    """One LSTM step from its pre-activations a (N, 4H): returns h_next, c_next and the gates (N, 4H)."""
    g = _lstm_gates(a, H)
    i, f, c_tilde, o = blocks(g, 4)
    c_next = f * c_prev + i * c_tilde
    return o * np.tanh(c_next), c_next, g


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

    h_next, c_next, g = _lstm_cell((x @ Wx + h_prev @ Wh + b).astype(dt, copy=False), c_prev, H)
    return h_next, c_next, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, *blocks(g, 4), c_next)


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
        h_t, c_t, gates[:, t] = _lstm_cell(xw[:, t] + h_t @ Wh, c_t, H)
        c[:, t], h[:, t] = c_t, h_t
    return h, LSTMCache(x, h0, c0, Wx, Wh, *blocks(gates, 4), c, h)


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
