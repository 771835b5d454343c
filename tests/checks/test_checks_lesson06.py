"""The checks of lesson 06 pass the reference and name each planted GRU mistake, in both layouts."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab import reference as ref
from rnnlab.reference import GRUCache, GRUStepCache, sigmoid as sig

from mistakes import assert_hint_names, planted


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise")


@pytest.mark.parametrize("ex", ["6.1", "6.2"])
def test_reference_passes_and_stub_is_not_attempted(ex):
    assert checks.evaluate(ex, checks.exercise(ex).reference).status == checks.PASSED
    assert checks.evaluate(ex, stub).status == checks.NOT_ATTEMPTED
    assert checks.evaluate(ex, lambda *a, **k: None).status == checks.FAILED


def step(order="zrh", mix="right", reset=None, cand=np.tanh, gate=sig, b_in=True, b_rec=True,
         rec_bias_outside=False, dtype=None):
    """A gru_step_forward with one planted mistake, written the way a learner would."""
    def gru_step_forward(x, h_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        reset_after = b.ndim == 2
        cols = {k: slice(j * H, (j + 1) * H) for j, k in enumerate(order)}
        bi = (b[0] if reset_after else b) if b_in else 0 * b.reshape(-1)[:3 * H]
        br = b[1] if (reset_after and b_rec) else np.zeros(3 * H)
        xw = x @ Wx + bi
        z = gate(xw[:, cols["z"]] + h_prev @ Wh[:, cols["z"]] + br[cols["z"]])
        r = gate(xw[:, cols["r"]] + h_prev @ Wh[:, cols["r"]] + br[cols["r"]])
        after = reset_after if reset is None else reset == "after"
        rec_h = None
        if after:
            rec_h = h_prev @ Wh[:, cols["h"]] + (0 if rec_bias_outside else br[cols["h"]])
            h_tilde = cand(xw[:, cols["h"]] + r * rec_h + (br[cols["h"]] if rec_bias_outside else 0))
        else:
            h_tilde = cand(xw[:, cols["h"]] + (r * h_prev) @ Wh[:, cols["h"]] + br[cols["h"]])
        if mix == "flipped":
            h_next = (1 - z) * h_prev + z * h_tilde
        elif mix == "no_one_minus":
            h_next = z * h_prev + h_tilde
        else:
            h_next = z * h_prev + (1 - z) * h_tilde
        if dtype is not None:
            h_next = h_next.astype(dtype)
        return h_next, GRUStepCache(x, h_prev, Wx, Wh, z, r, h_tilde, rec_h if reset_after else None, reset_after)
    return gru_step_forward


STEP_MISTAKES = {
    "(1 - z) on the wrong side": (step(mix="flipped"), "(1 - z) is on the wrong side"),
    "no (1 - z)": (step(mix="no_one_minus"), "without (1 - z)"),
    "reset before the product with reset_after=True": (step(reset="before"), "BEFORE the recurrent product"),
    "reset after the product with reset_after=False": (step(reset="after"), "AFTER the recurrent product"),
    "recurrent bias outside the reset gate": (step(rec_bias_outside=True), "outside the reset gate"),
    "forgot the recurrent bias b[1]": (step(b_rec=False), "recurrent bias b[1] is missing"),
    "forgot all biases": (step(b_in=False, b_rec=False), "bias is missing"),
    "blocks [r, z, h]": (step(order="rzh"), "[r, z, h]"),
    "sigmoid on the candidate": (step(cand=sig), "candidate h~ uses the sigmoid"),
    "tanh on the gates": (step(gate=np.tanh), "gates z and r use tanh"),
    "float64 always": (step(dtype=np.float64), "dtype"),
}


@pytest.mark.parametrize("wrong, phrase", planted(STEP_MISTAKES))
def test_gru_step_forward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("6.1", wrong, phrase)


def test_gru_step_forward_check_explains_the_two_bias_layouts():
    def adds_b_directly(x, h_prev, Wx, Wh, b):         # treats b (2, 3H) like (3H,)
        H = h_prev.shape[1]
        xw = x @ Wx + b
        z = sig(xw[:, :H] + h_prev @ Wh[:, :H])
        return z, None
    assert_hint_names("6.1", adds_b_directly, "b[0] is the input bias and b[1] the recurrent bias")

    def positional_cache(x, h_prev, Wx, Wh, b):
        h, _ = ref.gru_step_forward(x, h_prev, Wx, Wh, b)
        return h, (x, h_prev)
    assert_hint_names("6.1", positional_cache, "GRUStepCache")

    def rec_h_for_both(x, h_prev, Wx, Wh, b):
        h, c = ref.gru_step_forward(x, h_prev, Wx, Wh, b)
        rec = c.rec_h if c.rec_h is not None else np.zeros_like(h)
        return h, GRUStepCache(c.x, c.h_prev, c.Wx, c.Wh, c.z, c.r, c.h_tilde, rec, c.reset_after)
    assert_hint_names("6.1", rec_h_for_both, "rec_h should be None")


def loop(carry=True, store_prev=False, time_major=False):
    def gru_forward(x, h0, Wx, Wh, b):
        N, T, D = x.shape
        H = h0.shape[1]
        reset_after = b.ndim == 2
        bufs = {n: np.zeros((N, T, H), dtype=x.dtype) for n in ("z", "r", "h_tilde", "rec_h", "h")}
        h_t = h0
        for t in range(T):
            x_t = x[t] if time_major else x[:, t]
            h_n, k = ref.gru_step_forward(x_t, h_t if carry else h0, Wx, Wh, b)
            bufs["z"][:, t], bufs["r"][:, t], bufs["h_tilde"][:, t] = k.z, k.r, k.h_tilde
            if reset_after:
                bufs["rec_h"][:, t] = k.rec_h
            bufs["h"][:, t] = h_t if store_prev else h_n
            h_t = h_n
        return bufs["h"], GRUCache(x, h0, Wx, Wh, bufs["z"], bufs["r"], bufs["h_tilde"],
                                   bufs["rec_h"] if reset_after else None, bufs["h"], reset_after)
    return gru_forward


FORWARD_MISTAKES = {
    "state not carried": (loop(carry=False), "carry the state"),
    "stores h_prev": (loop(store_prev=True), "BEFORE step t"),
    "x[t] instead of x[:, t]": (loop(time_major=True), "x[:, t]"),
}


@pytest.mark.parametrize("wrong, phrase", planted(FORWARD_MISTAKES))
def test_gru_forward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("6.2", wrong, phrase)


def test_gru_forward_check_names_output_and_cache_mistakes():
    def last_only(x, h0, Wx, Wh, b):
        h, cache = ref.gru_forward(x, h0, Wx, Wh, b)
        return h[:, -1], cache
    assert_hint_names("6.2", last_only, "only the last state")

    def time_major_output(x, h0, Wx, Wh, b):
        h, cache = ref.gru_forward(x, h0, Wx, Wh, b)
        return np.swapaxes(h, 0, 1), cache
    assert_hint_names("6.2", time_major_output, "time-major")

    def float64(x, h0, Wx, Wh, b):
        h, cache = ref.gru_forward(x, h0, Wx, Wh, b)
        return h.astype(np.float64), cache
    assert_hint_names("6.2", float64, "dtype")

    def no_cache(x, h0, Wx, Wh, b):
        return ref.gru_forward(x, h0, Wx, Wh, b)[0], None
    assert_hint_names("6.2", no_cache, "GRUCache")

    def wrong_flag(x, h0, Wx, Wh, b):
        h, c = ref.gru_forward(x, h0, Wx, Wh, b)
        return h, GRUCache(c.x, c.h0, c.Wx, c.Wh, c.z, c.r, c.h_tilde, c.rec_h, c.h, True)
    assert_hint_names("6.2", wrong_flag, "reset_after should be False")


def test_a_mistake_in_the_step_is_pointed_at_from_the_loop():
    checks.check("6.1", STEP_MISTAKES["(1 - z) on the wrong side"][0])      # 6.1 fails in this session

    def calls_a_broken_step(x, h0, Wx, Wh, b):
        h, cache = ref.gru_forward(x, h0, Wx, Wh, b)
        if x.shape == (2, 5, 3):
            h = h + 0.1
        return h, cache
    assert_hint_names("6.2", calls_a_broken_step, "Exercise 6.1 gru_step_forward has not passed yet")
