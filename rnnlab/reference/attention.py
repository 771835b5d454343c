"""Attention in numpy: Luong's dot-product attention, the reference of Exercise 9.1.

For every decoder position (a query) and every encoder position (a value):

    scores  = queries @ values^T                     (N, Ty, Tx)
    weights = softmax(scores) over the encoder axis  (N, Ty, Tx), each row sums to 1
    context = weights @ values                       (N, Ty, H)

`keras.layers.Attention()([queries, values])` computes the same (use_scale=False, the default).
"""
from __future__ import annotations

import numpy as np

from .._shapes import as_array, expect_ndim, expect_shape, float_dtype
from .activations import softmax


def dot_attention(queries, values, mask=None):
    """Luong (dot-product) attention.

    queries: (N, Ty, H) decoder states; values: (N, Tx, H) encoder outputs;
    mask: (N, Tx) bool or None, False at padding (those positions get weight 0).
    Returns (context (N, Ty, H), weights (N, Ty, Tx)), in the inputs' dtype.
    """
    q = as_array("queries", queries, "dot_attention")
    v = as_array("values", values, "dot_attention")
    expect_ndim("dot_attention", "queries", q, 3, "(N, Ty, H)")
    expect_ndim("dot_attention", "values", v, 3, "(N, Tx, H)")
    N, Ty, H = q.shape
    expect_shape("dot_attention", "values", v, (N, v.shape[1], H), "(N, Tx, H)")
    dtype = float_dtype(q, v)
    scores = (q @ np.swapaxes(v, 1, 2)).astype(dtype, copy=False)          # (N, Ty, Tx)
    if mask is not None:
        m = as_array("mask", mask, "dot_attention").astype(bool)
        expect_shape("dot_attention", "mask", m, (N, v.shape[1]), "(N, Tx)")
        if not m.any(axis=1).all():
            raise ValueError("dot_attention: every sequence needs at least one unmasked position (mask row all False)")
        scores = np.where(m[:, None, :], scores, -np.inf)
    weights = softmax(scores, axis=-1).astype(dtype, copy=False)
    return (weights @ v).astype(dtype, copy=False), weights
