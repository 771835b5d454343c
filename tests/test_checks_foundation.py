"""The checks of lessons 00-02 pass the reference and name each planted mistake."""
import numpy as np
import pytest

from rnnlab import checks, data, progress
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
    "forgot the bias": (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh)), "bias"),
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
    transposed = lambda idx, V: data.one_hot(idx, V).T
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
        X, _ = data.sliding_windows(seq, k)
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
    assert out == ["Exercise 2.1 rnn_step_forward: failed. H_next is off by exactly the bias: did you add b inside the tanh?"]
    assert checks.check("2.1", ref.rnn_step_forward) is ref.rnn_step_forward
    store = progress.load()
    assert store["exercises"]["2.1"]["status"] == "passed"
    assert store["exercises"]["2.1"]["attempts"] == 2


def test_strict_mode_raises_on_anything_but_a_pass(monkeypatch):
    monkeypatch.setenv("RNNLAB_STRICT", "1")
    with pytest.raises(AssertionError, match="not attempted"):
        checks.check("2.1", stub)
    checks.check("2.1", ref.rnn_step_forward)  # a pass does not raise
