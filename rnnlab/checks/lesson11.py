"""Checks of lesson 11 (sentiment and word prediction): encode_sentences and slice_accuracy."""
import numpy as np

from ..data import reviews
from . import register
from .probes import Mistake, as_number, as_result_array, call, diagnose, expect_shape, quiet_call, unpack
from .variants import Equations, declare


def encode_equations(e, sentences, T, vocab=None):
    """encode_sentences as the lesson writes it (the ids; the vocabulary has its own checks), slips marked."""
    split = e.pick("the words", lambda s: s.lower().split(), right="sentence.lower().split()", **{
        "sentence.split(), without lower-casing": lambda: lambda s: s.split()})
    if vocab is None:
        words = sorted({w for s in sentences for w in split(s)})
        first = e.shift("the first word id", 2, fix="'<pad>' -> 0, '<unk>' -> 1, the words from 2 in sorted order")
        vocab = {"<pad>": 0, "<unk>": 1, **{w: first + i for i, w in enumerate(words)}}
    unknown = e.pick("the unknown words' id", 1, right="1 ('<unk>')", **{"0, the padding id": 0})
    ids = np.full((len(sentences), T), e.pick("the padding id", 0, right="0 ('<pad>')", **{"1 ('<unk>')": 1}),
                  dtype=int)
    for row, s in enumerate(sentences):
        words = split(s)
        kept = e.pick("the kept words", words[:T], right="the first T words, words[:T]", **{
            "the last T words": words[-T:]})
        start = e.pick("the padding", 0, right="at the end", **{"at the start": T - len(kept)})
        ids[row, start:start + len(kept)] = [vocab.get(w, unknown) for w in kept]
    return {"ids": ids}


ENCODE_EQUATIONS = Equations(
    "encode_sentences", encode_equations, args=("sentences", "T", "vocab"),
    equations={"the kept words": "keep the first T words of each sentence, then pad with zeros at the end",
               "the padding": "ids first, then zeros (padding at the end)",
               "the words": "words = sentence.lower().split()",
               "the unknown words' id": "vocab.get(word, 1): unknown words get 1"},
    wrap=lambda out, a: (out["ids"], a[2] if len(a) > 2 and a[2] is not None
                         else reviews.encode_sentences(a[0], a[1])[1]))


def accuracy_equations(e, probs, labels, mask):
    """slice_accuracy as the lesson writes it, with the places a learner can slip marked."""
    p = np.asarray(probs).reshape(-1)
    pred = e.pick("the predictions", p >= 0.5, right="probs >= 0.5", **{
        "probs > 0.5": lambda: p > 0.5, "probs < 0.5": lambda: p < 0.5, "the probabilities themselves": p})
    sel = e.pick("the slice", mask, right="mask", **{"~mask": lambda: ~mask, "every sentence": np.ones_like(mask)})
    right = e.pick("the accuracy", (pred[sel] == labels[sel]).astype(float), right="preds == labels", **{
        "the predictions alone, not compared with the labels": lambda: pred[sel].astype(float)})
    acc = e.reduce("the accuracy", "mean", right, axis=0, names=("the sentences in the slice",))
    return {"accuracy": e.pick("the denominator", acc, right="the size of the slice", **{
        "all N sentences": lambda: right.sum() / len(labels)})}


ACCURACY_EQUATIONS = Equations(
    "slice_accuracy", accuracy_equations, args=("probs", "labels", "mask"),
    equations={"the accuracy": "np.mean(preds[mask] == labels[mask]) with preds = probs >= 0.5",
               "the predictions": "a probability >= 0.5 predicts 1", "the slice": "probs[mask], labels[mask]",
               "the denominator": "divide by mask.sum(), the size of the slice"},
    wrap=lambda out, a: float(out["accuracy"]))

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
    generated = ENCODE_EQUATIONS.variants((list(PROBE), T))
    first = [PROBE_VOCAB[w] for w in "the cat sat".split()]
    second = [PROBE_VOCAB[w] for w in "a dog ran after the cat".split()]
    diagnose(ids, expected, "ids", generated.candidates("ids", first=[
        (np.array([[0, 0] + first, second[:T]]), "the padding is at the start; this course pads at the end: "
                                                 "the ids first, then zeros."),
        (np.array([first + [0, 0], second[-T:]]), "a long sentence lost its FIRST words: keep the first T words "
                                                  "(words[:T]), not the last ones."),
        (np.array([[0, 0] + first, second[-T:]]), "the padding is at the start and long sentences keep their last "
                                                  "words; this course pads at the end and keeps the first T words."),
        (expected - 2 * (expected > 0), "the ids are off by 2: look the words up in the vocabulary you built."),
    ]))
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
    diagnose(ids2, expected2, "ids (given vocab)", ENCODE_EQUATIONS.variants(
            (["the bird sat on the mat"], 6, dict(PROBE_VOCAB))).candidates("ids", first=[
        (np.where(expected2 == 1, 0, expected2), "unknown words got id 0, the padding id: use 1 ('<unk>') so the "
                                                 "model still sees that a word was there."),
    ]))
    # capitals are lower-cased
    ids3, _ = _unpack_encode(call(encode_sentences, ["The Cat sat"], 3, dict(PROBE_VOCAB)))
    diagnose(ids3, np.array([[8, 4, 7]]), "ids of 'The Cat sat'", ENCODE_EQUATIONS.variants(
            (["The Cat sat"], 3, dict(PROBE_VOCAB))).candidates("ids", first=[
        (np.array([[1, 1, 7]]), "'The' and 'Cat' became unknown: lower-case each sentence before you split it."),
    ]))


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
    diagnose(np.array(got), np.array(expected), what, ACCURACY_EQUATIONS.variants((probs, labels, mask)).candidates(
            "accuracy", first=[
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
    ]))
    # a probability of exactly 0.5 predicts 1
    edge = (np.array([0.5, 0.5, 0.2]), np.array([1, 1, 0]), np.array([True, True, True]))
    got = _scalar(quiet_call(slice_accuracy, *edge), what + " with probabilities of exactly 0.5")
    diagnose(np.array(got), np.array(reviews.slice_accuracy(*edge)), what + " with probabilities of exactly 0.5",
             ACCURACY_EQUATIONS.variants(edge).candidates("accuracy"))
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


declare("11.1", ENCODE_EQUATIONS, lambda: [(list(PROBE), 5), (["the bird sat on the mat"], 6, dict(PROBE_VOCAB)),
                                           (["The Cat sat"], 3, dict(PROBE_VOCAB))])
declare("11.2", ACCURACY_EQUATIONS, lambda: [
    (np.array([0.9, 0.2, 0.7, 0.4, 0.1, 0.8, 0.6, 0.3]), np.array([1, 1, 0, 0, 0, 1, 1, 0]),
     np.array([True, True, True, False, False, True, False, True])),
    (np.array([0.5, 0.5, 0.2]), np.array([1, 1, 0]), np.array([True, True, True]))])
