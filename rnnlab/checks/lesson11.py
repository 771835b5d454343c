"""Checks of lesson 11 (sentiment and word prediction): encode_sentences and slice_accuracy."""
import numpy as np

from ..data import reviews
from . import register
from .probes import Mistake, as_number, as_result_array, call, diagnose, expect_shape, quiet_call, unpack

PROBE = ["the cat sat", "a dog ran after the cat"]
PROBE_VOCAB = {"<pad>": 0, "<unk>": 1, "a": 2, "after": 3, "cat": 4, "dog": 5, "ran": 6, "sat": 7, "the": 8}


def _unpack_encode(out):
    """(ids, vocab) from encode_sentences' pair, naming a swapped pair, a vocab that is no dict, ids that are no
    integer array."""
    ids, vocab = unpack(out, "encode_sentences", ("ids", "vocab"), lone="only the ids")
    if isinstance(ids, dict) and not isinstance(vocab, dict):
        raise Mistake("the pair is the wrong way round: return (ids, vocab), ids first.")
    if not isinstance(vocab, dict):
        raise Mistake(f"vocab should be a dict from word to id, got a {type(vocab).__name__}.")
    if isinstance(ids, list):
        raise Mistake("ids is a list; return a numpy integer array of shape (N, T) (np.zeros((N, T), dtype=int)).")
    ids = as_result_array(ids, "ids")
    if not np.issubdtype(ids.dtype, np.integer):
        raise Mistake(f"ids has dtype {ids.dtype}; word ids are integers: create the array with dtype=int "
                      "(an Embedding layer needs integer ids).")
    return ids, vocab


def _check_vocab(vocab):
    words = [w for w in vocab if w not in ("<pad>", "<unk>")]
    if vocab == PROBE_VOCAB:
        return
    if "The" in vocab or "Cat" in vocab:
        raise Mistake("the vocabulary has capitalised words: lower-case each sentence (sentence.lower().split()).")
    if set(vocab) - {"<pad>", "<unk>"} != set(PROBE_VOCAB) - {"<pad>", "<unk>"}:
        extra = sorted(set(vocab) - set(PROBE_VOCAB))
        missing = sorted(set(PROBE_VOCAB) - set(vocab) - {"<pad>", "<unk>"})
        raise Mistake(f"the vocabulary of {PROBE} should hold each distinct word once; "
                      f"extra: {extra}, missing: {missing}. Split on white space: sentence.lower().split().")
    if vocab.get("<pad>") != 0 or vocab.get("<unk>") != 1:
        if 0 in [vocab[w] for w in words]:
            raise Mistake("a word got id 0, but 0 is the padding: reserve '<pad>' -> 0 and '<unk>' -> 1, "
                          "and number the words from 2.")
        raise Mistake("reserve the first two ids: '<pad>' -> 0 and '<unk>' -> 1; the words start at 2.")
    ids = [vocab[w] for w in words]
    if sorted(ids) != list(range(2, 2 + len(words))):
        raise Mistake(f"the word ids should be 2, 3, ..., {1 + len(words)}, each used once; got {sorted(ids)}.")
    by_id = [w for w, _ in sorted(((w, vocab[w]) for w in words), key=lambda p: p[1])]
    first_seen = list(dict.fromkeys(w for s in PROBE for w in s.split()))
    if by_id == first_seen:
        raise Mistake("the words are numbered in order of first appearance; number them in sorted order "
                      "(for i, w in enumerate(sorted(words))) so the ids do not depend on the data's order.")
    raise Mistake("the words are not numbered in sorted order (a set's order changes between runs): "
                  "use sorted(set(words)) so every run gives the same ids.")


@register("11.1", "encode_sentences", "Vocabulary, word ids and padding", reviews.encode_sentences)
def check_encode_sentences(encode_sentences):
    T = 5
    ids, vocab = _unpack_encode(call(encode_sentences, list(PROBE), T))
    _check_vocab(vocab)
    expected, _ = reviews.encode_sentences(PROBE, T)
    if ids.shape == (2, 6):
        raise Mistake(f"ids has shape {ids.shape}: the longest sentence's length; it should be (N, T) = (2, {T}): "
                      "cut longer sentences to their first T words.")
    expect_shape(ids, expected.shape, "ids", "(N, T)")
    first = [PROBE_VOCAB[w] for w in "the cat sat".split()]
    second = [PROBE_VOCAB[w] for w in "a dog ran after the cat".split()]
    diagnose(ids, expected, "ids", [
        (np.array([[0, 0] + first, second[:T]]), "the padding is at the start; this course pads at the end: "
                                                 "the ids first, then zeros."),
        (np.array([first + [0, 0], second[-T:]]), "a long sentence lost its FIRST words: keep the first T words "
                                                  "(words[:T]), not the last ones."),
        (np.array([[0, 0] + first, second[-T:]]), "the padding is at the start and long sentences keep their last "
                                                  "words; this course pads at the end and keeps the first T words."),
        (expected - 2 * (expected > 0), "the ids are off by 2: look the words up in the vocabulary you built."),
    ])
    # a given vocabulary: used as it is, unknown words -> 1, never extended
    given = dict(PROBE_VOCAB)
    try:
        out = call(encode_sentences, ["the bird sat on the mat"], 6, given)
    except KeyError as exc:
        raise Mistake(f"a word that is not in the vocabulary raised KeyError {exc}: map unknown words to 1 "
                      "with vocab.get(word, 1).") from None
    if given != PROBE_VOCAB:
        raise Mistake("encode_sentences added words to the vocabulary it was given: with a given vocab, words it "
                      "does not know become '<unk>' (1); test sentences must not change the vocabulary.")
    ids2, vocab2 = _unpack_encode(out)
    if vocab2 != PROBE_VOCAB:
        raise Mistake("with a given vocab, return that same vocabulary (do not build a new one).")
    expected2, _ = reviews.encode_sentences(["the bird sat on the mat"], 6, PROBE_VOCAB)
    expect_shape(ids2, expected2.shape, "ids (given vocab)", "(N, T)")
    diagnose(ids2, expected2, "ids (given vocab)", [
        (np.where(expected2 == 1, 0, expected2), "unknown words got id 0, the padding id: use 1 ('<unk>') so the "
                                                 "model still sees that a word was there."),
    ])
    # capitals are lower-cased
    ids3, _ = _unpack_encode(call(encode_sentences, ["The Cat sat"], 3, dict(PROBE_VOCAB)))
    diagnose(ids3, np.array([[8, 4, 7]]), "ids of 'The Cat sat'", [
        (np.array([[1, 1, 7]]), "'The' and 'Cat' became unknown: lower-case each sentence before you split it."),
    ])


def _scalar(value, what):
    return as_number(value, what, "a fraction between 0 and 1")


@register("11.2", "slice_accuracy", "Accuracy on a slice of the data", reviews.slice_accuracy)
def check_slice_accuracy(slice_accuracy):
    probs = np.array([0.9, 0.2, 0.7, 0.4, 0.1, 0.8, 0.6, 0.3])
    labels = np.array([1, 1, 0, 0, 0, 1, 1, 0])
    mask = np.array([True, True, True, False, False, True, False, True])
    what = "the accuracy"
    got = _scalar(quiet_call(slice_accuracy, probs, labels, mask), what)
    expected = reviews.slice_accuracy(probs, labels, mask)          # 3 of the 5 masked right: 0.6
    pred = (probs >= 0.5).astype(int)
    diagnose(np.array(got), np.array(expected), what, [
        (np.array(np.mean(pred == labels)), "that is the accuracy on ALL sentences: keep only those where mask is "
                                            "True (probs[mask], labels[mask])."),
        (np.array(np.mean(pred[~mask] == labels[~mask])), "that is the accuracy on the sentences OUTSIDE the slice: "
                                                          "use probs[mask], not probs[~mask]."),
        (np.array(np.sum(pred[mask] == labels[mask])), "that is the NUMBER of right answers; divide by the size of "
                                                       "the slice to get a fraction."),
        (np.array(np.sum(pred[mask] == labels[mask]) / len(labels)), "you divided by all N sentences; divide by the "
                                                                     "number in the slice (mask.sum())."),
        (np.array(np.mean((probs[mask] < 0.5) == labels[mask])), "the threshold is the wrong way round: a "
                                                                 "probability >= 0.5 predicts class 1."),
        (np.array(np.mean(probs[mask] == labels[mask])), "you compared probabilities with labels; turn them into "
                                                         "predictions first: probs >= 0.5."),
        (np.array(0.0), "compare predictions (probs >= 0.5) with the labels: a probability is never exactly 0 or 1."),
    ])
    # probabilities shaped (N, 1), as model.predict returns them
    got = _scalar(quiet_call(slice_accuracy, probs[:, None], labels, mask), what + " with probs of shape (N, 1)")
    if abs(got - expected) > 1e-9:
        raise Mistake("with probs of shape (N, 1) (what model.predict returns) the answer changes: comparing (N, 1) "
                      "with labels (N,) broadcasts to (N, N). Flatten first: probs.reshape(-1).")
    # an empty slice has no accuracy
    try:
        got = _scalar(quiet_call(slice_accuracy, probs, labels, np.zeros(8, dtype=bool)), what + " on an empty slice")
    except ZeroDivisionError:
        raise Mistake("an empty slice raised ZeroDivisionError: return float('nan') when mask has no True "
                      "(np.mean of an empty array gives nan).") from None
    if not np.isnan(got):
        raise Mistake(f"on an empty slice (mask all False) the accuracy is undefined: return float('nan'), not {got}.")
