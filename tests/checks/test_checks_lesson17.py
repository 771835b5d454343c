"""Lesson 17: the beam-search check passes the reference and names each planted mistake."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.checks import lesson17
from rnnlab.reference import decoding as ref_dec

from mistakes import assert_hint_names, planted


def learner(mistake=None):
    """A learner's beam_search, written independently of the check, with one planted mistake."""
    def beam_search(step, start, end, width=3, max_len=20, alpha=1.0):
        beam = [([start], 1.0 if mistake == "multiplies probabilities" else 0.0)]
        finished = []
        steps = max_len + {"stops early": -1, "one step more": 1}.get(mistake, 0)
        for _ in range(steps):
            if not beam:
                break
            logp = np.asarray(step([p for p, _ in beam]))
            cands = []
            for (prefix, score), row in zip(beam, logp):
                for tok, lp in enumerate(row):
                    if not np.isfinite(lp):
                        continue
                    if mistake == "multiplies probabilities":
                        new = score * np.exp(lp)
                    elif mistake == "last step only":
                        new = lp
                    else:
                        new = score + lp
                    cands.append((prefix + [tok], new))
            if mistake == "keeps finished":
                cands += [h for h in finished]
                finished = []
            cands.sort(key=lambda h: -h[1])
            kept = cands[:width]
            if mistake == "keeps finished":
                finished = [h for h in kept if h[0][-1] == end]
                beam = [h for h in kept if h[0][-1] != end]
                continue
            finished += [h for h in kept if h[0][-1] == end]
            beam = [h for h in kept if h[0][-1] != end]
        pool = finished + beam
        if mistake == "no length normalisation":
            best = max(pool, key=lambda h: h[1])
        else:
            best = max(pool, key=lambda h: h[1] / (len(h[0]) - 1) ** alpha)
        if mistake == "returns start":
            return best[0], best[1]
        return best[0][1:], best[1]
    return beam_search


BEAM_MISTAKES = {
    "multiplies probabilities": "multiplied probabilities instead of adding log-probabilities",
    "last step only": "last step's log-probability only",
    "no length normalisation": "no length normalisation",
    "keeps finished": "kept finished hypotheses in the beam",
    "stops early": "off by one in the maximum length",
    "one step more": "off by one in the maximum length",
    "returns start": "start with the start token",
}


def test_the_independent_learner_version_without_mistakes_passes():
    assert checks.evaluate("17.1", learner()).status == checks.PASSED
    assert checks.evaluate("17.1", ref_dec.beam_search).status == checks.PASSED


@pytest.mark.parametrize("wrong, phrase", planted(BEAM_MISTAKES, build=learner))
def test_beam_search_check_names_the_mistake(wrong, phrase):
    assert_hint_names("17.1", wrong, phrase)


def test_not_attempted_and_wrong_return_type():
    def beam_search(step, start, end, width=3, max_len=20, alpha=1.0):
        raise NotImplementedError
    assert checks.evaluate("17.1", beam_search).status == checks.NOT_ATTEMPTED

    def returns_list(step, start, end, width=3, max_len=20, alpha=1.0):
        return ref_dec.beam_search(step, start, end, width, max_len, alpha)[0]
    assert_hint_names("17.1", returns_list, "pair (tokens, score)")


def test_the_check_variants_reproduce_the_reference_and_each_mistake_changes_some_probe():
    reference = [ref_dec.beam_search(lesson17.toy_step(p["seed"]), 1, 0, p["width"], p["max_len"], p["alpha"])[0]
                 for p in lesson17.PROBES]
    plain = [lesson17._variant(lesson17.toy_step(p["seed"]), 1, 0, p["width"], p["max_len"], p["alpha"])
             for p in lesson17.PROBES]
    assert plain == reference
    for change, _ in lesson17.MISTAKES:
        wrong = [lesson17._variant(lesson17.toy_step(p["seed"]), 1, 0, p["width"], p["max_len"], p["alpha"], **change)
                 for p in lesson17.PROBES]
        assert wrong != reference, change


def learner_variant(kind):
    """More learner mistakes, written out in full: the beam grows (top `width` of each hypothesis),
    finished hypotheses go on growing, ranking by the last token while the score is summed, probabilities
    added instead of log-probabilities, a finished hypothesis recorded but also kept in the beam, the
    unfinished hypotheses forgotten at max_len, the start token counted in the length."""
    def beam_search(step, start, end, width=3, max_len=20, alpha=1.0):
        beam, finished = [([start], 0.0)], []
        for _ in range(max_len):
            if not beam:
                break
            logp = np.asarray(step([p for p, _ in beam]))
            scores = np.array([s for _, s in beam])
            total = scores[:, None] + (np.exp(logp) if kind == "adds probabilities" else logp)
            rank = logp if kind == "rank by last token" else total
            V = logp.shape[1]
            if kind == "beam grows":
                picks = [(i, int(k)) for i in range(len(beam)) for k in np.argsort(-rank[i])[:width]]
            else:
                picks = [divmod(int(ix), V) for ix in np.argsort(-rank, axis=None)[:width]]
            new = []
            for i, k in picks:
                if not np.isfinite(total[i, k]):
                    continue
                hyp = (beam[i][0] + [k], float(total[i, k]))
                if kind == "records and extends finished" and k == end:
                    finished.append(hyp)
                    new.append(hyp)
                    continue
                (finished if k == end and kind != "extends finished" else new).append(hyp)
            beam = new
        pool = finished if kind == "forgets leftovers" and finished else finished + beam
        length = (lambda h: len(h[0])) if kind == "length counts start" else (lambda h: len(h[0]) - 1)
        best = max(pool, key=lambda h: h[1] / length(h) ** alpha)
        return best[0][1:], best[1]
    return beam_search


@pytest.mark.parametrize("kind, phrase", [
    ("beam grows", "the beam grew"),
    ("extends finished", "went on growing after the end token"),
    ("rank by last token", "last token's log-probability only"),
    ("adds probabilities", "you added probabilities"),
    ("records and extends finished", "stayed in the beam and were extended again"),
    ("forgets leftovers", "still in the beam after max_len steps were dropped"),
    ("length counts start", "counted the start token"),
])
def test_more_beam_mistakes_are_named(kind, phrase):
    assert_hint_names("17.1", learner_variant(kind), phrase)
