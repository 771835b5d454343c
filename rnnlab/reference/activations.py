"""The activations of the course, written once: every cell, model and check uses these."""
from __future__ import annotations

import numpy as np


def sigmoid(a):
    """1 / (1 + exp(-a)), without an overflow warning for very negative a (the result is 0 there)."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))


def softmax(scores, axis: int = -1):
    """Numerically stable softmax: subtract the max first, so exp never overflows."""
    shifted = scores - np.max(scores, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
