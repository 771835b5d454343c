"""The mistakes derived from the equations (rnnlab/checks/variants.py) and the numerics probes
(rnnlab/checks/numerics.py).

For every exercise whose check declares its equations (`variants.declare`), every generated single-edit
variant is planted as a learner's function, on every probe the check uses: the check must fail it
(no planted mistake passes) with a hint that names the term. Where a hand-written hint says more and
wins, its own words are listed in HANDWRITTEN. Every numpy exercise of lessons 00-12, 15 and 16 must declare its
equations. The issue's named examples, the generator's families and the numerics probes (overflow,
dtype drift, a batch of one, one time step) are tested one by one below.
"""
import json
import time
from pathlib import Path

import numpy as np
import pytest

from rnnlab import checks
from rnnlab import reference as ref
from rnnlab.checks import variants as V
from rnnlab.checks.variants import Equations

from mistakes import assert_hint_names

ROOT = Path(__file__).resolve().parents[2]
KERAS_EXERCISES = {"5.4", "7.2", "8.1"}          # compared layer by layer, not with numpy equations
checks.exercises()                                # load every lesson's checks (they declare their equations)

# (exercise, the edit's site, its kind, its alternative): the words of the hand-written hint that wins over the
# generated one (it says more: the fix in the lesson's words, or why).
HANDWRITTEN = {
    ('0.1', 'the rows|pick', 'pick', 'every row (out[:, indices])'): 'out[:, indices]',
    ('0.1', 'the column|shift', 'shift', -1): 'one column too far left',
    ('0.1', 'the column|shift', 'shift', 1): 'one column too far right',
    ('0.1', 'out|pick', 'pick', 'its complement'): 'zeros and ones are the wrong way round',
    ('1.1', 'the window start|shift', 'shift', 1): 'the windows start one step late',
    ('1.1', 'X|pick', 'pick', 'each window reversed'): 'each window is reversed',
    ('2.2', 'the state h_t|carry', 'carry', None): 'every step starts from h0',
    ('3.2', 'the gradient on h[:, t]|dh_next (from step t + 1)', 'drop', None):
        'the gradient from the future is missing',
    ('3.2', 'da|deriv', 'deriv', ('from', 'h_prev (h[:, t - 1])')): '1 - h_prev**2',
    ('4.1', 'the condition|pick', 'pick', 'no condition (always scaling)'):
        'scaled even though their global norm was below',
    ('4.2', 'k|range', 'bound', 'short'): 'lag 0 (the identity, norm 1) up to lag T-1',
    ('4.2', 'k|range', 'bound', 'late'): 'lag 0 (the identity, norm 1) up to lag T-1',
    ('4.2', 'the step s|shift', 'shift', -1): 'the derivative is taken at the wrong step',
    ('4.2', 'norms[k]|pick', 'pick', 'the Frobenius norm np.linalg.norm(G)'): 'Frobenius norm',
    ('4.3', 'Q|q', 'drop', None): 'matrix is needed',
    ('5.2', 'the first cell state|pick', 'pick', 'zeros'): 'c0 is ignored',
    ('5.2', 'h[:, t]|pick', 'pick', 'c_next'): 'h holds the cell states c_t',
    ('5.2', 'the hidden state h_t|carry', 'carry', None): 'carry the hidden state',
    ('5.2', 'the cell state c_t|carry', 'carry', None): 'carry the cell state',
    ('5.3', 'dc|deriv', 'deriv', 'missing'): 'forgets the tanh',
    ('5.3', 'da_o|pick', 'pick', 'c_next'): 'use tanh(c_next), not c_next',
    ('6.2', 'the state h_t|carry', 'carry', None): 'carry the state',
    ('7.1', 'the time order|pick', 'pick', 'the time steps reversed'): 'the time steps are reversed',
    ('7.1', 'the time order|pick', 'pick', 'the features reversed'): 'the features are in reverse order',
    ('7.3', 'T_max|pick', 'pick', "the first sequence's length"): 'T must be the LONGEST length',
    ('7.3', 'where sequence i goes|pick', 'pick', 'the end of the row (pre-padding)'): 'pre-padding',
    ('7.3', 'the padding value|pick', 'pick', '0'): 'the padding ignores `value`',
    ('9.1', 'weights|softmax', 'axis', 0): 'the batch axis',
    ('9.1', 'the masked scores|pick', 'pick', 'the unmasked scores'): 'The mask is ignored',
    ('9.1', 'the masked scores|pick', 'pick', '0 at the padded positions'): 'a score of 0 still gets weight',
    ('10.1', 'the surprise|pick', 'pick', 'np.log (nats)'): 'nats',
    ('10.1', 'the surprise|pick', 'pick', 'np.log10'): 'log base 10',
    ('10.1', 'the surprise|-log2(p_true)', 'sign', None): 'with a minus sign',
    ('10.2', 'z|pick', 'pick', 'logits * temperature'): 'applied as a multiplication',
    ('10.2', 'z|pick', 'pick', 'logits - temperature'): 'the temperature had no effect',
    ('11.1', 'the kept words|pick', 'pick', 'the last T words'): 'keep the first T words',
    ('11.1', "the unknown words' id|pick", 'pick', '0, the padding id'): 'unknown words got id 0',
    ('11.1', 'the words|pick', 'pick', 'sentence.split(), without lower-casing'): 'lower-case each sentence',
    ('11.2', 'the predictions|pick', 'pick', 'probs < 0.5'): 'the threshold is the wrong way round',
    ('11.2', 'the predictions|pick', 'pick', 'the probabilities themselves'): 'turn them into predictions first',
    ('11.2', 'the slice|pick', 'pick', 'every sentence'): 'the accuracy on ALL sentences',
    ('11.2', 'the accuracy|reduce', 'op', 'sum'): 'the NUMBER of right answers',
    ('11.2', 'the denominator|pick', 'pick', 'all N sentences'): 'you divided by all N sentences',
    ('12.1', 'z|- mean', 'drop', None): 'the training mean is not subtracted',
    ('12.1', 'z|1 / std', 'drop', None): 'not divided by the training std',
    ('12.2', 'mae|act', 'act', 'square'): 'mean SQUARED error',
    ('12.2', 'the squared errors|act', 'act', 'abs'): 'rmse is the root of the MAE',
    ('12.3', 'the scale|reduce', 'op', 'mean'): 'np.mean instead of np.median',
    ('12.3', 'flags|pick', 'pick', '|test_errors| < threshold'): 'the comparison is reversed',
    ('15.1', 'the best symbol of each frame|pick', 'pick', 'logits.argmax(axis=0), over time'): 'axis 0',
    ('15.1', 'the order|pick', 'pick', 'blanks dropped before merging repeats'): 'BEFORE merging',
    ('15.1', 'merging repeats|pick', 'pick', 'no merging'): 'repeats were not merged',
    ('15.1', 'dropping blanks|pick', 'pick', 'the blanks kept'): 'were not dropped',
    ('15.1', 'the blank|pick', 'pick', '0 whatever `blank` is'): 'argument was ignored',
    ('15.2', 'the log-probabilities|pick', 'pick', 'the raw logits'): 'log-softmax',
    ('15.2', 'the skip from s - 2|pick', 'pick', 'no skip at all'): 'skips a blank',
    ('15.2', 'the skip from s - 2|pick', 'pick', 'a skip between equal labels too'): 'EQUAL labels',
    ('15.2', 'the start|pick', 'pick', 'the first blank only'): 'starts only in the first blank',
    ('15.2', 'the start|pick', 'pick', 'every state'): 'starts in every state',
    ('15.2', 'the end|pick', 'pick', 'the last label only (alpha[S-2])'): 'end on the last label',
    ('15.2', 'the end|pick', 'pick', 'the final blank only (alpha[S-1])'): 'end in the final blank',
    ('15.2', 'the result|pick', 'pick', '+ln p (the sign flipped)'): 'sign is flipped',
    ('15.2', 'the result|pick', 'pick', 'p itself (not a log)'): 'that is the probability',
    ('16.1', 'the lag|pick', 'pick', '24 hours whatever the season'): 'argument is ignored',
    ('16.1', 'the lag|pick', 'pick', '168 hours whatever the season'): 'use the argument',
    ('16.1', 'the lag|pick', 'pick', 'season days (24 * season hours)'): 'season is in HOURS',
    ('16.1', 'the lag|pick', 'pick', 'season // 24 hours'): 'season is in HOURS',
    ('16.1', 'the first days|pick', 'pick', '0'): 'fill them with NaN',
    ('16.1', 'the rows|pick', 'pick', 'reshape(24, D).T (wrong axis)'): 'wrong axis',
}


def _planted_cases():
    cases = []
    for ex_id in sorted(V.DECLARED, key=lambda i: tuple(int(p) for p in i.split("."))):
        seen = set()
        for spec, probes in V.DECLARED[ex_id]:
            for args in probes():
                for edits, _ in spec.variants(args, pairs=False).single:
                    ed = edits[0]
                    key = (ed.site, ed.kind, repr(ed.alt))
                    if key not in seen:
                        seen.add(key)
                        cases.append(pytest.param(ex_id, spec, ed, id=f"{ex_id}-{ed.kind}-{ed.site}-{ed.alt}"[:120]))
    return cases


PLANTED = _planted_cases()


@pytest.mark.parametrize("ex_id, spec, edit", PLANTED)
def test_every_generated_variant_fails_with_a_hint_that_names_the_term(ex_id, spec, edit):
    res = checks.evaluate(ex_id, spec.plant(edit))
    assert res.status == checks.FAILED, f"{edit.hint!r} passed: {res.line()}"
    phrase = HANDWRITTEN.get((ex_id, edit.site, edit.kind, edit.alt), edit.term)
    assert phrase.lower() in res.hint.lower(), (edit.term, edit.alt, res.hint)
    assert "compare your code with the instructions step by step" not in res.hint


def test_every_numpy_exercise_of_lessons_00_to_12_declares_its_equations():
    numpy_exercises = ({e.id for e in checks.exercises() if e.lesson <= 12} - KERAS_EXERCISES) | {"15.1", "15.2", "16.1"}
    assert numpy_exercises <= set(V.DECLARED), sorted(numpy_exercises - set(V.DECLARED))


def test_each_declared_exercise_plants_its_families():
    """The variant families the issue lists, where the exercise has the construct."""
    families = {}
    for p in PLANTED:
        ex_id, _, edit = p.values
        families.setdefault(ex_id, set()).add(edit.kind)
    expect = {"2.1": {"drop", "sign", "act", "twice", "T", "swap"},
              "2.2": {"drop", "act", "T", "bound", "carry", "pick"},
              "3.1": {"deriv", "T", "op", "axis", "pick", "drop"},
              "3.2": {"deriv", "acc", "bound", "drop", "sign", "T", "op", "axis"},
              "3.3": {"deriv", "acc", "bound", "T", "drop"},
              "5.1": {"drop", "act", "twice", "global", "swap", "pick"},
              "5.2": {"carry", "bound", "act"},
              "5.3": {"deriv", "drop", "pick", "op", "swap"},
              "6.1": {"drop", "act", "global", "swap"},
              "6.2": {"carry", "bound", "act"},
              "9.1": {"axis", "softmax", "pick"},
              "10.1": {"op", "axis", "shift", "pick", "sign"},
              "12.2": {"take", "op", "axis", "act"},
              "12.3": {"op", "drop", "pick", "act"}}
    for ex_id, kinds in expect.items():
        assert kinds <= families[ex_id], (ex_id, kinds - families[ex_id])
    assert len(PLANTED) >= 400


def test_the_correct_reference_passes_every_declared_check():
    for ex_id in V.DECLARED:
        assert checks.evaluate(ex_id, checks.exercise(ex_id).reference).passed, ex_id


# --------------------------------------------------------------------------------------
# the named examples
# --------------------------------------------------------------------------------------

def rnn_step(f):
    def rnn_step_forward(x, h_prev, Wx, Wh, b):
        h_next = f(x, h_prev, Wx, Wh, b)
        return h_next, ref.RNNStepCache(x, h_prev, Wx, Wh, h_next)
    return rnn_step_forward


def test_x_times_Wx_transposed_with_a_square_matrix_is_named():
    res = assert_hint_names("2.1", rnn_step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh + b)), "Wx is transposed")
    assert "Wx.T" in res.hint


def test_square_probe_weights_are_not_symmetric():
    from rnnlab.checks import lesson02, lesson03
    for probe in (lesson02.step_probe(), lesson03.step_probe()):
        Wx, Wh = probe[2], probe[3]
        assert Wx.shape == Wh.shape == (4, 4)
        assert not np.allclose(Wx, Wx.T) and not np.allclose(Wh, Wh.T)


def step_backward(deriv):
    def rnn_step_backward(dh_next, cache):
        da = dh_next * deriv(cache)
        return (da @ cache.Wx.T, da @ cache.Wh.T, cache.x.T @ da, cache.h_prev.T @ da, da.sum(axis=0))
    return rnn_step_backward


@pytest.mark.parametrize("deriv, phrase", [
    (lambda c: 1 - c.h_prev ** 2, "h_prev"),
    (lambda c: 1 - np.tanh(c.h_next) ** 2, "wrong quantity"),
    (lambda c: 1 - np.arctanh(c.h_next) ** 2, "before the tanh"),
    (lambda c: 1 - c.x ** 2, "from x"),
    (lambda c: (1 - c.h_next) ** 2, "(1 - h_next)**2"),
    (lambda c: c.h_next * (1 - c.h_next), "sigmoid"),
], ids=["h_prev", "tanh twice", "pre-activation", "x", "squared difference", "sigmoid's"])
def test_tanh_derivative_from_the_wrong_quantity_in_3_1_is_named(deriv, phrase):
    assert_hint_names("3.1", step_backward(deriv), phrase)


def lstm_one_gate(gate, act):
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh + b
        acts = {"i": ref.sigmoid, "f": ref.sigmoid, "c": np.tanh, "o": ref.sigmoid}
        acts[gate] = act
        i, f, g, o = (acts[k](a[:, j * H:(j + 1) * H]) for j, k in enumerate("ifco"))
        c_next = f * c_prev + i * g
        h_next = o * np.tanh(c_next)
        return h_next, c_next, ref.LSTMStepCache(x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next)
    return lstm_step_forward


ACTS = {"tanh": np.tanh, "sigmoid": ref.sigmoid, "relu": lambda a: np.maximum(a, 0)}
GATES = {"i": "the input gate i", "f": "the forget gate f", "c": "candidate", "o": "the output gate o"}


@pytest.mark.parametrize("gate", "ifco")
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_a_wrong_activation_on_one_lstm_gate_names_the_gate_and_the_activation(gate, act):
    right = "tanh" if gate == "c" else "sigmoid"
    if act == right:
        return
    res = assert_hint_names("5.1", lstm_one_gate(gate, ACTS[act]), GATES[gate])
    assert {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "ReLU"}[act] in res.hint


def test_sigmoid_and_tanh_swapped_in_the_lstm_is_named():
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh + b
        i, f, o = (np.tanh(a[:, j * H:(j + 1) * H]) for j in (0, 1, 3))
        g = ref.sigmoid(a[:, 2 * H:3 * H])
        c_next = f * c_prev + i * g
        h_next = o * np.tanh(c_next)
        return h_next, c_next, ref.LSTMStepCache(x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next)
    assert_hint_names("5.1", lstm_step_forward, "sigmoid and tanh are swapped")


def gru_one(z_act=ref.sigmoid, r_act=ref.sigmoid, h_act=np.tanh):
    def gru_step_forward(x, h_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        after = b.ndim == 2
        xw = x @ Wx + (b[0] if after else b)
        hw = h_prev @ Wh + (b[1] if after else 0)
        z = z_act(xw[:, :H] + hw[:, :H])
        r = r_act(xw[:, H:2 * H] + hw[:, H:2 * H])
        if after:
            hh = h_act(xw[:, 2 * H:] + r * hw[:, 2 * H:])
        else:
            hh = h_act(xw[:, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:])
        return z * h_prev + (1 - z) * hh, ref.gru_step_forward(x, h_prev, Wx, Wh, b)[1]
    return gru_step_forward


@pytest.mark.parametrize("which, fn, phrases", [
    ("z tanh", gru_one(z_act=np.tanh), ("the update gate z", "tanh")),
    ("r tanh", gru_one(r_act=np.tanh), ("the reset gate r", "tanh")),
    ("z relu", gru_one(z_act=ACTS["relu"]), ("the update gate z", "ReLU")),
    ("h~ relu", gru_one(h_act=ACTS["relu"]), ("the candidate h_tilde", "ReLU")),
    ("h~ sigmoid", gru_one(h_act=ref.sigmoid), ("candidate", "sigmoid")),
    ("swapped", gru_one(z_act=np.tanh, r_act=np.tanh, h_act=ref.sigmoid), ("sigmoid and tanh are swapped",)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_a_single_wrong_gru_activation_names_the_gate_and_the_activation(which, fn, phrases):
    assert_hint_names("6.1", fn, *phrases)


def test_softmax_over_the_wrong_axis_and_averaging_over_every_entry_are_named():
    def dot_attention(queries, values, mask=None):
        s = queries @ values.transpose(0, 2, 1)
        w = np.exp(s - s.max(axis=1, keepdims=True))
        w = w / w.sum(axis=1, keepdims=True)
        return w @ values, w
    assert_hint_names("9.1", dot_attention, "wrong axis")

    def bits_per_char(probs, targets):      # -log2 of the true entries, averaged over the whole (n, V) table
        onehot = np.zeros_like(probs)
        onehot[np.arange(len(targets)), targets] = 1
        bits = float(np.mean(-np.log2(probs) * onehot))
        return bits, 2 ** bits
    assert_hint_names("10.1", bits_per_char, "the surprise of character t")


def test_a_window_mean_instead_of_the_last_value_is_named():
    def naive_errors(X, Y):
        e = X.mean(axis=1, keepdims=True) - Y
        return np.mean(np.abs(e), axis=0), np.sqrt(np.mean(e ** 2, axis=0))
    assert_hint_names("12.2", naive_errors, "the mean of the window")


# --------------------------------------------------------------------------------------
# numerics: overflow, dtype drift, a batch of one, one time step
# --------------------------------------------------------------------------------------

def exp_tanh(a):
    return (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))


def test_a_tanh_written_with_exp_fails_2_1_and_2_2_naming_the_overflow():
    res = assert_hint_names("2.1", rnn_step(lambda x, h, Wx, Wh, b: exp_tanh(x @ Wx + h @ Wh + b)),
                            "overflow", "np.tanh")

    def rnn_forward(x, h0, Wx, Wh, b):
        h, h_t = np.zeros((x.shape[0], x.shape[1], h0.shape[1]), dtype=x.dtype), h0
        for t in range(x.shape[1]):
            h_t = exp_tanh(x[:, t] @ Wx + h_t @ Wh + b)
            h[:, t] = h_t
        return h, ref.RNNCache(x, h0, Wx, Wh, h)
    assert_hint_names("2.2", rnn_forward, "overflow", "np.tanh")
    assert "nan" in res.hint


def test_a_sigmoid_written_with_exp_over_one_plus_exp_fails_5_1_and_6_1():
    sig = lambda a: np.exp(a) / (1 + np.exp(a))
    assert_hint_names("5.1", lstm_one_gate("f", sig), "overflow")
    assert_hint_names("6.1", gru_one(z_act=sig, r_act=sig), "overflow")


def test_the_course_sigmoid_and_a_stable_tanh_pass():
    stable = lambda a: np.sign(a) * (1 - np.exp(-2 * np.abs(a))) / (1 + np.exp(-2 * np.abs(a)))
    assert checks.evaluate("2.1", rnn_step(lambda x, h, Wx, Wh, b: stable(x @ Wx + h @ Wh + b))).passed
    sig = lambda a: 1 / (1 + np.exp(-a))      # divides by inf for very negative a: 0, no nan
    assert checks.evaluate("5.1", lstm_one_gate("f", sig)).passed


@pytest.mark.parametrize("dtype, phrase", [(np.float32, "but the inputs were float64"),
                                           (np.float64, "but the inputs were float32")])
def test_dtype_drift_is_named_both_ways(dtype, phrase):
    def rnn_step_forward(x, h_prev, Wx, Wh, b):
        h_next = np.tanh(x @ Wx + h_prev @ Wh + b).astype(dtype)
        return h_next, ref.RNNStepCache(x, h_prev, Wx, Wh, h_next)
    assert_hint_names("2.1", rnn_step_forward, "dtype drift", phrase)


def test_a_batch_of_one_and_one_time_step_are_probed():
    assert_hint_names("2.1", rnn_step(lambda x, h, Wx, Wh, b: np.squeeze(np.tanh(x @ Wx + h @ Wh + b))),
                      "batch of one", "np.squeeze")

    def rnn_forward(x, h0, Wx, Wh, b):         # hard-codes a time axis that disappears when T = 1
        h, h_t = [], h0
        for t in range(x.shape[1]):
            h_t = np.tanh(x[:, t] @ Wx + h_t @ Wh + b)
            h.append(h_t)
        h = np.squeeze(np.stack(h, axis=1))
        return h, ref.RNNCache(x, h0, Wx, Wh, h)
    assert_hint_names("2.2", rnn_forward, "(N = 1)")


def _hidden_tests():
    nb = json.loads((ROOT / "solutions" / "02_hidden_state.ipynb").read_text())
    return [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in nb["cells"] if "hidden-test" in c.get("metadata", {}).get("tags", [])]


def _hidden_passes(source, name, fn):
    ns = {"np": np, name: fn, "print": lambda *a, **k: None}
    try:
        with np.errstate(all="ignore"):
            exec(compile(source, "<hidden>", "exec"), ns)
    except Exception:
        return False
    return True


def test_nothing_the_hidden_tests_fail_is_told_passed():
    """Every planted variant of 2.1 and 2.2 and the numerics mistakes: when the grader's hidden test fails it,
    the notebook check fails it too."""
    hidden = {("2.1" if "hidden_test_2_1" in s else "2.2"): s for s in _hidden_tests()}
    assert set(hidden) == {"2.1", "2.2"}
    fns = [("2.1", rnn_step(lambda x, h, Wx, Wh, b: exp_tanh(x @ Wx + h @ Wh + b))),
           ("2.1", rnn_step(lambda x, h, Wx, Wh, b: np.squeeze(np.tanh(x @ Wx + h @ Wh + b))))]
    for p in PLANTED:
        ex_id, spec, edit = p.values
        if ex_id in hidden:
            fns.append((ex_id, spec.plant(edit)))
    for ex_id, fn in fns:
        name = checks.exercise(ex_id).name
        if not _hidden_passes(hidden[ex_id], name, fn):
            assert not checks.evaluate(ex_id, fn).passed


# --------------------------------------------------------------------------------------
# the generator itself
# --------------------------------------------------------------------------------------

def _toy(e, x, W, b):
    a = e.sum("a", {"x @ W": x @ e.T("W", W), "b": b})
    h = e.act("h", "tanh", a)
    d = e.deriv("d", "tanh", h, pre=a)
    total = 0
    for t in e.range("t", 3):
        total = e.acc("total", total, h[t])
    return {"h": h, "d": d, "s": e.reduce("s", "sum", h, axis=0, names=("N", "H")),
            "p": e.softmax("p", a, axis=-1, names=("N", "H")), "total": total,
            "last": e.take("last", x, -1, axis=1)}


TOY = Equations("toy", _toy, args=("x", "W", "b"), equations={"a": "a = x @ W + b"}, swaps=[("x", "W")])


def _toy_args():
    r = np.random.default_rng(0)
    return r.standard_normal((4, 4)), r.standard_normal((4, 4)), r.standard_normal(4)


def test_the_generator_offers_every_family_once_and_each_variant_differs():
    edits = TOY.edits(_toy_args())
    kinds = {e.kind for e in edits}
    assert {"drop", "sign", "T", "act", "twice", "deriv", "bound", "acc", "op", "axis", "softmax", "take",
            "swap"} <= kinds
    assert len({(e.site, e.kind, repr(e.alt)) for e in edits}) == len(edits)
    var = TOY.variants(_toy_args(), pairs=False)
    assert len(var.single) >= 20
    for _, out in var.single:
        assert not all(np.allclose(out[k], v) for k, v in var.expected.items())


def test_pairs_of_edits_are_named_when_no_single_edit_explains_the_output():
    args = _toy_args()
    var = TOY.variants(args)
    (a,), (b,) = [e for e, _ in var.single if e[0].site in ("a|b", "W|T") and e[0].kind in ("drop", "T")][:2]
    out, _ = TOY.run(args, (a, b))
    hint = var.explain({k: out[k] for k in ("h", "d")})
    assert hint.startswith("two slips") and "b" in hint and "W is transposed" in hint


def test_a_planted_variant_reproduces_its_edit():
    args = _toy_args()
    var = TOY.variants(args, pairs=False)
    (edit,), out = var.single[0]
    got = TOY.plant(edit)(*args)
    assert all(np.allclose(g, w) for g, w in zip(got, out.values()))


def test_checks_stay_fast_on_planted_mistakes():
    """A check cell must answer well under a second, even on a wrong answer that reaches the pairs."""
    worst = 0.0
    for ex_id in ("2.2", "3.2", "5.2", "5.3", "6.2"):
        def nonsense(*args, **kwargs):
            out = checks.exercise(ex_id).reference(*args, **kwargs)
            return (out[0] * 1.37,) + tuple(out[1:])
        start = time.perf_counter()
        checks.evaluate(ex_id, nonsense)
        worst = max(worst, time.perf_counter() - start)
    assert worst < 1.0, worst
