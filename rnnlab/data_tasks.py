"""Small synthetic sequence tasks for lessons 07 and 08, each built to show one thing.

Seeded and offline like everything in rnnlab.data: the same arguments give the same arrays.
"""
from __future__ import annotations

import numpy as np


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
