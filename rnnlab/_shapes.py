"""Shape and dtype validation that teaches: every error names what was expected and what arrived."""
from __future__ import annotations

import numpy as np


def as_array(name: str, value, func: str) -> np.ndarray:
    """Return `value` as an ndarray (no copy when it already is one) or raise a clear TypeError."""
    if isinstance(value, np.ndarray):
        return value
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{func}: {name} should be a numpy array, got {type(value).__name__}") from exc
    if arr.dtype == object:
        raise TypeError(f"{func}: {name} should be a numeric numpy array, got {type(value).__name__}")
    return arr


def fmt(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def expect_shape(func: str, name: str, arr: np.ndarray, expected: tuple, symbols: str) -> None:
    """Raise ValueError unless arr.shape == expected.

    `symbols` spells the expected shape in letters, e.g. "(N, H)", so the message reads
    "rnn_step_forward: h_prev should have shape (N, H) = (2, 4), got (4, 2)".
    """
    if arr.shape != tuple(expected):
        hint = ""
        if arr.ndim == len(expected) and sorted(arr.shape) == sorted(expected):
            hint = " (the axes look swapped: check the order of batch, time and feature axes)"
        raise ValueError(
            f"{func}: {name} should have shape {symbols} = {fmt(expected)}, got {fmt(arr.shape)}{hint}"
        )


def expect_ndim(func: str, name: str, arr: np.ndarray, ndim: int, symbols: str) -> None:
    if arr.ndim != ndim:
        raise ValueError(
            f"{func}: {name} should be {ndim}-D with shape {symbols}, got {arr.ndim}-D shape {fmt(arr.shape)}"
        )


def float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype a reference function computes in: the inputs' common float type (ints become float64)."""
    dt = np.result_type(*arrays)
    if not np.issubdtype(dt, np.floating):
        dt = np.dtype(np.float64)
    return dt
