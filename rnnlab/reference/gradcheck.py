"""Central-difference gradient checking for functions of numpy arrays.

    num = numerical_gradient(lambda: loss(W), W)      # perturbs W in place, restores it
    print(relative_error(analytic, num))              # about 1e-8 or less in float64 is good

What to expect in float64 with h = 1e-5: below 1e-7 means the gradient is right (typically
1e-10 to 1e-8); 1e-7 to 1e-3 usually means a bug in one small term or kinks (ReLU); above
1e-3 means it is wrong. float32 cannot get below about 1e-3: check gradients in float64.
"""
from __future__ import annotations

import numpy as np

GOOD, SUSPICIOUS = 1e-7, 1e-3


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """d f() / d x by central differences; `f` takes no arguments and reads `x`, which is
    perturbed in place one entry at a time and restored exactly."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"numerical_gradient: x should be the numpy array f reads, got {type(x).__name__}")
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        old = x[i].copy()
        x[i] = old + h
        plus = float(np.sum(f()))
        x[i] = old - h
        minus = float(np.sum(f()))
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_of(f, x: np.ndarray, upstream: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradient of sum(f() * upstream) with respect to x: checks a backward pass that
    receives the upstream gradient `upstream` (same shape as f's output)."""
    return numerical_gradient(lambda: np.sum(f() * upstream), x, h)


def relative_error(a, b, elementwise: bool = False) -> float:
    """|a - b| / (|a| + |b|) with Euclidean norms: 0 when equal, 1 when unrelated or opposite.

    The norm form is robust to tiny entries: a correct gradient whose early-time entries have
    vanished to 1e-12 still scores about 1e-9, where the element-wise form
    (`elementwise=True`: max over entries of |a_i - b_i| / (|a_i| + |b_i|)) calls it wrong
    because of round-off in those entries. The norm form is never larger than the
    element-wise one.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ: {a.shape} vs {b.shape}")
    if elementwise:
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12), initial=0.0))
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def verdict(err: float) -> str:
    if err < GOOD:
        return "good"
    if err < SUSPICIOUS:
        return "suspicious: look for a missing term"
    return "wrong"


def check_gradients(f, params: dict, analytic: dict, upstream=None, h: float = 1e-5, report: bool = True) -> dict:
    """Compare analytic gradients with numerical ones for every named parameter.

    f: no-argument function computing the output from the arrays in `params`.
    analytic: {name: gradient}. upstream: the gradient fed to the backward pass (None: ones).
    Returns {name: relative error} and prints one line per parameter when report=True.
    """
    errors = {}
    for name, x in params.items():
        if upstream is None:
            num = numerical_gradient(f, x, h)
        else:
            num = numerical_gradient_of(f, x, upstream, h)
        errors[name] = relative_error(analytic[name], num)
        if report:
            print(f"{name:>6}: relative error {errors[name]:.1e}  ({verdict(errors[name])})")
    return errors
