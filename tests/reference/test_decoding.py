"""Beam search (lesson 17's reference): exhaustive search agrees on small problems, finished hypotheses
leave the beam, length normalisation and bad inputs behave."""
import itertools

import numpy as np
import pytest

from rnnlab.reference import beam_search
from rnnlab.checks.lesson17 import toy_step


def exhaustive(step, start, end, max_len, alpha):
    """Every output of at most max_len tokens (ending at the first end token), scored like beam search."""
    best, best_key = None, -np.inf
    V = step([[start]]).shape[1]
    for n in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=n):
            if end in seq[:-1] or (n < max_len and seq[-1] != end):
                continue
            prefix, score = [start], 0.0
            for tok in seq:
                score += step([prefix])[0, tok]
                prefix = prefix + [tok]
            key = score / n ** alpha
            if key > best_key:
                best, best_key = (list(seq), score), key
    return best


@pytest.mark.parametrize("seed", range(4))
def test_a_wide_beam_finds_the_exhaustive_optimum(seed):
    step = toy_step(seed)
    ids, score = beam_search(step, 1, 0, width=400, max_len=3, alpha=1.0)
    best_ids, best_score = exhaustive(step, 1, 0, 3, 1.0)
    assert ids == best_ids and np.isclose(score, best_score)


def test_width_one_is_greedy_and_the_tiny_example_needs_width_two():
    table = {(): [0, -np.inf, np.log(.6), np.log(.4)], (2,): [-np.inf, -np.inf, np.log(.45), np.log(.55)],
             (3,): [-np.inf, -np.inf, np.log(.95), np.log(.05)]}

    def step(prefixes):
        rows = []
        for p in prefixes:
            key = tuple(p[1:])
            rows.append([0.0] + [-np.inf] * 3 if len(key) == 2 else table[key])
        rows = np.array(rows, dtype=float)
        rows[:, 0] = np.where(np.array([len(p) == 3 for p in prefixes]), 0.0, -np.inf)
        return rows
    assert beam_search(step, 1, 0, width=1, max_len=3)[0] == [2, 3, 0]
    ids, score = beam_search(step, 1, 0, width=2, max_len=3)
    assert ids == [3, 2, 0] and np.isclose(np.exp(score), 0.4 * 0.95)


def test_length_normalisation_changes_the_winner():
    # end now: log 0.4; or one more token (p 0.6) and then end for sure: log 0.6 per 2 tokens
    def step(prefixes):
        out = np.full((len(prefixes), 3), -np.inf)
        for k, p in enumerate(prefixes):
            if len(p) == 1:
                out[k, 0], out[k, 2] = np.log(0.4), np.log(0.6)
            else:
                out[k, 0] = np.log(0.5)
        return out
    assert beam_search(step, 1, 0, width=2, max_len=3, alpha=0.0)[0] == [0]          # 0.4 > 0.6 * 0.5
    assert beam_search(step, 1, 0, width=2, max_len=3, alpha=1.0)[0] == [2, 0]       # log 0.3 / 2 > log 0.4


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="width must be at least 1"):
        beam_search(toy_step(0), 1, 0, width=0)
    with pytest.raises(ValueError, match=r"\(number of prefixes, V\)"):
        beam_search(lambda p: np.zeros(6), 1, 0)
