"""Checks of lesson 17 (sequence to sequence): beam_search in numpy.

The learner's beam search runs on small made-up "models": step functions whose log-probabilities are
a fixed pseudo-random function of the prefix. Its answers are compared with the reference and, when
they differ, with the answers of the typical wrong versions (`_variant`), so the hint names the mistake.
"""
import numpy as np

from ..reference import decoding as ref_dec
from . import register
from .probes import Mistake, as_number, quiet_call

END, START, V = 0, 1, 6


def toy_step(seed: int, sharp: float = 2.0):
    """A step function: log-probabilities over V tokens, a pseudo-random function of (seed, prefix).
    The end token (0) grows likelier as the prefix grows; the start token (1) is never written."""
    def step(prefixes):
        out = np.empty((len(prefixes), V))
        for k, p in enumerate(prefixes):
            key = [seed] + [int(t) for t in p]
            logits = sharp * np.random.default_rng(key).standard_normal(V)
            logits[END] += 0.6 * (len(p) - 3)
            logits[START] = -np.inf
            m = logits[np.isfinite(logits)].max()
            out[k] = logits - (m + np.log(np.exp(logits - m).sum()))
        return out
    return step


def _variant(step, start, end, width, max_len, alpha, combine="add", normalise=True, keep_finished=False,
             steps_offset=0, finish_on_end=True, leftovers=True, length_offset=1, extend_finished=False):
    """Beam search with one typical mistake (the defaults give the reference's answer).

    combine: how an extension is scored and ranked: "add" (score + logp), "multiply" (score * p),
    "multiply_log" (score * logp), "last" (score and rank = logp of the last token only), "rank_last"
    (rank by the last token's logp, but keep the summed score)."""
    beam = [([start], 0.0 if combine != "multiply" else 1.0, False, 0.0)]
    finished = []
    for _ in range(max_len + steps_offset):
        live = [h for h in beam if not h[2]]
        if not live:
            break
        logp = np.asarray(step([h[0] for h in live]), dtype=np.float64)
        cands = []
        for k, (p, s, _, _) in enumerate(live):
            for tok in range(logp.shape[1]):
                if not np.isfinite(logp[k, tok]):
                    continue
                lp = logp[k, tok]
                total = {"add": s + lp, "multiply": s * np.exp(lp), "multiply_log": s * lp,
                         "last": lp, "rank_last": s + lp, "add_probs": s + np.exp(lp)}[combine]
                key = lp if combine == "rank_last" else total
                cands.append((p + [tok], total, finish_on_end and tok == end, key))
        if keep_finished:
            cands += [h for h in beam if h[2]]
        cands.sort(key=lambda h: -h[3])
        beam = cands[:width]
        if extend_finished:
            finished += [h for h in beam if h[2]]
            beam = [(p, s, False, k) for p, s, _, k in beam]
        elif not keep_finished:
            finished += [h for h in beam if h[2]]
            beam = [h for h in beam if not h[2]]
    pool = finished + beam if leftovers or not finished else finished

    def rank(h):
        return h[1] / (len(h[0]) - 1 + (1 - length_offset)) ** alpha if normalise else h[1]
    best = max(pool, key=rank)
    return best[0][1:]


PROBES = [dict(seed=s, width=w, max_len=m, alpha=a)
          for s, w, m, a in [(0, 3, 6, 1.0), (1, 2, 5, 1.0), (2, 4, 7, 0.7), (3, 3, 4, 1.0), (4, 5, 8, 1.0),
                             (5, 2, 6, 0.0), (6, 3, 3, 1.0), (7, 4, 6, 1.0), (8, 1, 5, 1.0), (9, 3, 8, 0.5),
                             (10, 2, 4, 1.0), (11, 4, 5, 1.0), (12, 3, 5, 1.0), (13, 2, 6, 1.0), (14, 4, 4, 1.0),
                             (15, 3, 7, 1.0), (16, 2, 3, 1.0), (17, 3, 5, 0.5), (18, 4, 6, 1.0), (19, 2, 8, 1.0)]]

MISTAKES = [
    (dict(combine="last"), "you ranked the hypotheses by the last step's log-probability only: rank by the SUMMED "
                           "log-probability of the whole prefix (the hypothesis's score + logp of the new token)."),
    (dict(normalise=False), "no length normalisation: choose the winner among the finished hypotheses by "
                            "score / length**alpha (length = tokens after the start, end token included); the raw "
                            "sum favours short outputs."),
    (dict(keep_finished=True), "you kept finished hypotheses in the beam: a hypothesis that writes the end token "
                               "leaves the beam (into a list of finished ones) and frees its place for a live one."),
    (dict(steps_offset=-1), "off by one in the maximum length: a hypothesis may grow to max_len tokens after the "
                            "start (loop max_len times), you stopped one step early."),
    (dict(steps_offset=1), "off by one in the maximum length: a hypothesis may grow to at most max_len tokens after "
                           "the start (loop max_len times), you ran one step more."),
    (dict(combine="rank_last"), "you ranked the extensions by the last token's log-probability only: keep the "
                                "`width` best by the SUMMED log-probability of the whole prefix (score + logp)."),
    (dict(combine="multiply_log"), "you multiplied log-probabilities: log-probabilities ADD (log(p1 * p2) = log p1 + "
                                   "log p2), so a hypothesis's score is score + logp."),
    (dict(finish_on_end=False), "hypotheses went on growing after the end token: a hypothesis whose last token is "
                                "`end` is finished; move it to the finished list and do not extend it again."),
    (dict(leftovers=False), "the hypotheses still in the beam after max_len steps were dropped: when the loop ends, "
                            "add the unfinished ones to the finished list (they count as finished) before picking "
                            "the winner."),
    (dict(length_offset=0), "the length in score / length**alpha counted the start token: length = the tokens "
                            "AFTER the start (len(prefix) - 1), end token included."),
    (dict(combine="add_probs"), "you added probabilities (score + p): add LOG-probabilities, score + logp, so the "
                                "score is the log of the product of the tokens' probabilities."),
    (dict(extend_finished=True), "hypotheses that wrote the end token stayed in the beam and were extended again: "
                                 "a finished hypothesis leaves the beam (into the finished list) and frees its "
                                 "place."),
    (dict(combine="multiply"), "you multiplied probabilities instead of adding log-probabilities: a hypothesis's "
                               "score is the SUM of its tokens' log-probabilities (score + logp), which never "
                               "underflows, and the score returned is that sum (a negative number)."),
]


MULTIPLY_HINT = MISTAKES[-1][1]


def _as_ids(out, what):
    if not isinstance(out, tuple) or len(out) != 2:
        raise Mistake(f"{what} should return a pair (tokens, score): the best token list (without the start "
                      f"token) and its summed log-probability; got {type(out).__name__}.")
    ids, score = out
    arr = np.asarray(ids)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise Mistake(f"{what}: the tokens should be a flat list of ints, got {arr.dtype} of shape {arr.shape}.")
    return [int(t) for t in arr], as_number(score, "the score", "the summed log-probability")


@register("17.1", "beam_search", "Beam search with finished hypotheses and length normalisation",
          ref_dec.beam_search, shapes="step(prefixes) -> (len(prefixes), V) log-probabilities")
def check_beam_search(beam_search):
    got_all, exp_all = [], []
    for pr in PROBES:
        model = toy_step(pr["seed"])
        sizes = []

        def step(prefixes, model=model, sizes=sizes):
            sizes.append(len(prefixes))
            return model(prefixes)
        out = quiet_call(lambda *a: beam_search(step, START, END, pr["width"], pr["max_len"], pr["alpha"]))
        if sizes and max(sizes) > pr["width"]:
            raise Mistake(f"with width={pr['width']} your beam asked the model about {max(sizes)} hypotheses at once: "
                          "the beam grew. Keep only the `width` best extensions over ALL hypotheses together "
                          "(not the `width` best of each), so the beam never holds more than `width`.")
        ids, score = _as_ids(out, "beam_search")
        exp_ids, exp_score = ref_dec.beam_search(step, START, END, pr["width"], pr["max_len"], pr["alpha"])
        if ids and ids[0] == START and ids[1:] == exp_ids:
            raise Mistake("your tokens start with the start token: return the tokens written AFTER it.")
        if 0 < score <= 1 and exp_score < 0:
            raise Mistake(MULTIPLY_HINT)
        got_all.append(ids)
        exp_all.append((exp_ids, exp_score, score))
    if all(g == e[0] for g, e in zip(got_all, exp_all)):
        bad = [(e[1], e[2]) for e in exp_all if abs(e[1] - e[2]) > 1e-6]
        if bad:
            raise Mistake(f"the right tokens, but the score returned is {bad[0][1]:.4f} instead of {bad[0][0]:.4f}: "
                          "return the hypothesis's summed log-probability (not normalised by length).")
        return
    # name the typical mistake whose answers agree best with the learner's (on at least 3 in 4 probes, and
    # on more probes than the right answers do)
    right = sum(g == e[0] for g, e in zip(got_all, exp_all))
    best_hint, best_agree = None, max(right, int(np.ceil(0.75 * len(PROBES))) - 1)
    for change, hint in MISTAKES:
        wrong = [_variant(toy_step(pr["seed"]), START, END, pr["width"], pr["max_len"], pr["alpha"], **change)
                 for pr in PROBES]
        agree = sum(w == g for w, g in zip(wrong, got_all))
        if agree > best_agree:
            best_hint, best_agree = hint, agree
    if best_hint:
        raise Mistake(best_hint)
    k = next(i for i, (g, e) in enumerate(zip(got_all, exp_all)) if g != e[0])
    pr = PROBES[k]
    raise Mistake(f"with width={pr['width']}, max_len={pr['max_len']}, alpha={pr['alpha']} your beam search "
                  f"returned {got_all[k]}, expected {exp_all[k][0]}. Extend every live hypothesis by every token, "
                  "keep the `width` best by summed log-probability, move those ending in `end` to a finished list, "
                  "and pick the winner by score / length**alpha.")
