"""Lesson 10's spelling corrector: Norvig's edit generator, candidates one edit away before two, typos
injected at known positions, precision/recall, and the noisy-channel ranking with a character model
whose preferences we set by hand."""
from collections import Counter

import numpy as np
import pytest

from rnnlab.data import chars, spelling
from rnnlab.models import charlm


def test_edits1_has_every_kind_of_edit_and_the_expected_size():
    e = spelling.edits1("form")
    assert {"orm", "fom", "from", "fomr", "farm", "forms", "xform"} <= e
    assert "form" not in e
    n = 4
    assert len(e) <= n + (n - 1) + 26 * n + 26 * (n + 1)        # deletes, transposes, replaces, inserts


def test_candidates_prefer_one_edit_then_sort_by_frequency():
    counts = Counter({"from": 900, "form": 45, "farm": 1, "format": 300})
    assert spelling.candidates("frm", counts) == (["from", "form"], 1)      # farm below min_count
    assert spelling.candidates("frmat", counts) == (["format"], 1)
    assert spelling.candidates("fxrmaty", counts) == (["format"], 2)       # nothing at one edit
    assert spelling.candidates("zzzzzz", counts) == ([], 0)
    assert spelling.candidates("form", counts)[0] == ["from"]             # never the word itself
    with pytest.raises(ValueError, match="max_edits"):
        spelling.candidates("frm", counts, max_edits=3)


@pytest.mark.parametrize("kind", spelling.KINDS)
def test_make_typo_is_one_edit_of_the_asked_kind(kind):
    r = np.random.default_rng(0)
    for word in ["return", "value", "self", "import"]:
        typo, k = spelling.make_typo(word, r, kind)
        assert k == kind and typo != word and typo in spelling.edits1(word)
        assert {"delete": -1, "insert": 1, "replace": 0, "transpose": 0}[kind] == len(typo) - len(word)


def test_inject_typos_records_true_positions():
    text = "the value of the result is returned to the caller, and the caller reads the value\n" * 30
    counts = spelling.word_counts(text)
    bad, typos = spelling.inject_typos(text, counts, rate=0.2, seed=0)
    assert 10 < len(typos) < 200
    for t in typos:
        assert bad[t.start:t.end] == t.typo and t.typo != t.original and len(t.original) >= 4
    # undoing the typos gives the text back
    out, last = [], 0
    for t in typos:
        out.append(bad[last:t.start] + t.original)
        last = t.end
    assert "".join(out) + bad[last:] == text
    assert spelling.inject_typos(text, counts, rate=0.2, seed=0) == (bad, typos)     # reproducible
    with pytest.raises(ValueError, match="rate"):
        spelling.inject_typos(text, counts, rate=0)


def test_precision_recall():
    assert spelling.precision_recall([1, 1, 0, 0], [1, 0, 1, 0]) == (0.5, 0.5)
    assert spelling.precision_recall([0, 0], [1, 0]) == (0.0, 0.0)
    with pytest.raises(ValueError, match="shape"):
        spelling.precision_recall([1, 0], [1, 0, 0])


class _Likes:
    """A character model that puts most probability on the characters of one text, in order of
    position: after reading a prefix of `liked`, it expects the next character of `liked`."""
    def __init__(self, vocab, liked):
        self.vocab, self.ids = vocab, vocab.encode(liked)

    def zero_state(self, N=1):
        return np.zeros((N, 1), dtype=np.int64)          # h = how many characters were read

    def step(self, ids, h):
        h = h + 1
        logits = np.zeros((len(ids), self.vocab.size))
        nxt = np.minimum(h[:, 0], len(self.ids) - 1)
        logits[np.arange(len(ids)), self.ids[nxt]] = 6.0
        return logits, h


def test_rank_candidates_follows_the_model_and_the_baseline_follows_counts():
    text = "\nin the frm of a list\n"
    vocab = chars.CharVocab.from_text("abcdefghijklmnopqrstuvwxyz \n")
    counts = Counter({"from": 900, "form": 45})
    s = text.index("frm")
    # the model likes the text with "form"; the baseline answers "from" (more frequent)
    lm = _Likes(vocab, "\n" + text.replace("frm", "form"))
    r = spelling.rank_candidates(lm, vocab, text, [(s, s + 3, "frm")], counts, context=100, right=6)[0]
    assert r.candidates == ["from", "form"] and r.by_frequency == "from" and r.by_model == "form"
    assert r.gain > 0
    lm = _Likes(vocab, "\n" + text.replace("frm", "from"))
    assert spelling.rank_candidates(lm, vocab, text, [(s, s + 3, "frm")], counts, context=100)[0].by_model == "from"
    with pytest.raises(ValueError, match="span 0"):
        spelling.rank_candidates(lm, vocab, text, [(s, s + 3, "xyz")], counts)


def test_continuation_bits_equals_the_sum_of_surprisals():
    vocab = chars.CharVocab.from_text("def add(a, b):\n    return a + b\n" * 5)
    lm = charlm.NumpyCharRNN(charlm.numpy_rnn_init(vocab.size, 8, seed=0))
    left, right = "def add(a", ", b):\n"
    expected = charlm.surprisal(lm, vocab, right, "\n" + left).sum()
    got = charlm.continuation_bits(lm, vocab, [left, "de"], [right, "f"])
    assert np.isclose(got[0], expected)
    assert np.isclose(got[1], charlm.surprisal(lm, vocab, "f", "\nde").sum())
    with pytest.raises(ValueError, match="as many"):
        charlm.continuation_bits(lm, vocab, [left], [])
    with pytest.raises(ValueError, match="at least one character"):
        charlm.continuation_bits(lm, vocab, [left], [""])


def test_passage_bits_matches_surprisal_after_the_warm_up():
    text = "def add(a, b):\n    return a + b\n" * 20
    vocab = chars.CharVocab.from_text(text)
    lm = charlm.NumpyCharRNN(charlm.numpy_rnn_init(vocab.size, 8, seed=0))
    bits = charlm.passage_bits(lm, vocab, text, row=100, warmup=len(text))    # warm-up covers everything
    assert bits.shape == (len(text),)
    assert np.allclose(bits, charlm.surprisal(lm, vocab, text, "\n"))
    short = charlm.passage_bits(lm, vocab, text, row=100, warmup=20)
    assert short.shape == (len(text),) and np.allclose(short[:100], bits[:100])
