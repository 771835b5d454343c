"""The checks of lesson 15 pass the reference and name each planted mistake (CTC decoding and loss)."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.checks import lesson15
from rnnlab.reference import ctc as ref_ctc

from mistakes import assert_hint_names, planted


def decoder(mistake=None):
    """ctc_greedy_decode with one planted mistake."""
    def ctc_greedy_decode(logits, blank=0):
        logits = np.asarray(logits)
        best = logits.argmax(axis=0 if mistake == "argmax over time" else 1)
        b = 0 if mistake == "ignores blank" else blank
        if mistake == "drops blanks first":
            kept = [int(s) for s in best if s != b]
            return [s for k, s in enumerate(kept) if k == 0 or s != kept[k - 1]]
        merged = [int(s) for k, s in enumerate(best) if k == 0 or s != best[k - 1]]
        if mistake == "no merge":
            merged = [int(s) for s in best]
        if mistake == "keeps blanks":
            return merged
        if mistake == "best path only":
            return [int(s) for s in best]
        out = [s for s in merged if s != b]
        if mistake == "string":
            return " ".join(map(str, out))
        if mistake == "no return":
            return None
        return out
    return ctc_greedy_decode


DECODE_MISTAKES = {
    "drops blanks first": "dropped the blanks BEFORE merging",
    "no merge": "repeats were not merged",
    "keeps blanks": "blanks (symbol `blank`) were not dropped",
    "best path only": "best path itself",
    "argmax over time": "axis 0",
    "ignores blank": "`blank` argument was ignored",
    "string": "list of ints",
    "no return": "return",
}


@pytest.mark.parametrize("wrong, phrase", planted(DECODE_MISTAKES, build=decoder))
def test_ctc_greedy_decode_check_names_the_mistake(wrong, phrase):
    assert_hint_names("15.1", wrong, phrase)


def test_ctc_greedy_decode_reference_and_array_answer_pass():
    assert checks.evaluate("15.1", ref_ctc.ctc_greedy_decode).status == checks.PASSED
    assert checks.evaluate("15.1", lambda lg, blank=0: np.array(decoder()(lg, blank))).status == checks.PASSED


def variant(mistake):
    return lambda logits, labels, blank=0: lesson15.ctc_variant(logits, labels, blank, mistake)


LOSS_MISTAKES = {
    "no-log-softmax": "log-softmax",
    "skip-repeats": "blank between two EQUAL labels",
    "no-skip": "skips a blank",
    "init-blank-only": "wrong initialisation",
    "init-everywhere": "wrong initialisation",
    "end-last-only": "end in the blank after it",
    "end-blank-only": "end on the last label",
    "log-likelihood": "sign is flipped",
    "probability": "return the loss -ln p",
}


@pytest.mark.parametrize("wrong, phrase", planted(LOSS_MISTAKES, build=variant))
def test_ctc_loss_check_names_the_mistake(wrong, phrase):
    assert_hint_names("15.2", wrong, phrase)


def probability_space_loss(logits, labels, blank=0):
    """A textbook forward algorithm multiplying probabilities: right on short inputs, 0 -> inf on long ones."""
    logits = np.asarray(logits, np.float64)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    z = ref_ctc.extend_with_blanks(np.asarray(labels, int), blank)
    S = len(z)
    a = np.zeros(S)
    a[0], a[1] = p[0, z[0]], p[0, z[1]]
    for t in range(1, len(p)):
        n = a.copy()
        n[1:] += a[:-1]
        for s in range(2, S):
            if z[s] != blank and z[s] != z[s - 2]:
                n[s] += a[s - 2]
        a = n * p[t, z]
    return float(-np.log(a[-1] + a[-2]))


def test_probability_space_product_is_caught_as_underflow():
    res = assert_hint_names("15.2", probability_space_loss, "underflow", "log space")
    assert "300 frames" in res.hint


def test_hardcoded_blank_is_named():
    def zero_blank(logits, labels, blank=0):
        return ref_ctc.ctc_loss(logits, labels, 0) if 0 not in list(labels) else 7.0
    assert_hint_names("15.2", zero_blank, "`blank` argument")


def test_raising_where_an_alignment_exists_is_named():
    def picky(logits, labels, blank=0):
        raise ValueError("no alignment")
    assert_hint_names("15.2", picky, "an alignment exists")


def test_ctc_loss_reference_passes_and_stub_is_not_attempted():
    assert checks.evaluate("15.2", ref_ctc.ctc_loss).status == checks.PASSED

    def stub(logits, labels, blank=0):
        raise NotImplementedError("Exercise 15.2")
    assert checks.evaluate("15.2", stub).status == checks.NOT_ATTEMPTED


def test_ctc_variant_without_mistake_is_the_reference():
    r = np.random.default_rng(0)
    logits = r.normal(size=(9, 5))
    assert lesson15.ctc_variant(logits, np.array([1, 1, 3])) == pytest.approx(
        ref_ctc.ctc_loss(logits, np.array([1, 1, 3])))
