"""The checks of lesson 05 pass the reference and name each planted LSTM mistake."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab import reference as ref
from rnnlab.reference import LSTMStepCache, sigmoid as sig

from mistakes import assert_hint_names, planted


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise")


@pytest.mark.parametrize("ex", ["5.1", "5.2", "5.3"])
def test_reference_passes_and_stub_is_not_attempted(ex):
    assert checks.evaluate(ex, checks.exercise(ex).reference).status == checks.PASSED
    assert checks.evaluate(ex, stub).status == checks.NOT_ATTEMPTED
    assert checks.evaluate(ex, lambda *a, **k: None).status == checks.FAILED


# --------------------------------------------------------------------------------------
# 5.1 lstm_step_forward
# --------------------------------------------------------------------------------------

def step(order="ifco", cand=np.tanh, gate=sig, cell=None, out=None, bias=True, swap=False, dtype=None,
         return_order=("h", "c")):
    """An lstm_step_forward with one planted mistake."""
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        if swap:
            Wx, Wh = Wh, Wx
        a = x @ Wx + h_prev @ Wh + (b if bias else 0)
        H = h_prev.shape[1]
        blocks = {k: a[:, j * H:(j + 1) * H] for j, k in enumerate(order)}
        i, f, g, o = gate(blocks["i"]), gate(blocks["f"]), cand(blocks["c"]), gate(blocks["o"])
        c_next = (cell or (lambda i, f, g, c: f * c + i * g))(i, f, g, c_prev)
        h_next = (out or (lambda o, c: o * np.tanh(c)))(o, c_next)
        if dtype is not None:
            h_next, c_next = h_next.astype(dtype), c_next.astype(dtype)
        cache = LSTMStepCache(x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next)
        values = {"h": h_next, "c": c_next}
        return values[return_order[0]], values[return_order[1]], cache
    return lstm_step_forward


STEP_MISTAKES = {
    "gate order [i, f, o, c]": (step(order="ifoc"), "[i, f, o, c]"),
    "gate order [f, i, c, o]": (step(order="fico"), "input and forget gates are swapped"),
    "gate order [i, c, f, o] (TF1)": (step(order="icfo"), "[i, c, f, o]"),
    "sigmoid on the candidate": (step(cand=sig), "candidate c~ uses the sigmoid"),
    "tanh on the gates": (step(gate=np.tanh), "gates i, f and o use tanh"),
    "forget gate on the sum": (step(cell=lambda i, f, g, c: f * (c + i * g)), "multiplies the new content"),
    "forget and input swapped": (step(cell=lambda i, f, g, c: i * c + f * g), "swapped"),
    "no forget gate": (step(cell=lambda i, f, g, c: c + i * g), "forget gate is missing"),
    "coupled gates": (step(cell=lambda i, f, g, c: f * c + (1 - f) * g), "GRU"),
    "no tanh on the cell": (step(out=lambda o, c: o * c), "missing the tanh"),
    "forgot the bias": (step(bias=False), "bias is missing"),
    "swapped Wx and Wh": (step(swap=True), "swapped"),
    "returns (c, h)": (step(return_order=("c", "h")), "h_next and c_next are swapped"),
    "float64 always": (step(dtype=np.float64), "dtype"),
}


@pytest.mark.parametrize("wrong, phrase", planted(STEP_MISTAKES))
def test_lstm_step_forward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("5.1", wrong, phrase)


def test_lstm_step_forward_check_wants_the_named_cache():
    def positional_cache(x, h_prev, c_prev, Wx, Wh, b):
        h, c, cache = ref.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
        return h, c, (x, h_prev, c_prev)
    assert_hint_names("5.1", positional_cache, "LSTMStepCache")

    def swapped_gates_in_cache(x, h_prev, c_prev, Wx, Wh, b):
        h, c, k = ref.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
        return h, c, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, k.f, k.i, k.c_tilde, k.o, c)
    assert_hint_names("5.1", swapped_gates_in_cache, "cache.i is not i (it holds f)")


# --------------------------------------------------------------------------------------
# 5.2 lstm_forward
# --------------------------------------------------------------------------------------

def loop(carry_h=True, carry_c=True, use_c0=True, store="h", time_major=False):
    def lstm_forward(x, h0, Wx, Wh, b, c0=None):
        N, T, D = x.shape
        H = h0.shape[1]
        c0 = np.zeros_like(h0) if c0 is None or not use_c0 else c0
        names = ("i", "f", "c_tilde", "o", "c", "h")
        bufs = {n: np.zeros((N, T, H), dtype=x.dtype) for n in names}
        h_t, c_t = h0, c0
        for t in range(T):
            x_t = x[t] if time_major else x[:, t]
            h_n, c_n, k = ref.lstm_step_forward(x_t, h_t if carry_h else h0, c_t if carry_c else c0, Wx, Wh, b)
            bufs["i"][:, t], bufs["f"][:, t], bufs["c_tilde"][:, t], bufs["o"][:, t] = k.i, k.f, k.c_tilde, k.o
            bufs["c"][:, t], bufs["h"][:, t] = c_n, h_n
            h_t, c_t = h_n, c_n
        out = bufs["c"] if store == "c" else bufs["h"]
        return out, ref.LSTMCache(x, h0, c0, Wx, Wh, *(bufs[n] for n in names))
    return lstm_forward


FORWARD_MISTAKES = {
    "cell not carried": (loop(carry_c=False), "carry the cell state"),
    "hidden state not carried": (loop(carry_h=False), "carry the hidden state"),
    "c0 ignored": (loop(use_c0=False), "c0 is ignored"),
    "returns the cell states": (loop(store="c"), "cell states"),
}


@pytest.mark.parametrize("wrong, phrase", planted(FORWARD_MISTAKES))
def test_lstm_forward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("5.2", wrong, phrase)


def test_lstm_forward_check_needs_c0_optional_and_every_state():
    def needs_c0(x, h0, Wx, Wh, b, c0):
        return ref.lstm_forward(x, h0, Wx, Wh, b, c0)
    assert_hint_names("5.2", needs_c0, "without c0")

    def crashes_on_none(x, h0, Wx, Wh, b, c0=None):
        c0 = c0.copy()
        return ref.lstm_forward(x, h0, Wx, Wh, b, c0)
    assert_hint_names("5.2", crashes_on_none, "zeros_like(h0)")

    def last_only(x, h0, Wx, Wh, b, c0=None):
        h, cache = ref.lstm_forward(x, h0, Wx, Wh, b, c0)
        return h[:, -1], cache
    assert_hint_names("5.2", last_only, "only the last state")

    def time_major(x, h0, Wx, Wh, b, c0=None):
        h, cache = ref.lstm_forward(x, h0, Wx, Wh, b, c0)
        return np.swapaxes(h, 0, 1), cache
    assert_hint_names("5.2", time_major, "time-major")

    def tuple_cache(x, h0, Wx, Wh, b, c0=None):
        h, cache = ref.lstm_forward(x, h0, Wx, Wh, b, c0)
        return h, (cache.i, cache.f)
    assert_hint_names("5.2", tuple_cache, "LSTMCache")


# --------------------------------------------------------------------------------------
# 5.3 lstm_step_backward
# --------------------------------------------------------------------------------------

def backward(**kw):
    from rnnlab.checks.lesson05 import backward_variant

    def lstm_step_backward(dh_next, dc_next, cache):
        extra = dict(kw)
        if extra.get("o_uses") == "c_next":
            extra["o_uses"] = cache.c_next
        return backward_variant(dh_next, dc_next, cache, **extra)
    return lstm_step_backward


BACKWARD_MISTAKES = {
    "no path through h": (backward(h_path=False), "path through h_next"),
    "dc_next dropped": (backward(c_path=False), "dc_next is dropped"),
    "1 - c**2": (backward(tanh_c=lambda c: 1 - c ** 2), "not 1 - c_next**2"),
    "tanh derivative for the gates": (backward(gate_deriv=lambda s: 1 - s ** 2), "s * (1 - s)"),
    "sigmoid derivative for the candidate": (backward(cand_deriv=lambda t: t * (1 - t)), "1 - c_tilde**2"),
    "dc_prev without f": (backward(forget_back=False), "dc_prev = dc * f"),
    "output gate uses c_next": (backward(o_uses="c_next"), "use tanh(c_next)"),
    "blocks stacked [i, f, o, c]": (backward(order="ifoc"), "[i, f, o, c]"),
}


@pytest.mark.parametrize("wrong, phrase", planted(BACKWARD_MISTAKES))
def test_lstm_step_backward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("5.3", wrong, phrase)


def test_lstm_step_backward_check_names_shapes_dtype_and_in_place_changes():
    def db_per_row(dh, dc, cache):
        dx, dhp, dcp, dWx, dWh, db = ref.lstm_step_backward(dh, dc, cache)
        return dx, dhp, dcp, dWx, dWh, np.tile(db, (dh.shape[0], 1))
    assert_hint_names("5.3", db_per_row, "sum the gradient over the batch")

    def transposed_dWx(dh, dc, cache):
        dx, dhp, dcp, dWx, dWh, db = ref.lstm_step_backward(dh, dc, cache)
        return dx, dhp, dcp, dWx.T, dWh, db
    assert_hint_names("5.3", transposed_dWx, "transposed")

    def float64(dh, dc, cache):
        return tuple(g.astype(np.float64) for g in ref.lstm_step_backward(dh, dc, cache))
    assert_hint_names("5.3", float64, "dtype")

    def modifies_cache(dh, dc, cache):
        out = ref.lstm_step_backward(dh, dc, cache)
        f = cache.f
        f *= 0.5                 # modifies the cached array
        return out
    assert_hint_names("5.3", modifies_cache, "changed cache.f in place")

    def five_outputs(dh, dc, cache):
        return ref.lstm_step_backward(dh, dc, cache)[:5]
    assert_hint_names("5.3", five_outputs, "(dx, dh_prev, dc_prev, dWx, dWh, db)")


# --------------------------------------------------------------------------------------
# 5.4 keras_lstm_output (needs Keras)
# --------------------------------------------------------------------------------------

def keras_output(units=None, return_sequences=True, weights=None, build_it=True, numpy=True, **kw):
    """A keras_lstm_output with one planted mistake."""
    import keras

    def keras_lstm_output(x, Wx, Wh, b):
        layer = keras.layers.LSTM(units or Wh.shape[0], return_sequences=return_sequences, **kw)
        if build_it:
            layer.build((None, None, Wx.shape[0]))
            layer.set_weights(weights(Wx, Wh, b) if weights else [Wx, Wh, b])
        out = layer(x)
        return np.asarray(out) if numpy else out
    return keras_lstm_output


def reorder(order):
    def weights(Wx, Wh, b):
        H = Wh.shape[0]
        cols = np.concatenate([np.arange(k * H, (k + 1) * H) for k in order])
        return [Wx[:, cols], Wh[:, cols], b[cols]]
    return weights


KERAS_MISTAKES = {
    "return_sequences=False": (keras_output(return_sequences=False), "return_sequences=True"),
    "4H units": (keras_output(units=16), "H = Wh.shape[0]"),
    "weights never copied": (keras_output(build_it=False), "other numbers"),
    "relu": (keras_output(activation="relu"), "activation='tanh'"),
    "blocks reordered to [i, f, o, c]": (keras_output(weights=reorder([0, 1, 3, 2])), "already ours"),
    "Wx and Wh swapped": (keras_output(weights=lambda Wx, Wh, b: [Wh, Wx, b]), "units"),
    "a tensor": (keras_output(numpy=False), "tensor"),
}


@pytest.mark.parametrize("wrong, phrase", planted(KERAS_MISTAKES))
def test_keras_lstm_output_check_names_the_mistake(keras, wrong, phrase):
    assert_hint_names("5.4", wrong, phrase)


def test_keras_lstm_output_reference_passes(keras):
    assert checks.evaluate("5.4", checks.exercise("5.4").reference).status == checks.PASSED
    assert checks.evaluate("5.4", stub).status == checks.NOT_ATTEMPTED
