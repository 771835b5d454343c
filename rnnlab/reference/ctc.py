"""Connectionist temporal classification (CTC, Graves et al. 2006) for one utterance, in numpy.

The network emits, at every frame t, scores for C symbols: the labels and one extra "blank".
A frame-level path (one symbol per frame) reads as a label string by merging repeats, then
dropping blanks: `1 1 _ 1 2 2 _` -> `1 1 2`. CTC's loss sums the probability of every path that
reads as the target; the forward algorithm does the sum frame by frame, in log space.

    ctc_loss(logits, labels, blank=0) -> float              # -ln p(labels | logits), = keras.ops.ctc_loss
    ctc_greedy_decode(logits, blank=0) -> list[int]         # best path, = keras.ops.ctc_decode(greedy)
"""
from __future__ import annotations

import numpy as np


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """ln softmax(logits), shifted by the maximum first so exp never overflows."""
    z = logits - logits.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _check_logits(logits) -> np.ndarray:
    logits = np.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(f"logits should have shape (T, C) (one utterance: frames x symbols), got {logits.shape}")
    if not np.issubdtype(logits.dtype, np.floating):
        logits = logits.astype(np.float64)
    return logits


def frames_needed(labels) -> int:
    """The fewest frames that can spell `labels`: one per label, plus a blank between equal neighbours."""
    labels = np.asarray(labels)
    return int(len(labels) + np.sum(labels[1:] == labels[:-1]))


def extend_with_blanks(labels, blank: int = 0) -> np.ndarray:
    """[l1, l2, ..., lL] -> [blank, l1, blank, l2, ..., blank, lL, blank]: (2L + 1,)."""
    z = np.full(2 * len(labels) + 1, blank, dtype=int)
    z[1::2] = labels
    return z


def ctc_loss(logits, labels, blank: int = 0) -> float:
    """-ln p(labels | logits) under CTC, by the forward algorithm in log space.

    logits: (T, C) unnormalised scores of one utterance (log-softmax is applied here);
    labels: 1-D ints in [0, C), none equal to `blank`. Equal to keras.ops.ctc_loss(..., mask_index=blank).
    Raises ValueError when no path of T frames spells the labels, or when a label is the blank.
    """
    logits = _check_logits(logits)
    T, C = logits.shape
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels should be one 1-D sequence of ints, got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels should be integers, got dtype {labels.dtype}")
    labels = labels.astype(int)
    if not 0 <= blank < C:
        raise ValueError(f"blank={blank} is not one of the C={C} symbols")
    if np.any((labels < 0) | (labels >= C)):
        raise ValueError(f"labels must lie in [0, {C}) (C = {C} symbols), got {labels.tolist()}")
    if np.any(labels == blank):
        raise ValueError(f"a label equals the blank ({blank}) at position {int(np.argmax(labels == blank))}: "
                         "labels never contain the blank; it is added between them by CTC itself")
    need = frames_needed(labels)
    if T < need:
        raise ValueError(f"no alignment fits: labels {labels.tolist()} need at least {need} frames "
                         f"(one per label plus a blank between repeated labels), but T = {T}")
    lp = log_softmax(logits.astype(np.float64))
    z = extend_with_blanks(labels, blank)
    S = len(z)
    # a path may skip the blank between two labels, unless they are equal
    can_skip = np.zeros(S, bool)
    can_skip[2:] = (z[2:] != blank) & (z[2:] != z[:-2])
    alpha = np.full(S, -np.inf)
    alpha[0] = lp[0, z[0]]                      # start in the first blank ...
    if S > 1:
        alpha[1] = lp[0, z[1]]                  # ... or on the first label
    for t in range(1, T):
        stay = alpha
        step = np.concatenate([[-np.inf], alpha])[:S]                  # from s - 1
        skip = np.where(can_skip, np.concatenate([[-np.inf, -np.inf], alpha])[:S], -np.inf)   # from s - 2
        alpha = np.logaddexp(np.logaddexp(stay, step), skip) + lp[t, z]
    end = np.logaddexp(alpha[-1], alpha[-2]) if S > 1 else alpha[-1]   # end on the last label or the blank after
    return float(-end)


def ctc_greedy_decode(logits, blank: int = 0) -> list:
    """Best path: the most likely symbol per frame, repeats merged, THEN blanks dropped.

    logits: (T, C) scores (or probabilities) of one utterance. Returns the label sequence as a list of
    ints; equal to keras.ops.ctc_decode(strategy="greedy", mask_index=blank) without its -1 padding.
    """
    logits = _check_logits(logits)
    best = logits.argmax(axis=1)
    merged = [int(s) for k, s in enumerate(best) if k == 0 or s != best[k - 1]]
    return [s for s in merged if s != blank]
