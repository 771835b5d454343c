"""The GRU cell in numpy, in Keras' layout: the columns of Wx (D, 3H) and Wh (H, 3H) hold the
blocks [z, r, h~].

    z   = sigmoid(x_t @ Wx_z + h_{t-1} @ Wh_z + b_z)     update gate: how much of the old state to keep
    r   = sigmoid(x_t @ Wx_r + h_{t-1} @ Wh_r + b_r)     reset gate: how much of the old state the candidate sees
    h~  = tanh(x_t @ Wx_h + r * (h_{t-1} @ Wh_h + b'_h) + b_h)   reset_after=True (Keras' default)
    h~  = tanh(x_t @ Wx_h + (r * h_{t-1}) @ Wh_h + b_h)          reset_after=False
    h_t = z * h_{t-1} + (1 - z) * h~

reset_after=True has two bias vectors, b (2, 3H): b[0] is added to the input projection (b_h is
its h~ block), b[1] to the recurrent one, inside the reset gate's product (b'_h is its h~ block).
reset_after=False has b (3H,).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._shapes import as_array, expect_ndim, expect_shape, float_dtype, fmt
from .activations import sigmoid
from .layout import blocks, gate_weights


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
    Wx, Wh, b, H = gate_weights(func, Wx, Wh, b, D, 3, "[z, r, h]")
    if b.shape not in ((2, 3 * H), (3 * H,)):
        raise ValueError(f"{func}: b should have shape (2, 3H) = {fmt((2, 3 * H))} (reset_after=True, Keras' default: "
                         f"input and recurrent bias) or (3H,) = {fmt((3 * H,))} (reset_after=False), got {fmt(b.shape)}")
    return Wx, Wh, b, H, b.ndim == 2


def gru_cell(xw, h_prev, Wh, b_rec, reset_after, H):
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
    h_next, zr, h_tilde, rec_h = gru_cell(xw, h_prev, Wh, b[1] if reset_after else None, reset_after, H)
    return h_next, GRUStepCache(x, h_prev, Wx, Wh, *blocks(zr, 2), h_tilde, rec_h, reset_after)


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
        h_t, zr[:, t], h_tilde[:, t], rec = gru_cell(xw[:, t], h_t, Wh, b[1] if reset_after else None, reset_after, H)
        if reset_after:
            rec_h[:, t] = rec
        h[:, t] = h_t
    return h, GRUCache(x, h0, Wx, Wh, *blocks(zr, 2), h_tilde, rec_h, h, reset_after)


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
