"""Data for the lessons: generated on the spot (seeded) or read from installed packages.

Nothing here downloads anything. Every generator takes a `seed` and returns the same
arrays for the same arguments on every run.
"""
from __future__ import annotations

import numpy as np

from ._shapes import as_array


def one_hot(indices, vocab_size: int) -> np.ndarray:
    """Encode integer tokens as one-hot rows.

    indices: (T,) integers in [0, vocab_size). Returns (T, vocab_size) float64, with
    row t all zeros except a 1 at column indices[t].
    """
    idx = as_array("indices", indices, "one_hot")
    if idx.ndim != 1:
        raise ValueError(f"one_hot: indices should be 1-D with shape (T,), got shape {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= vocab_size):
        raise ValueError(f"one_hot: indices must lie in [0, {vocab_size}), got values from {idx.min()} to {idx.max()}")
    out = np.zeros((idx.shape[0], vocab_size))
    out[np.arange(idx.shape[0]), idx] = 1.0
    return out


def sliding_windows(seq, k: int):
    """Cut a sequence into fixed windows and next-value targets.

    seq: (T,). Returns X: (T - k, k), where row i is seq[i : i + k], and y: (T - k,),
    where y[i] = seq[i + k], the value that follows the window.
    """
    s = as_array("seq", seq, "sliding_windows")
    if s.ndim != 1:
        raise ValueError(f"sliding_windows: seq should be 1-D with shape (T,), got shape {s.shape}")
    if not 1 <= k < len(s):
        raise ValueError(f"sliding_windows: need 1 <= k < T = {len(s)}, got k = {k}")
    n = len(s) - k
    X = np.stack([s[i:i + k] for i in range(n)])
    return X, s[k:].copy()


def first_symbol_task(n: int, T: int, vocab: int = 2, seed: int = 0):
    """Sequences of random symbols; the label is the sequence's FIRST symbol.

    The answer lies T - 1 steps back from the end: a model that sees only the last k < T
    symbols can do no better than chance (1 / vocab).
    Returns x: (n, T) int, y: (n,) int.
    """
    r = np.random.default_rng(seed)
    x = r.integers(0, vocab, size=(n, T))
    return x, x[:, 0].copy()


def delayed_copy_task(n: int, T: int, lag: int, seed: int = 0):
    """Random bits; the target at step t is the input at step t - lag (0 for t < lag).

    x, y: (n, T) int. A window of the last k inputs can answer only when k > lag.
    """
    r = np.random.default_rng(seed)
    x = r.integers(0, 2, size=(n, T))
    y = np.zeros_like(x)
    y[:, lag:] = x[:, :T - lag]
    return x, y


def noisy_sine(T: int, period: float = 25.0, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """A sine wave of the given period with Gaussian noise: (T,) float64."""
    r = np.random.default_rng(seed)
    t = np.arange(T)
    return np.sin(2 * np.pi * t / period) + noise * r.standard_normal(T)


def arithmetic_sequences(n: int, length: int, start_range=(0, 10), step_range=(1, 3), seed: int = 0):
    """Arithmetic sequences a, a+d, a+2d, ... and the next term.

    Returns x: (n, length) float64 and y: (n,) float64 (the term after the last).
    """
    r = np.random.default_rng(seed)
    a = r.integers(start_range[0], start_range[1] + 1, size=n)
    d = r.integers(step_range[0], step_range[1] + 1, size=n)
    idx = np.arange(length + 1)
    seqs = (a[:, None] + d[:, None] * idx).astype(np.float64)
    return seqs[:, :length], seqs[:, length]


def adding_problem(n: int, T: int, seed: int = 0):
    """The adding problem (Hochreiter and Schmidhuber 1997).

    Each sequence has T steps of two features: a random value in [0, 1) and a marker that
    is 1 at exactly two steps (one in the first half, one in the second half) and 0 elsewhere.
    The target is the sum of the two marked values. Predicting the mean (1.0) gives a mean
    squared error of 1/6 (about 0.167): the chance level.
    Returns x: (n, T, 2) float32 [values, markers] and y: (n,) float32.
    """
    if T < 2:
        raise ValueError(f"adding_problem: need T >= 2 steps to place two markers, got T = {T}")
    if n < 1:
        raise ValueError(f"adding_problem: need n >= 1 sequences, got n = {n}")
    r = np.random.default_rng(seed)
    values = r.random((n, T))
    half = T // 2
    first = r.integers(0, half, size=n)
    second = r.integers(half, T, size=n)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)
    return x, y
