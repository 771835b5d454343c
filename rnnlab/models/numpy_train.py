"""Train a small numpy RNN regressor with any forward/backward pair (lessons 03 and 04).

The model: h = rnn_forward(x, h0, Wx, Wh, b), then a linear read-out y_t = h_t @ Wy + by,
either at every step (many-to-many) or only at the last one (many-to-one). The loss is
0.5 * mean squared error. `forward` and `backward` are passed in, so a lesson trains with
the learner's own `rnn_backward` (or the reference when the exercise is not done).
"""
from __future__ import annotations

import numpy as np

from .. import reference as ref

PARAM_NAMES = ("Wx", "Wh", "b", "Wy", "by")


def blas_threads(n: int = 1):
    """A context manager: numpy's matrix products run on `n` threads inside the block.

    A small RNN's products are too small to gain from threads, and on a busy 2-core machine
    a threaded (32, 1600) @ (1600, 32) product can take 50 ms instead of 0.2 ms while the
    threads wait for each other. (threadpoolctl: does nothing for a BLAS it does not know.)
    """
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=n, user_api="blas")


def init_params(D: int, H: int, O: int = 1, seed: int = 0, wh_scale: float | None = None) -> dict:
    """Wx (D, H), Wh (H, H), b (H,), Wy (H, O), by (O,) in float64.

    Wx and Wy: Glorot-uniform; Wh: a random orthogonal matrix times `wh_scale` (default 1.0),
    so `wh_scale` is exactly Wh's largest singular value; biases zero.
    """
    r = np.random.default_rng(seed)
    glorot = lambda fan_in, fan_out: r.uniform(-1, 1, (fan_in, fan_out)) * np.sqrt(6 / (fan_in + fan_out))
    q, rr = np.linalg.qr(r.standard_normal((H, H)))
    q = q * np.sign(np.diag(rr))
    return {"Wx": glorot(D, H), "Wh": (1.0 if wh_scale is None else wh_scale) * q, "b": np.zeros(H),
            "Wy": glorot(H, O), "by": np.zeros(O)}


def forward_backward(params: dict, x, y, forward=ref.rnn_forward, backward=ref.rnn_backward,
                     h0=None, last_only: bool = False):
    """Loss and gradients of the read-out model.

    x: (N, T, D); y: (N, T, O), or (N, O) with last_only=True; h0: (N, H) or None (zeros).
    Returns (loss, grads, h) with grads a dict like params and h (N, T, H) the states.
    """
    Wx, Wh, b, Wy, by = (params[k] for k in PARAM_NAMES)
    N, T, _ = x.shape
    H = Wh.shape[0]
    h0 = np.zeros((N, H)) if h0 is None else h0
    h, cache = forward(x, h0, Wx, Wh, b)                  # (N, T, H)
    out = h[:, -1] if last_only else h
    pred = out @ Wy + by                                   # (N, O) or (N, T, O)
    loss = 0.5 * np.mean((pred - y) ** 2)
    dpred = (pred - y) / pred.size
    dh = np.zeros_like(h)
    if last_only:
        dh[:, -1] = dpred @ Wy.T
        dWy, dby = out.T @ dpred, dpred.sum(axis=0)
    else:
        dh = dpred @ Wy.T                                   # (N, T, H): a gradient on every h_t
        dWy = out.reshape(-1, H).T @ dpred.reshape(-1, dpred.shape[-1])
        dby = dpred.sum(axis=(0, 1))
    dx, dh0, dWx, dWh, db = backward(dh, cache)
    return float(loss), {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}, h


def predict(params: dict, x, forward=ref.rnn_forward, h0=None, last_only: bool = False):
    """The read-out for x (N, T, D): (N, O) with last_only, else (N, T, O)."""
    N = x.shape[0]
    H = params["Wh"].shape[0]
    h, _ = forward(x, np.zeros((N, H)) if h0 is None else h0, params["Wx"], params["Wh"], params["b"])
    out = h[:, -1] if last_only else h
    return out @ params["Wy"] + params["by"]


def global_norm(grads: dict) -> float:
    """sqrt of the sum of squares of every entry of every gradient."""
    return float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))


class SGD:
    """Plain stochastic gradient descent: p <- p - lr * g."""

    def __init__(self, lr: float = 0.1):
        self.lr = lr

    def step(self, params: dict, grads: dict) -> None:
        for k in params:
            params[k] = params[k] - self.lr * grads[k]


class Adam:
    """Adam (Kingma and Ba 2015): per-parameter steps scaled by running gradient moments."""

    def __init__(self, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        for k in params:
            g = grads[k]
            self.m[k] = self.beta1 * self.m.get(k, 0) + (1 - self.beta1) * g
            self.v[k] = self.beta2 * self.v.get(k, 0) + (1 - self.beta2) * g * g
            m_hat = self.m[k] / (1 - self.beta1 ** self.t)
            v_hat = self.v[k] / (1 - self.beta2 ** self.t)
            params[k] = params[k] - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def train(params: dict, x, y, optimizer, steps: int, batch_size: int | None = None, seed: int = 0,
          forward=ref.rnn_forward, backward=ref.rnn_backward, last_only: bool = False, clip=None,
          max_norm: float = 1.0) -> dict:
    """Train `params` in place for `steps` updates on (x, y), minibatches drawn with `seed`.

    clip: None, or a function clip(grads, max_norm) -> (clipped grads, norm before clipping).
    Returns a history {"loss": [...], "grad_norm": [...]} (the norm before clipping). Stops
    early, with the history so far, if the loss becomes inf or NaN.
    """
    r = np.random.default_rng(seed)
    hist = {"loss": [], "grad_norm": []}
    n = x.shape[0]
    with blas_threads(1):
        _train_loop(params, x, y, optimizer, steps, batch_size, r, forward, backward, last_only, clip,
                    max_norm, hist, n)
    return hist


def _train_loop(params, x, y, optimizer, steps, batch_size, r, forward, backward, last_only, clip, max_norm,
                hist, n):
    for _ in range(steps):
        idx = slice(None) if batch_size is None or batch_size >= n else r.choice(n, batch_size, replace=False)
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads, _ = forward_backward(params, x[idx], y[idx], forward, backward, last_only=last_only)
        norm = global_norm(grads)
        hist["loss"].append(loss)
        hist["grad_norm"].append(norm)
        if not np.isfinite(loss) or not np.isfinite(norm):
            break
        if clip is not None:
            grads, _ = clip(grads, max_norm)
        optimizer.step(params, grads)
