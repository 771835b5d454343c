"""The checks of lessons 00-02 pass the reference and name each planted mistake."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.course import progress
from rnnlab.data import synthetic
from rnnlab import reference as ref

from mistakes import assert_hint_names, planted


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise")


@pytest.mark.parametrize("ex", [e.id for e in checks.exercises()])
def test_reference_passes_and_stub_is_not_attempted(ex):
    e = checks.exercise(ex)
    assert checks.evaluate(ex, e.reference).status == checks.PASSED
    assert checks.evaluate(ex, stub).status == checks.NOT_ATTEMPTED
    assert checks.evaluate(ex, None).status == checks.NOT_ATTEMPTED
    assert checks.evaluate(ex, lambda *a, **k: None).status == checks.FAILED


def step(f):
    """Wrap a mistaken h_next formula into the (h_next, cache) contract."""
    return lambda x, h, Wx, Wh, b: (f(x, h, Wx, Wh, b), None)


STEP_MISTAKES = {
    "forgot the bias": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh)), "missing the bias"),
    "forgot tanh": (step(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b), "apply np.tanh"),
    "sigmoid": (step(lambda x, h, Wx, Wh, b: 1 / (1 + np.exp(-(x @ Wx + h @ Wh + b)))), "sigmoid"),
    "swapped Wx and Wh": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wh + h @ Wx + b)), "swapped"),
    "transposed weights": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T + b)), "transposed"),
    "returned h_prev": (step(lambda x, h, Wx, Wh, b: h), "h_prev unchanged"),
    "no memory": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b)), "no memory"),
    "bias outside": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh) + b), "after the tanh"),
    "float64 always": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).astype(np.float64)), "dtype"),
    "only h_next": (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b), "only an array"),
    "in place": (step(lambda x, h, Wx, Wh, b: np.tanh(np.add(x @ Wx, h @ Wh, out=h) + b)), "in place"),
    "wrong shape": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).T), "shape"),
}


@pytest.mark.parametrize("wrong, phrase", planted(STEP_MISTAKES))
def test_rnn_step_forward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("2.1", wrong, phrase)


def forward_with(body):
    def rnn_forward(x, h0, Wx, Wh, b):
        return body(x, h0, Wx, Wh, b), None
    return rnn_forward


def time_major_index(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h, hp = np.zeros((N, T, Wh.shape[0])), h0
    for t in range(T):
        hp, _ = ref.rnn_step_forward(x[t], hp, Wx, Wh, b)
        h[:, t] = hp
    return h


def stale_state(x, h0, Wx, Wh, b):
    return np.stack([ref.rnn_step_forward(x[:, t], h0, Wx, Wh, b)[0] for t in range(x.shape[1])], axis=1)


def stores_previous(x, h0, Wx, Wh, b):
    hs, hp = [], h0
    for t in range(x.shape[1]):
        hs.append(hp)
        hp, _ = ref.rnn_step_forward(x[:, t], hp, Wx, Wh, b)
    return np.stack(hs, axis=1)


def last_only(x, h0, Wx, Wh, b):
    return ref.rnn_forward(x, h0, Wx, Wh, b)[0][:, -1]


def time_major_output(x, h0, Wx, Wh, b):
    return np.swapaxes(ref.rnn_forward(x, h0, Wx, Wh, b)[0], 0, 1)


def float64_buffer(x, h0, Wx, Wh, b):
    return ref.rnn_forward(x, h0, Wx, Wh, b)[0].astype(np.float64)


FORWARD_MISTAKES = {
    "x[t] instead of x[:, t]": (forward_with(time_major_index), "x[:, t]"),
    "never updates the state": (forward_with(stale_state), "update the running state"),
    "stores h_prev": (forward_with(stores_previous), "BEFORE step t"),
    "returns only the last state": (forward_with(last_only), "only the last state"),
    "time-major output": (forward_with(time_major_output), "time-major"),
    "float64 buffer": (forward_with(float64_buffer), "dtype"),
}


@pytest.mark.parametrize("wrong, phrase", planted(FORWARD_MISTAKES))
def test_rnn_forward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("2.2", wrong, phrase)


def test_one_hot_and_windows_mistakes_are_named():
    transposed = lambda idx, V: synthetic.one_hot(idx, V).T
    assert_hint_names("0.1", transposed, "(T, vocab_size)")
    off_by_one = lambda idx, V: np.eye(V)[(np.asarray(idx) + 1) % V]
    assert_hint_names("0.1", off_by_one, "too far right")
    ints = lambda idx, V: np.eye(V, dtype=int)[idx]
    assert_hint_names("0.1", ints, "dtype")

    def one_too_many(seq, k):
        X = np.stack([seq[i:i + k] for i in range(len(seq) - k + 1)])
        return X, np.append(seq[k:], 0)
    assert_hint_names("1.1", one_too_many, "one too many")

    def target_inside(seq, k):
        X, _ = synthetic.sliding_windows(seq, k)
        return X, X[:, -1]
    assert_hint_names("1.1", target_inside, "INSIDE")


def test_a_crash_is_reported_with_its_line_not_raised():
    def rnn_step_forward(x, h_prev, Wx, Wh, b):
        return np.tanh(x @ Wx + h_prev @ Wh + b[:, None]), None
    assert_hint_names("2.1", rnn_step_forward, "raised ValueError (line 2 of rnn_step_forward)")


def test_check_prints_one_line_records_progress_and_falls_back(capsys, private_progress):
    fn = checks.check("2.1", STEP_MISTAKES["forgot the bias"][0])
    assert fn is ref.rnn_step_forward
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["Exercise 2.1 rnn_step_forward: failed. h_next is missing the bias: add b inside the tanh, tanh(x @ Wx + h_prev @ Wh + b)."]
    good = lambda *a: ref.rnn_step_forward(*a)
    assert checks.check("2.1", good) is good
    store = progress.load()
    assert store["exercises"]["2.1"]["status"] == "passed"
    assert store["exercises"]["2.1"]["attempts"] == 2


def test_rechecking_the_swapped_in_reference_does_not_pass(capsys, private_progress):
    fn = checks.check("0.1", stub)
    assert fn is checks.exercise("0.1").reference
    checks.check("0.1", fn)                     # the learner runs the check cell a second time
    assert "not checked" in capsys.readouterr().out.splitlines()[-1]
    assert progress.load()["exercises"]["0.1"]["best"] is None


def test_strict_mode_raises_on_anything_but_a_pass(monkeypatch):
    monkeypatch.setenv("RNNLAB_STRICT", "1")
    with pytest.raises(AssertionError, match="not attempted"):
        checks.check("2.1", stub)
    checks.check("2.1", lambda *a: ref.rnn_step_forward(*a))  # a pass does not raise


def test_cache_is_checked_by_name():
    def no_cache(x, h_prev, Wx, Wh, b):
        return np.tanh(x @ Wx + h_prev @ Wh + b), None
    assert_hint_names("2.1", no_cache, "the cache is None")

    def swapped_cache(x, h_prev, Wx, Wh, b):
        h = np.tanh(x @ Wx + h_prev @ Wh + b)
        return h, ref.RNNStepCache(h_prev, x, Wx, Wh, h)
    assert_hint_names("2.1", swapped_cache, "cache.x is not x")

    def last_state_as_h0(x, h0, Wx, Wh, b):
        h, _ = ref.rnn_forward(x, h0, Wx, Wh, b)
        return h, ref.RNNCache(x, h[:, -1], Wx, Wh, h)
    assert_hint_names("2.2", last_state_as_h0, "cache.h0 is not h0")


def test_loop_off_by_one_and_int_buffers_are_named():
    def range_t_minus_1(x, h0, Wx, Wh, b):
        N, T, D = x.shape
        h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
        hp = h0
        for t in range(T - 1):
            hp, _ = ref.rnn_step_forward(x[:, t], hp, Wx, Wh, b)
            h[:, t] = hp
        return h, ref.RNNCache(x, h0, Wx, Wh, h)
    assert_hint_names("2.2", range_t_minus_1, "range(T - 1)")

    def int_buffer(seq, k):
        X, y = synthetic.sliding_windows(seq, k)
        return X.astype(int), y.astype(int)
    assert_hint_names("1.1", int_buffer, "truncated")

    def empty_buffer(indices, V):
        out = np.full((len(indices), V), 0.5)
        out[np.arange(len(indices)), indices] = 1
        return out
    assert_hint_names("0.1", empty_buffer, "np.empty")

    def column_broadcast(indices, V):
        out = np.zeros((len(indices), V))
        out[:, indices] = 1
        return out
    assert_hint_names("0.1", column_broadcast, "out[:, indices]")


def test_shape_crash_hint_quotes_the_shapes():
    def wrong_order(x, h_prev, Wx, Wh, b):
        return np.tanh(Wx @ x + h_prev @ Wh + b), None
    assert_hint_names("2.1", wrong_order, "x (N, D) @ Wx (D, H)")


def test_unpack_names_the_function_the_tuple_and_what_arrived():
    from rnnlab.checks.probes import unpack
    names = ("h", "cache")
    for out, phrase in [
            (None, "rnn_forward returned None: did you forget a `return` statement? Return the pair (h, cache)."),
            (np.zeros(3), "rnn_forward returned only an array; return the pair (h, cache)."),
            ((1, 2, 3), "rnn_forward should return the pair (h, cache), got a tuple of length 3."),
            (7, "rnn_forward should return the pair (h, cache), got an int.")]:
        with pytest.raises(checks.Mistake) as err:
            unpack(out, "rnn_forward", names)
        assert str(err.value) == phrase
    with pytest.raises(checks.Mistake, match=r"return the tuple \(dx, db, dW\)"):
        unpack(np.zeros(3), "f", ("dx", "db", "dW"))
    assert unpack([1, 2], "f", names) == (1, 2)                    # a list unpacks like a tuple
    x, c = unpack((np.ones(2), [3.0]), "f", ("x", "c"), arrays=True)
    assert isinstance(c, np.ndarray) and c.tolist() == [3.0]
    with pytest.raises(checks.Mistake, match="cache is None: did you forget"):
        unpack((np.ones(2), None), "f", names, arrays=True)


def test_a_failed_step_is_pointed_at_from_the_sequence_exercises():
    from rnnlab.checks.probes import earlier_exercise_hint
    before = checks._session.pop("2.1", None)                 # whatever an earlier test left in this process
    try:
        assert earlier_exercise_hint("2.1", "rnn_step_forward", "rnn_forward") == ""
        checks._session["2.1"] = checks.evaluate("2.1", STEP_MISTAKES["forgot the bias"][0])
        assert earlier_exercise_hint("2.1", "rnn_step_forward", "rnn_forward") == (
            " (Exercise 2.1 rnn_step_forward has not passed yet; if rnn_forward calls it, fix that first.)")

        def off_for_another_size(x, h0, Wx, Wh, b):
            h, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
            return (h + 0.1 if x.shape == (2, 5, 3) else h), cache
        assert_hint_names("2.2", off_for_another_size, "Exercise 2.1 rnn_step_forward has not passed yet")
    finally:
        checks._session.pop("2.1", None)
        if before is not None:
            checks._session["2.1"] = before


def test_statuses_are_the_status_enumeration_and_print_as_plain_strings(private_progress):
    from rnnlab.outcomes import Status
    assert (checks.PASSED, checks.FAILED, checks.NOT_ATTEMPTED, checks.ERROR) == (
        Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED, Status.ERROR)
    res = checks.evaluate("0.1", checks.exercise("0.1").reference)
    assert res.status is Status.PASSED and res.status == "passed" and f"{res.status}" == "passed"
    assert checks.Result("0.1", "one_hot", "not_attempted").status is Status.NOT_ATTEMPTED
    assert checks.Result("0.1", "one_hot", "failed", "a hint").line() == "Exercise 0.1 one_hot: failed. a hint"
    progress.record_exercise(res)
    assert '"status": "passed"' in private_progress.read_text()       # the JSON store holds the plain string
