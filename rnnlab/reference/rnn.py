"""The vanilla (Elman) RNN cell in numpy, batch-major, weights in Keras' SimpleRNN layout.

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)

Shapes: N batch, T time steps, D input features, H hidden units. Each `*_forward` returns
`(output, cache)`; the matching `*_backward` takes the upstream gradient and that cache and
returns the gradients of every input, in argument order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._shapes import as_array, expect_ndim, expect_shape, float_dtype
from .layout import state_size


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



def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN.

    x: (N, D), h_prev: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)
    Returns h_next: (N, H) and a cache for `rnn_step_backward`.
    """
    f = "rnn_step_forward"
    x, h_prev = as_array("x", x, f), as_array("h_prev", h_prev, f)
    expect_ndim(f, "x", x, 2, "(N, D)")
    N, D = x.shape
    H = state_size(f, "h_prev", h_prev, x, N)
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
    H = state_size(f, "h0", h0, x, N)
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
