"""Typos for lesson 10's spelling corrector: words and their counts, candidates within one or two
edits (Norvig's generator: deletes, adjacent transposes, replaces, inserts), typos injected into
held-out text with their true positions, and detection precision/recall.

The language-model side (how probable a corrected text is) lives in `rnnlab.models.charlm`
(`passage_bits`, `continuation_bits`); this module only handles strings and counts, so it runs
without TensorFlow.
"""
from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass

import numpy as np

WORD = re.compile(r"[A-Za-z]+")
LETTERS = string.ascii_lowercase
KINDS = ("delete", "insert", "replace", "transpose")


def word_counts(text: str) -> Counter:
    """How often each word (a run of ASCII letters: `snake_case` counts as two words) occurs in text."""
    if not isinstance(text, str):
        raise TypeError(f"word_counts: expected a str, got {type(text).__name__}")
    return Counter(WORD.findall(text))


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Every word of text as (start, end, word), text[start:end] == word."""
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


def edits1(word: str, letters: str = LETTERS) -> set[str]:
    """Every string one edit away from word: delete, swap two neighbours, replace or insert a letter."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in letters]
    inserts = [a + c + b for a, b in splits for c in letters]
    return set(deletes + transposes + replaces + inserts) - {word}


def candidates(typo: str, counts, min_count: int = 2, max_edits: int = 2) -> tuple[list[str], int]:
    """Known words (counted at least min_count times) one edit from typo; if there are none, two edits.

    Returns (words sorted from most to least frequent, number of edits), or ([], 0) when nothing is
    within max_edits. The typo itself is never a candidate: we correct a word already flagged.
    """
    if max_edits not in (1, 2):
        raise ValueError(f"candidates: max_edits must be 1 or 2, got {max_edits}")
    known = lambda words: sorted((w for w in words if counts.get(w, 0) >= min_count and w != typo),
                                 key=lambda w: (-counts[w], w))
    one = edits1(typo)
    found = known(one)
    if found or max_edits == 1:
        return found, 1 if found else 0
    two = known({e2 for e1 in one for e2 in edits1(e1)})
    return two, 2 if two else 0


def make_typo(word: str, rng: np.random.Generator, kind: str | None = None) -> tuple[str, str]:
    """One random edit of word (kind: delete, insert, replace or transpose; random if None).
    Returns (typo, kind); the typo always differs from word."""
    if len(word) < 2:
        raise ValueError(f"make_typo: {word!r} is too short to misspell")
    for _ in range(100):
        k = kind or KINDS[rng.integers(len(KINDS))]
        i = int(rng.integers(len(word)))
        c = LETTERS[rng.integers(len(LETTERS))]
        if k == "delete":
            t = word[:i] + word[i + 1:]
        elif k == "insert":
            t = word[:i] + c + word[i:]
        elif k == "replace":
            t = word[:i] + c + word[i + 1:]
        elif k == "transpose":
            i = min(i, len(word) - 2)
            t = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            raise ValueError(f"make_typo: kind must be one of {KINDS}, got {kind!r}")
        if t != word:
            return t, k
    raise ValueError(f"make_typo: could not misspell {word!r} with kind {kind!r}")


@dataclass
class Typo:
    start: int          # position of the typo in the corrupted text
    end: int
    original: str       # the word as it was written
    typo: str           # what the corrupted text holds instead
    kind: str


def inject_typos(text: str, counts, rate: float = 0.05, seed: int = 0, min_len: int = 4,
                 min_count: int = 5) -> tuple[str, list[Typo]]:
    """Misspell about `rate` of the eligible words of text (lowercase, at least min_len letters, known
    to counts at least min_count times, so a corrector can find them again), one edit each.

    Returns (corrupted text, the typos with their positions in the corrupted text).
    """
    if not 0 < rate <= 1:
        raise ValueError(f"inject_typos: rate must be in (0, 1], got {rate}")
    rng = np.random.default_rng(seed)
    out, typos, last = [], [], 0
    shift = 0
    for s, e, w in word_spans(text):
        if not (w.islower() and len(w) >= min_len and counts.get(w, 0) >= min_count) or rng.random() >= rate:
            continue
        t, kind = make_typo(w, rng)
        out.append(text[last:s] + t)
        typos.append(Typo(s + shift, s + shift + len(t), w, t, kind))
        shift += len(t) - len(w)
        last = e
    out.append(text[last:])
    return "".join(out), typos


def precision_recall(flagged, truth) -> tuple[float, float]:
    """Precision (flagged words that are typos) and recall (typos that were flagged) of two boolean arrays."""
    flagged, truth = np.asarray(flagged, bool), np.asarray(truth, bool)
    if flagged.shape != truth.shape:
        raise ValueError(f"precision_recall: flagged {flagged.shape} and truth {truth.shape} differ in shape")
    tp = int(np.sum(flagged & truth))
    return tp / max(int(flagged.sum()), 1), tp / max(int(truth.sum()), 1)


@dataclass
class Ranked:
    written: str               # the word as written
    written_bits: float        # bits the model pays for the text as written (word + right context)
    candidates: list           # known words one edit away (two if none at one), most frequent first
    bits: np.ndarray           # bits of the text with each candidate instead

    @property
    def by_model(self):
        """The candidate whose corrected text the model finds most probable (None if no candidate)."""
        return self.candidates[int(np.argmin(self.bits))] if self.candidates else None

    @property
    def by_frequency(self):
        """The most frequent candidate: the word-frequency baseline."""
        return self.candidates[0] if self.candidates else None

    @property
    def gain(self) -> float:
        """Bits saved by the model's best candidate over the text as written (0 if no candidate)."""
        return float(self.written_bits - self.bits.min()) if self.candidates else 0.0


def rank_candidates(model, vocab, text: str, spans, counts, context: int = 32, right: int = 6,
                    k: int = 6, max_edits: int = 2) -> list[Ranked]:
    """For each (start, end, word) of text: the k most frequent known candidates, each scored by the
    character model as the probability of the corrected text (`context` characters before the word,
    the candidate, `right` characters after it), all in one batch. The noisy channel: every candidate
    at the same edit distance is assumed equally likely to be mistyped, so the language model decides.
    """
    from ..models import charlm
    lefts, rights, owners = [], [], []
    per_word = []
    for i, (s, e, w) in enumerate(spans):
        if text[s:e] != w:
            raise ValueError(f"rank_candidates: span {i} says {w!r} but text[{s}:{e}] is {text[s:e]!r}")
        cs = candidates(w, counts, max_edits=max_edits)[0][:k]
        per_word.append(cs)
        for c in [w] + cs:
            lefts.append(text[max(s - context, 0):s])
            rights.append(c + text[e:e + right])
            owners.append(i)
    bits = charlm.continuation_bits(model, vocab, lefts, rights)
    owners = np.array(owners)
    out = []
    for i, (s, e, w) in enumerate(spans):
        b = bits[owners == i]
        out.append(Ranked(w, float(b[0]), per_word[i], b[1:]))
    return out
