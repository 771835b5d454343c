"""The checks of lessons 00-02 pass the reference and name each planted mistake."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.course import progress
from rnnlab.data import synthetic
from rnnlab import reference as ref


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


@pytest.mark.parametrize("mistake", STEP_MISTAKES)
def test_rnn_step_forward_check_names_the_mistake(mistake):
    fn, keyword = STEP_MISTAKES[mistake]
    res = checks.evaluate("2.1", fn)
    assert res.status == checks.FAILED
    assert keyword in res.hint, res.hint


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
    "x[t] instead of x[:, t]": (time_major_index, "x[:, t]"),
    "never updates the state": (stale_state, "update the running state"),
    "stores h_prev": (stores_previous, "BEFORE step t"),
    "returns only the last state": (last_only, "only the last state"),
    "time-major output": (time_major_output, "time-major"),
    "float64 buffer": (float64_buffer, "dtype"),
}


@pytest.mark.parametrize("mistake", FORWARD_MISTAKES)
def test_rnn_forward_check_names_the_mistake(mistake):
    body, keyword = FORWARD_MISTAKES[mistake]
    res = checks.evaluate("2.2", forward_with(body))
    assert res.status == checks.FAILED
    assert keyword in res.hint, res.hint


def test_one_hot_and_windows_mistakes_are_named():
    transposed = lambda idx, V: synthetic.one_hot(idx, V).T
    assert "(T, vocab_size)" in checks.evaluate("0.1", transposed).hint
    off_by_one = lambda idx, V: np.eye(V)[(np.asarray(idx) + 1) % V]
    assert "too far right" in checks.evaluate("0.1", off_by_one).hint
    ints = lambda idx, V: np.eye(V, dtype=int)[idx]
    assert "dtype" in checks.evaluate("0.1", ints).hint

    def one_too_many(seq, k):
        X = np.stack([seq[i:i + k] for i in range(len(seq) - k + 1)])
        return X, np.append(seq[k:], 0)
    assert "one too many" in checks.evaluate("1.1", one_too_many).hint

    def target_inside(seq, k):
        X, _ = synthetic.sliding_windows(seq, k)
        return X, X[:, -1]
    assert "INSIDE" in checks.evaluate("1.1", target_inside).hint


def test_a_crash_is_reported_with_its_line_not_raised():
    def rnn_step_forward(x, h_prev, Wx, Wh, b):
        return np.tanh(x @ Wx + h_prev @ Wh + b[:, None]), None
    res = checks.evaluate("2.1", rnn_step_forward)
    assert res.status == checks.FAILED
    assert "raised ValueError (line 2 of rnn_step_forward)" in res.hint


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
    assert "the cache is None" in checks.evaluate("2.1", no_cache).hint

    def swapped_cache(x, h_prev, Wx, Wh, b):
        h = np.tanh(x @ Wx + h_prev @ Wh + b)
        return h, ref.RNNStepCache(h_prev, x, Wx, Wh, h)
    assert "cache.x is not x" in checks.evaluate("2.1", swapped_cache).hint

    def last_state_as_h0(x, h0, Wx, Wh, b):
        h, _ = ref.rnn_forward(x, h0, Wx, Wh, b)
        return h, ref.RNNCache(x, h[:, -1], Wx, Wh, h)
    assert "cache.h0 is not h0" in checks.evaluate("2.2", last_state_as_h0).hint


def test_loop_off_by_one_and_int_buffers_are_named():
    def range_t_minus_1(x, h0, Wx, Wh, b):
        N, T, D = x.shape
        h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
        hp = h0
        for t in range(T - 1):
            hp, _ = ref.rnn_step_forward(x[:, t], hp, Wx, Wh, b)
            h[:, t] = hp
        return h, ref.RNNCache(x, h0, Wx, Wh, h)
    assert "range(T - 1)" in checks.evaluate("2.2", range_t_minus_1).hint

    def int_buffer(seq, k):
        X, y = synthetic.sliding_windows(seq, k)
        return X.astype(int), y.astype(int)
    assert "truncated" in checks.evaluate("1.1", int_buffer).hint

    def empty_buffer(indices, V):
        out = np.full((len(indices), V), 0.5)
        out[np.arange(len(indices)), indices] = 1
        return out
    assert "np.empty" in checks.evaluate("0.1", empty_buffer).hint

    def column_broadcast(indices, V):
        out = np.zeros((len(indices), V))
        out[:, indices] = 1
        return out
    assert "out[:, indices]" in checks.evaluate("0.1", column_broadcast).hint


def test_shape_crash_hint_quotes_the_shapes():
    def wrong_order(x, h_prev, Wx, Wh, b):
        return np.tanh(Wx @ x + h_prev @ Wh + b), None
    res = checks.evaluate("2.1", wrong_order)
    assert "x (N, D) @ Wx (D, H)" in res.hint, res.hint
