"""Checks of lesson 15 (speech recognition): ctc_greedy_decode and ctc_loss."""
import numpy as np

from ..reference import ctc as ref_ctc
from . import register
from .probes import Mistake, as_number, diagnose, quiet_call, rng
from .variants import Equations, declare


def greedy_equations(e, logits, blank=0):
    """ctc_greedy_decode as the lesson writes it, with the places a learner can slip marked."""
    logits = np.asarray(logits, dtype=float)
    axis = e.pick("the best symbol of each frame", 1, right="logits.argmax(axis=1)", **{
        "logits.argmax(axis=0), over time": 0})
    best = [int(s) for s in logits.argmax(axis=axis)]
    the_blank = e.pick("the blank", blank, right="the `blank` argument", **{
        "0 whatever `blank` is": 0, "the last class": logits.shape[1] - 1})
    first = e.pick("the order", "merge", right="merge repeats first, then drop blanks", **{
        "blanks dropped before merging repeats": "drop"})
    merge = e.pick("merging repeats", True, right="keep a symbol only if it differs from the previous frame's", **{
        "no merging": False})
    drop = e.pick("dropping blanks", True, right="drop every blank after merging", **{"the blanks kept": False})

    def merged(seq):
        return [s for k, s in enumerate(seq) if k == 0 or s != seq[k - 1]] if merge else list(seq)

    def dropped(seq):
        return [s for s in seq if s != the_blank] if drop else list(seq)

    return {"labels": dropped(merged(best)) if first == "merge" else merged(dropped(best))}


GREEDY_EQUATIONS = Equations(
    "ctc_greedy_decode", greedy_equations, args=("logits", "blank"),
    equations={"the best symbol of each frame": "best path: logits.argmax(axis=1), one symbol per frame",
               "the blank": "drop the symbol `blank` (the argument), not a fixed id",
               "the order": "merge repeats first, then drop blanks (1 1 _ 1 -> [1, 1])",
               "merging repeats": "merge consecutive equal symbols, then drop blanks",
               "dropping blanks": "after merging, remove every blank"},
    wrap=lambda out, a: out["labels"])


def _named_variant(got, args, fallback):
    """The generated variant whose output is `got` (a list), else the fallback hint."""
    for value, hint in GREEDY_EQUATIONS.variants(args).candidates("labels"):
        if list(value) == got:
            return hint
    return fallback


def _one_hot_logits(path, C, scale=5.0):
    """Logits (T, C) whose per-frame argmax is `path`, with a little noise below the winner."""
    r = rng(15)
    logits = r.uniform(-1, 0, (len(path), C))
    logits[np.arange(len(path)), path] = scale
    return logits


def _merge(seq):
    return [int(s) for k, s in enumerate(seq) if k == 0 or s != seq[k - 1]]


def _as_labels(out, what):
    if out is None:
        raise Mistake(f"{what} is None: did you forget a `return` statement? Return a list of ints.")
    if isinstance(out, str):
        raise Mistake(f"{what} is a string ({out!r}); return the label ids as a list of ints, e.g. [1, 1, 2].")
    arr = np.asarray(out)
    if arr.dtype == object or arr.ndim != 1 and arr.size:
        raise Mistake(f"{what} should be a flat list of ints, got {type(out).__name__} of shape {arr.shape}.")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            return [int(v) for v in arr]
        raise Mistake(f"{what} should hold label ids (ints), got {arr.dtype} values {arr.tolist()[:6]}.")
    return [int(v) for v in arr.reshape(-1)]


@register("15.1", "ctc_greedy_decode", "CTC greedy (best-path) decoding", ref_ctc.ctc_greedy_decode,
          shapes="logits (T, C)")
def check_ctc_greedy_decode(ctc_greedy_decode):
    C = 4
    path = np.array([1, 1, 0, 1, 2, 2, 0, 0, 3, 3, 0])      # best path: 1 1 _ 1 2 2 _ _ 3 3 _
    logits = _one_hot_logits(path, C)
    got = _as_labels(quiet_call(ctc_greedy_decode, logits), "ctc_greedy_decode(logits)")
    expected = ref_ctc.ctc_greedy_decode(logits)             # [1, 1, 2, 3]
    if got != expected:
        no_blank = [int(s) for s in path if s != 0]
        wrong = {
            tuple(_merge(no_blank)): "you dropped the blanks BEFORE merging repeats: 1 1 _ 1 became [1] instead of "
                                     "[1, 1]. Merge repeats first, then drop blanks: the blank between two equal "
                                     "labels is what keeps them apart.",
            tuple(no_blank): "repeats were not merged: consecutive equal symbols (1 1 or 2 2) are one label held "
                             "over several frames; merge them (keep a symbol only if it differs from the previous "
                             "frame's), then drop blanks.",
            tuple(_merge(path)): "the blanks (symbol `blank`) were not dropped: after merging repeats, remove every "
                                 "blank.",
            tuple(int(s) for s in path): "that is the best path itself (the argmax of every frame); merge repeats, "
                                         "then drop blanks.",
        }
        by_time = logits.argmax(axis=0)
        wrong.setdefault(tuple(s for s in _merge(by_time) if s != 0),
                         "the argmax ran over time (axis 0); each frame's best symbol is logits.argmax(axis=1).")
        hint = wrong.get(tuple(got))
        if hint:
            raise Mistake(hint)
        raise Mistake(_named_variant(got, (logits, 0), (
            f"decoding the best path 1 1 _ 1 2 2 _ _ 3 3 _ (_ = blank 0) should give {expected}, got {got}: take "
            "argmax per frame, merge repeats, then drop blanks.")))
    # the blank is an argument: here symbol 3 is the blank
    path3 = np.array([1, 3, 1, 2, 2, 3, 0, 0])
    got3 = _as_labels(quiet_call(ctc_greedy_decode, _one_hot_logits(path3, C), 3),
                      "ctc_greedy_decode(logits, blank=3)")
    expected3 = ref_ctc.ctc_greedy_decode(_one_hot_logits(path3, C), 3)    # [1, 1, 2, 0]
    if got3 != expected3:
        if got3 == [s for s in _merge(path3) if s != 0]:
            raise Mistake("the `blank` argument was ignored (blank 0 was dropped with blank=3): compare with "
                          "`blank`, not with 0.")
        raise Mistake(_named_variant(got3, (_one_hot_logits(path3, C), 3), (
            f"with blank=3, the best path 1 3 1 2 2 3 0 0 should decode to {expected3}, got {got3}.")))
    # nothing but blanks: an empty transcript
    got0 = _as_labels(quiet_call(ctc_greedy_decode, _one_hot_logits(np.zeros(6, int), C)),
                      "ctc_greedy_decode of an all-blank path")
    if got0 != []:
        raise Mistake(_named_variant(got0, (_one_hot_logits(np.zeros(6, int), C), 0), (
            f"a path of blanks only should decode to [] (nothing was said), got {got0}.")))


# --------------------------------------------------------------------------------------
# 15.2: the CTC loss by the forward algorithm
# --------------------------------------------------------------------------------------

def ctc_variant(logits, labels, blank=0, mistake=None):
    """The CTC loss with one typical mistake (for naming it), in log space; mistake=None is correct.

    mistakes: "no-log-softmax" (logits used as log-probabilities), "skip-repeats" (a path may skip the blank
    between equal labels), "no-skip" (a path can never skip a blank), "init-blank-only" (starts only in the
    first blank), "init-everywhere" (may start in any state), "end-last-only" / "end-blank-only" (ends only on
    the last label / the last blank), "log-likelihood" (returns +ln p), "probability" (returns p)."""
    logits = np.asarray(logits, np.float64)
    lp = logits if mistake == "no-log-softmax" else ref_ctc.log_softmax(logits)
    z = ref_ctc.extend_with_blanks(np.asarray(labels, int), blank)
    S, T = len(z), len(logits)
    can_skip = np.zeros(S, bool)
    if mistake != "no-skip":
        can_skip[2:] = z[2:] != blank
        if mistake != "skip-repeats":
            can_skip[2:] &= z[2:] != z[:-2]
    alpha = np.full(S, -np.inf)
    if mistake == "init-everywhere":
        alpha = lp[0, z].copy()
    else:
        alpha[0] = lp[0, z[0]]
        if S > 1 and mistake != "init-blank-only":
            alpha[1] = lp[0, z[1]]
    for t in range(1, T):
        step = np.concatenate([[-np.inf], alpha])[:S]                  # from s - 1
        skip = np.where(can_skip, np.concatenate([[-np.inf, -np.inf], alpha])[:S], -np.inf)   # from s - 2
        alpha = np.logaddexp(np.logaddexp(alpha, step), skip) + lp[t, z]
    end = {"end-last-only": alpha[-2], "end-blank-only": alpha[-1]}.get(mistake, np.logaddexp(alpha[-1], alpha[-2]))
    if mistake == "log-likelihood":
        return float(end)
    if mistake == "probability":
        return float(np.exp(end))
    return float(-end)


def ctc_equations(e, logits, labels, blank=0):
    """ctc_loss as the lesson writes it (forward algorithm in log space), with the places a learner can slip
    marked; the hand-written HINTS below name the same mistakes in more words where they win."""
    logits = np.asarray(logits, dtype=float)
    lp = e.pick("the log-probabilities", lambda: ref_ctc.log_softmax(logits), right="a log-softmax of the logits",
                **{"the raw logits": logits, "probabilities (a softmax, not its log)":
                   lambda: np.exp(ref_ctc.log_softmax(logits))})
    lp = lp() if callable(lp) else lp
    z = ref_ctc.extend_with_blanks(np.asarray(labels, int), blank)
    S, T = len(z), len(logits)
    can_skip = np.zeros(S, bool)
    can_skip[2:] = z[2:] != blank
    can_skip = e.pick("the skip from s - 2", can_skip & np.concatenate([[False, False], z[2:] != z[:-2]]),
                      right="z[s] != blank and z[s] != z[s-2]", **{
                          "a skip between equal labels too": can_skip, "no skip at all": np.zeros(S, bool)})
    start = np.full(S, -np.inf)
    start[:2] = lp[0, z[:2]]
    alpha = e.pick("the start", start, right="alpha[0] and alpha[1] only", **{
        "the first blank only": lambda: np.where(np.arange(S) == 0, lp[0, z[0]], -np.inf),
        "every state": lambda: lp[0, z].copy()})
    for t in e.range("t", T, start=1, fix="for t = 1 .. T-1 (frame 0 is the start)"):
        came = np.concatenate([[-np.inf], alpha])[:S]
        skip = np.where(can_skip, np.concatenate([[-np.inf, -np.inf], alpha])[:S], -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, e.pick("the arrival from s - 1", came, right="alpha[s-1]", **{
            "no arrival from s - 1": np.full(S, -np.inf)})), skip) + lp[t, z]
    end = e.pick("the end", np.logaddexp(alpha[-1], alpha[-2]), right="logaddexp(alpha[S-1], alpha[S-2])", **{
        "the last label only (alpha[S-2])": alpha[-2], "the final blank only (alpha[S-1])": alpha[-1]})
    return {"loss": e.pick("the result", -end, right="the loss -ln p", **{
        "+ln p (the sign flipped)": end, "p itself (not a log)": lambda: np.exp(end)})}


CTC_EQUATIONS = Equations(
    "ctc_loss", ctc_equations, args=("logits", "labels", "blank"),
    equations={"the log-probabilities": "lp = logits - logsumexp(logits, axis=1), a log-softmax",
               "the skip from s - 2": "skip from s-2 only if z[s] != blank and z[s] != z[s-2]",
               "the start": "alpha[0] = lp[0, z[0]], alpha[1] = lp[0, z[1]], every other state -inf",
               "t": "for t = 1 .. T-1",
               "the arrival from s - 1": "alpha_new[s] adds up stay (alpha[s]), step (alpha[s-1]) and skip",
               "the end": "return -logaddexp(alpha[S-1], alpha[S-2])",
               "the result": "return -logaddexp(alpha[S-1], alpha[S-2])"},
    wrap=lambda out, a: out["loss"])


HINTS = {
    "no-log-softmax": "the loss changes when a constant is added to every score of a frame: the logits are "
                      "unnormalised. Turn them into log-probabilities first with a log-softmax "
                      "(logits - max, then minus log(sum(exp(...)))).",
    "skip-repeats": "a path skipped the blank between two EQUAL labels: 1 1 must be spelled 1 _ 1, since 1 1 "
                    "merges into one 1. Allow the skip from s-2 only when z[s] is not blank AND z[s] != z[s-2].",
    "no-skip": "no path ever skips a blank: from label s-2 a path may jump straight to the next, different "
               "label s (alpha[t-1, s-2]), which is how '1 2' is spelled without a blank between.",
    "init-blank-only": "the recursion starts only in the first blank; a path may also start on the first label: "
                       "alpha[0, 1] = log p(l1 at frame 0) (wrong initialisation).",
    "init-everywhere": "the recursion starts in every state; a path can only start in the first blank or on the "
                       "first label: alpha[0, 0] and alpha[0, 1], all others -inf (wrong initialisation).",
    "end-last-only": "only paths that end on the last label were counted; a path may also end in the blank "
                     "after it: sum alpha[T-1, S-1] and alpha[T-1, S-2] (with np.logaddexp).",
    "end-blank-only": "only paths that end in the final blank were counted; a path may also end on the last "
                      "label: sum alpha[T-1, S-1] and alpha[T-1, S-2] (with np.logaddexp).",
    "log-likelihood": "the sign is flipped: return the loss -ln p(labels | logits) (a positive number), "
                      "not ln p.",
    "probability": "that is the probability p(labels | logits); return the loss -ln p (and keep the "
                   "computation in log space).",
}


def _loss(fn, logits, labels, blank, what):
    try:
        out = quiet_call(fn, logits, labels, blank)
    except ValueError as exc:
        raise Mistake(f"{what} raised ValueError ({str(exc)[:120]}), but an alignment exists here.") from None
    return as_number(out, what, "-ln p(labels | logits), one number")


def _diagnose_loss(got, logits, labels, blank, what, mistakes):
    expected = ref_ctc.ctc_loss(logits, labels, blank)
    candidates = [(np.array(ctc_variant(logits, labels, blank, m)), HINTS[m]) for m in mistakes]
    if not np.isfinite(got):
        raise Mistake(f"{what} is {got}: a log of 0 or an overflow. Work with log-probabilities throughout and "
                      "add them with np.logaddexp; -inf marks states no path can reach.")
    generated = CTC_EQUATIONS.variants((logits, labels, blank)).candidates("loss")
    diagnose(np.array(got), np.array(expected), what, (c for part in (candidates, generated) for c in part), tol=1e-6)


@register("15.2", "ctc_loss", "CTC loss by the forward algorithm", ref_ctc.ctc_loss, shapes="logits (T, C)")
def check_ctc_loss(ctc_loss):
    r = rng(152)
    order = ["no-log-softmax", "probability", "log-likelihood", "skip-repeats", "no-skip", "init-blank-only",
             "init-everywhere", "end-last-only", "end-blank-only"]
    # 1. distinct labels, a short utterance
    logits = r.normal(0, 1.5, (6, 4)) + 2.0
    got = _loss(ctc_loss, logits, np.array([1, 2]), 0, "ctc_loss(logits (6, 4), [1, 2])")
    _diagnose_loss(got, logits, np.array([1, 2]), 0, "ctc_loss(logits (6, 4), [1, 2])", order)
    # 2. a repeated label: needs the blank between
    logits = r.normal(0, 1.5, (7, 4))
    what = "ctc_loss(logits (7, 4), [1, 1, 3])"
    got = _loss(ctc_loss, logits, np.array([1, 1, 3]), 0, what)
    _diagnose_loss(got, logits, np.array([1, 1, 3]), 0, what, order)
    # 3. adding a constant to a frame's scores changes nothing
    shifted = logits + r.normal(0, 3, (7, 1))
    got_s = _loss(ctc_loss, shifted, np.array([1, 1, 3]), 0, "ctc_loss with shifted logits")
    if not abs(got_s - got) <= 1e-6 * (1 + abs(got)):
        raise Mistake(HINTS["no-log-softmax"])
    # 4. another blank
    logits = r.normal(0, 1.5, (6, 4))
    what = "ctc_loss(logits, [0, 2], blank=3)"
    got = _loss(ctc_loss, logits, np.array([0, 2]), 3, what)
    expected = ref_ctc.ctc_loss(logits, np.array([0, 2]), 3)
    if not abs(got - expected) <= 1e-6 * (1 + abs(expected)):
        raise Mistake(f"with blank=3 and labels [0, 2] the loss should be {expected:.4f}, got {got:.4f}: use the "
                      "`blank` argument for the blank symbol, not 0.")
    # 5. a long utterance: 300 frames, where a product of probabilities underflows
    logits = r.normal(0, 4, (300, 8))
    labels = np.array([1, 2, 2, 3, 4, 5, 1, 1, 2] * 3)
    what = "ctc_loss on 300 frames"
    got = _loss(ctc_loss, logits, labels, 0, what)
    expected = ref_ctc.ctc_loss(logits, labels, 0)
    if not np.isfinite(got) or got == 0 or not abs(got - expected) <= 1e-6 * (1 + abs(expected)):
        raise Mistake(f"on 300 frames the loss should be {expected:.1f}, got {got}: the right answer for short "
                      "inputs but not long ones is the sign of probabilities multiplied in probability space, "
                      "which underflow to 0 after a few hundred frames. Keep alpha in log space: add "
                      "log-probabilities and combine paths with np.logaddexp.")


declare("15.1", GREEDY_EQUATIONS, lambda: [
    (_one_hot_logits(np.array([1, 1, 0, 1, 2, 2, 0, 0, 3, 3, 0]), 4), 0),
    (_one_hot_logits(np.array([1, 3, 1, 2, 2, 3, 0, 0]), 4), 3),
    (_one_hot_logits(np.zeros(6, int), 4), 0)])


def _ctc_probes():
    r = rng(152)
    first = r.normal(0, 1.5, (6, 4)) + 2.0
    second = r.normal(0, 1.5, (7, 4))
    return [(first, np.array([1, 2]), 0), (second, np.array([1, 1, 3]), 0)]


declare("15.2", CTC_EQUATIONS, _ctc_probes)
