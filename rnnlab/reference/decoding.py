"""Beam search in numpy: the reference of Exercise 17.1 (lesson 17).

A decoder writes one token at a time. `step(prefixes)` gives, for a list of prefixes (lists of
token ids, each starting with the start token), the log-probabilities of the next token:
an array (len(prefixes), V). Beam search keeps the `width` best hypotheses:

    score(y_1..y_t) = log p(y_1) + log p(y_2 | y_1) + ... + log p(y_t | y_<t)    (summed log-probs)

At every step each live hypothesis is extended by every token, and the `width` best extensions by
score survive. A hypothesis that writes the end token is finished: it leaves the beam (it no longer
takes one of the `width` places) and waits in a list. Search stops when the beam is empty or every
hypothesis has `max_len` tokens after the start; unfinished hypotheses of length `max_len` join the
finished ones. The winner maximises score / length**alpha (length normalisation; length counts the
tokens after the start, the end token included). alpha=0 ranks by the raw sum, which favours
short outputs, since every token adds a negative log-probability.
"""
from __future__ import annotations

import numpy as np


def beam_search(step, start: int, end: int, width: int = 3, max_len: int = 20, alpha: float = 1.0):
    """Beam search over `step(prefixes) -> (len(prefixes), V) log-probabilities`.

    Returns (best token list without the start token (the end token included if written),
    its summed log-probability).
    """
    if int(width) < 1:
        raise ValueError(f"beam_search: width must be at least 1, got {width}")
    if int(max_len) < 1:
        raise ValueError(f"beam_search: max_len must be at least 1, got {max_len}")
    beam = [([int(start)], 0.0)]
    finished = []
    for _ in range(int(max_len)):
        logp = np.asarray(step([p for p, _ in beam]), dtype=np.float64)
        if logp.ndim != 2 or logp.shape[0] != len(beam):
            raise ValueError(f"beam_search: step must return (number of prefixes, V) = ({len(beam)}, V) "
                             f"log-probabilities, got shape {logp.shape}")
        total = np.array([s for _, s in beam])[:, None] + logp          # (k, V) summed log-probs
        flat = np.argsort(-total, axis=None, kind="stable")[:int(width)]
        new_beam = []
        for f in flat:
            k, tok = divmod(int(f), logp.shape[1])
            if not np.isfinite(total[k, tok]):
                continue
            hyp = (beam[k][0] + [tok], float(total[k, tok]))
            (finished if tok == end else new_beam).append(hyp)
        beam = new_beam
        if not beam:
            break
    finished += beam                                                     # reached max_len
    if not finished:
        raise ValueError("beam_search: no hypothesis with a finite score (all log-probabilities -inf?)")

    def normalised(h):
        return h[1] / (len(h[0]) - 1) ** alpha

    best = max(finished, key=normalised)
    return best[0][1:], best[1]
