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

