"""Generated data sets for the lessons: seeded numpy, nothing downloaded.

Every generator takes a `seed` and returns the same arrays for the same arguments on every run.
Lessons 00-04 (one-hot, windows, noisy sine, arithmetic sequences, the adding problem), 07-08
(ragged majority, sliding parity, look both ways) and 13 (the frequency task).
"""
from __future__ import annotations

import numpy as np

from .._shapes import as_array


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


def ragged_majority(n: int, min_len: int = 5, max_len: int = 21, seed: int = 0):
    """Sequences of -1 / +1 of different (odd) lengths; the label says whether +1 is the majority.

    Every step matters equally, so a model must read the whole sequence, but the sequences
    differ in length: batching them needs padding, and the padding must not disturb the answer.
    Returns seqs: a list of n float32 arrays of shape (T_i, 1) with odd T_i in [min_len, max_len],
    and y: (n,) float32 in {0, 1}.
    """
    if not 1 <= min_len <= max_len:
        raise ValueError(f"ragged_majority: need 1 <= min_len <= max_len, got {min_len} and {max_len}")
    r = np.random.default_rng(seed)
    odd = np.arange(min_len, max_len + 1)
    odd = odd[odd % 2 == 1]
    if odd.size == 0:
        raise ValueError(f"ragged_majority: no odd length between {min_len} and {max_len}")
    lengths = r.choice(odd, size=n)
    seqs = [r.choice([-1.0, 1.0], size=(L, 1)).astype(np.float32) for L in lengths]
    y = np.array([float(s.sum() > 0) for s in seqs], dtype=np.float32)
    return seqs, y


def sliding_parity(n: int, T: int = 20, k: int = 3, seed: int = 0):
    """Random bits; the label at step t is the parity (XOR) of the last k bits x[t-k+1 .. t].

    A per-step task that needs a short memory AND a nonlinear combination of what is
    remembered (no weighted sum of the bits gives their parity). Steps t < k - 1 use the bits
    that exist. Returns x: (n, T, 1) float32 bits and y: (n, T) float32 in {0, 1}.
    """
    if not 1 <= k <= T:
        raise ValueError(f"sliding_parity: need 1 <= k <= T = {T}, got k = {k}")
    r = np.random.default_rng(seed)
    bits = r.integers(0, 2, size=(n, T))
    csum = np.cumsum(bits, axis=1)
    window = csum.copy()
    window[:, k:] -= csum[:, :-k]
    return bits[..., None].astype(np.float32), (window % 2).astype(np.float32)


def look_both_ways(n: int, T: int = 16, K: int = 3, vocab: int = 4, seed: int = 0):
    """Random tokens; the label in the first half is the token K steps AHEAD, in the second half
    the token K steps BEHIND.

    y[:, t] = tokens[:, t + K] for t < T // 2 and tokens[:, t - K] for t >= T // 2. A model that
    reads left to right has not yet seen the answer in the first half (it can only guess,
    1 / vocab), and has it in its past in the second half.
    Returns tokens: (n, T) int64 in [0, vocab) and y: (n, T) int64.
    """
    half = T // 2
    if not 1 <= K <= half or T - half < K:
        raise ValueError(f"look_both_ways: need 1 <= K <= T // 2 = {half}, got K = {K}")
    r = np.random.default_rng(seed)
    tokens = r.integers(0, vocab, size=(n, T))
    y = np.empty_like(tokens)
    y[:, :half] = tokens[:, K:half + K]
    y[:, half:] = tokens[:, half - K:T - K]
    return tokens, y


def frequency_task(n: int, T: int = 20, noise: float = 0.3, seed: int = 0, scale: float = 1.0,
                   offset: float = 0.0):
    """Noisy sine waves: is the wave fast or slow?

    Each sequence is sin(2 pi f t + phase) + noise * N(0, 1) for t = 0..T-1, with f drawn
    uniformly from [0.05, 0.15] cycles per step and a random phase; the label is 1 when
    f > 0.10. `scale` and `offset` turn the values into "raw sensor units"
    (x * scale + offset) for the normalisation experiment.
    Returns x: (n, T, 1) float32 and y: (n,) float32.
    """
    r = np.random.default_rng(seed)
    f = r.uniform(0.05, 0.15, n)
    phase = r.uniform(0, 2 * np.pi, n)
    t = np.arange(T)
    x = np.sin(2 * np.pi * f[:, None] * t + phase[:, None]) + noise * r.standard_normal((n, T))
    return (x * scale + offset)[..., None].astype(np.float32), (f > 0.10).astype(np.float32)
