"""The checks of lesson 11 pass the reference and name each planted mistake."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.data import reviews

from mistakes import assert_hint_names, planted


def make_encoder(order="sorted", pad="post", keep="first", unknown=1, lower=True, reserve=2, dtype=int,
                 extend_given=False, strict_lookup=False, pair_order="ids-first"):
    """A family of encode_sentences variants, each with one planted mistake."""
    def encode_sentences(sentences, T, vocab=None):
        tokens = [s.lower().split() if lower else s.split() for s in sentences]
        if vocab is None or extend_given:
            seen = list(dict.fromkeys(w for ws in tokens for w in ws))
            words = sorted(seen) if order == "sorted" else seen if order == "first-seen" else \
                sorted(seen, key=lambda w: (-sum(ws.count(w) for ws in tokens), w))
            if vocab is None:
                vocab = {"<pad>": 0, "<unk>": 1} if reserve == 2 else ({"<pad>": 0} if reserve == 1 else {})
                for i, w in enumerate(words):
                    vocab[w] = i + reserve
            else:
                for w in words:
                    vocab.setdefault(w, len(vocab))
        ids = np.zeros((len(tokens), T), dtype=dtype)
        for i, ws in enumerate(tokens):
            ws = ws[:T] if keep == "first" else ws[-T:]
            row = [vocab[w] for w in ws] if strict_lookup else [vocab.get(w, unknown) for w in ws]
            if pad == "post":
                ids[i, :len(row)] = row
            else:
                ids[i, T - len(row):] = row
        return (ids, vocab) if pair_order == "ids-first" else (vocab, ids)
    return encode_sentences


ENCODE_MISTAKES = {
    "first-seen order": (make_encoder(order="first-seen"), "first appearance"),
    "frequency order": (make_encoder(order="frequency"), "sorted order"),
    "no reserved ids": (make_encoder(reserve=0), "padding"),
    "only pad reserved": (make_encoder(reserve=1), "reserve the first two ids"),
    "pre-padding": (make_encoder(pad="pre"), "pads at the end"),
    "keeps the last words": (make_encoder(keep="last"), "keep the first T words"),
    "pre-padding and keeps last (Keras default)": (make_encoder(pad="pre", keep="last"), "pads at the end"),
    "unknown -> 0": (make_encoder(unknown=0), "padding id"),
    "KeyError on unknown": (make_encoder(strict_lookup=True), "vocab.get(word, 1)"),
    "extends the given vocab": (make_encoder(extend_given=True), "must not change the vocabulary"),
    "no lower-casing": (make_encoder(lower=False), "lower-case"),
    "float ids": (make_encoder(dtype=float), "integers"),
    "pair reversed": (make_encoder(pair_order="vocab-first"), "wrong way round"),
    "only ids": (lambda s, T, vocab=None: reviews.encode_sentences(s, T, vocab)[0], "only the ids"),
    "pads to the longest": (lambda s, T, vocab=None: reviews.encode_sentences(s, max(len(x.split()) for x in s),
                                                                                vocab), "longest"),
}


@pytest.mark.parametrize("wrong, phrase", planted(ENCODE_MISTAKES))
def test_encode_sentences_check_names_the_mistake(wrong, phrase):
    assert_hint_names("11.1", wrong, phrase)


def test_encode_sentences_variant_without_mistake_passes():
    assert checks.evaluate("11.1", make_encoder()).status == checks.PASSED


def accuracy(kind):
    def slice_accuracy(probs, labels, mask):
        p = np.asarray(probs).reshape(-1)
        if kind == "raw-shape":
            p = np.asarray(probs)
        pred = (p >= 0.5).astype(int)
        if kind == "all":
            return float(np.mean(pred == labels))
        if kind == "outside":
            return float(np.mean(pred[~mask] == labels[~mask]))
        if kind == "count":
            return int(np.sum(pred[mask] == labels[mask]))
        if kind == "divide-by-N":
            return float(np.sum(pred[mask] == labels[mask]) / len(labels))
        if kind == "inverted":
            return float(np.mean((p[mask] < 0.5) == labels[mask]))
        if kind == "probs-vs-labels":
            return float(np.mean(p[mask] == labels[mask]))
        if kind == "zero-division":
            return int(np.sum(pred[mask] == labels[mask])) / int(np.sum(mask))
        if kind == "empty-is-zero":
            return float(np.mean(pred[mask] == labels[mask])) if mask.any() else 0.0
        if kind == "raw-shape":
            return float(np.mean((p >= 0.5)[mask.nonzero()[0]] == labels[mask])) if mask.any() else float("nan")
        if kind == "array":
            return (pred[mask] == labels[mask]).astype(float)
        raise AssertionError(kind)
    return slice_accuracy


ACCURACY_MISTAKES = {
    "all": "ALL sentences",
    "outside": "OUTSIDE the slice",
    "count": "NUMBER of right answers",
    "divide-by-N": "divided by all N",
    "inverted": "wrong way round",
    "probs-vs-labels": "compared probabilities with labels",
    "zero-division": "ZeroDivisionError",
    "empty-is-zero": "float('nan')",
    "raw-shape": "reshape(-1)",
    "array": "one number",
}


@pytest.mark.parametrize("wrong, phrase", planted(ACCURACY_MISTAKES, build=accuracy))
def test_slice_accuracy_check_names_the_mistake(wrong, phrase):
    assert_hint_names("11.2", wrong, phrase)


def test_slice_accuracy_reference_value():
    probs = np.array([[0.9], [0.2], [0.7], [0.4]])
    assert reviews.slice_accuracy(probs, np.array([1, 1, 0, 0]), np.array([True, True, True, False])) == \
        pytest.approx(1 / 3)
