"""Sequence data in the shape Keras' recurrent layers read: (samples, timesteps, features).

Lesson 07: reshape a table into (N, T, D), and pad a batch of sequences of different
lengths into one array plus a mask that says which steps are real. numpy only.
"""
from __future__ import annotations

import numpy as np

from .._shapes import as_array, expect_ndim, fmt


def to_rnn_input(table, T: int) -> np.ndarray:
    """Reshape a table whose columns are grouped by feature into (N, T, D).

    table: (N, T * D), columns ordered feature by feature, as in a spreadsheet with the
    columns temp_0 ... temp_{T-1}, wind_0 ... wind_{T-1}. Returns x (N, T, D) with
    x[n, t, d] = table[n, d * T + t], in the table's dtype.
    """
    tab = as_array("table", table, "to_rnn_input")
    expect_ndim("to_rnn_input", "table", tab, 2, "(N, T * D)")
    N, cols = tab.shape
    if T < 1 or cols % T:
        raise ValueError(f"to_rnn_input: table has {cols} columns, not a multiple of T = {T} "
                         f"(expected shape (N, T * D), got {fmt(tab.shape)})")
    return tab.reshape(N, cols // T, T).transpose(0, 2, 1).copy()


def pad_and_mask(seqs, value: float = 0.0):
    """Pad sequences of different lengths at the end ("post") into one batch.

    seqs: a list of N arrays, sequence i of shape (T_i, D). Returns
    x: (N, T_max, D), x[i, :T_i] = seqs[i] and `value` everywhere after, in the sequences' dtype;
    mask: (N, T_max) bool, True at the real steps (t < T_i), False at the padding.
    """
    arrays = [as_array(f"seqs[{i}]", s, "pad_and_mask") for i, s in enumerate(seqs)]
    if not arrays:
        raise ValueError("pad_and_mask: seqs is empty; expected a list of N arrays of shape (T_i, D)")
    for i, a in enumerate(arrays):
        expect_ndim("pad_and_mask", f"seqs[{i}]", a, 2, "(T_i, D)")
    D = arrays[0].shape[1]
    for i, a in enumerate(arrays):
        if a.shape[1] != D:
            raise ValueError(f"pad_and_mask: every sequence needs D = {D} features like seqs[0]; "
                             f"seqs[{i}] has shape {fmt(a.shape)}")
    lengths = np.array([len(a) for a in arrays])
    dtype = np.result_type(*arrays)
    x = np.full((len(arrays), lengths.max(), D), value, dtype=dtype)
    for i, a in enumerate(arrays):
        x[i, :len(a)] = a
    mask = np.arange(lengths.max())[None, :] < lengths[:, None]
    return x, mask
