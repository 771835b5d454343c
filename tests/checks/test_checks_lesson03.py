"""Lesson 03 (BPTT): every planted mistake gets its hint; the debug exercises name each bug separately;
the gradient checker, the numpy trainer and the lesson-line authoring behave as the lesson says."""
import nbformat
import numpy as np
import pytest

from rnnlab import authoring, checks
from rnnlab.reference import gradcheck
from rnnlab.models import numpy_train
from rnnlab import reference as ref
from rnnlab.checks import lesson03 as L
from rnnlab.session import course_root

from mistakes import assert_hint_names, planted


# --------------------------------------------------------------------------------------
# 3.1 rnn_step_backward
# --------------------------------------------------------------------------------------

def step_with(mistake):
    return lambda dh, cache: L.step_backward_variant(dh, cache, mistake)


STEP_KEYWORDS = {
    "no_tanh_grad": "forgot the tanh derivative",
    "h_prev_grad": "1 - h_prev**2",
    "tanh_of_h": "wrong quantity",
    "sigmoid_grad": "sigmoid",
    "dx_no_T": "Wx.T",
    "dh_prev_no_T": "Wh.T",
    "dWx_T": "dWx is transposed",
    "dWh_T": "dWh is transposed",
    "dWh_h_next": "dWh uses h_next",
    "db_mean": "averaged",
}


@pytest.mark.parametrize("wrong, phrase", planted(STEP_KEYWORDS, build=step_with))
def test_step_backward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("3.1", wrong, phrase)


def test_step_backward_shape_dtype_inplace_and_return_mistakes():
    def db_not_summed(dh, c):
        dx, dhp, dWx, dWh, db = ref.rnn_step_backward(dh, c)
        return dx, dhp, dWx, dWh, dh * (1 - c.h_next ** 2)
    assert_hint_names("3.1", db_not_summed, "sum over it")

    def db_wrong_axis(dh, c):
        out = list(ref.rnn_step_backward(dh, c))
        out[4] = (dh * (1 - c.h_next ** 2)).sum(axis=1)
        return tuple(out)
    assert_hint_names("3.1", db_wrong_axis, "axis=0")

    def dWx_transposed_shape(dh, c):
        out = list(ref.rnn_step_backward(dh, c))
        out[2] = out[2].T
        return tuple(out)
    assert_hint_names("3.1", dWx_transposed_shape, "transposed")

    def always_float64(dh, c):
        return tuple(g.astype(np.float64) for g in ref.rnn_step_backward(dh, c))
    assert_hint_names("3.1", always_float64, "dtype")

    def in_place(dh, c):
        dh *= 1 - c.h_next ** 2
        return dh @ c.Wx.T, dh @ c.Wh.T, c.x.T @ dh, c.h_prev.T @ dh, dh.sum(axis=0)
    assert_hint_names("3.1", in_place, "in place")

    def cache_in_place(dh, c):
        c.h_next[:] = 1 - c.h_next ** 2
        return ref.rnn_step_backward(dh, c)
    assert_hint_names("3.1", cache_in_place, "cache.h_next in place")

    assert_hint_names("3.1", lambda dh, c: ref.rnn_step_backward(dh, c)[:4], "tuple")


# --------------------------------------------------------------------------------------
# 3.2 rnn_backward
# --------------------------------------------------------------------------------------

SEQ_KEYWORDS = {
    "no_upstream": "dh[:, t]",
    "no_carry": "from the future",
    "not_accumulated": "+=",
    "not_accumulated_first": "+=",
    "forward_order": "reversed",
    "no_tanh_grad": "forgot the tanh derivative",
    "h_prev_grad": "1 - h_prev**2",
    "tanh_of_h": "wrong quantity",
    "dx_last_only": "dx[:, t]",
    "dh0_zero": "dh0 is zero",
}


def backward_with(mistake):
    return lambda dh, c: L.backward_variant(dh, c, mistake)


@pytest.mark.parametrize("wrong, phrase", planted(SEQ_KEYWORDS, build=backward_with))
def test_rnn_backward_check_names_the_mistake(wrong, phrase):
    assert_hint_names("3.2", wrong, phrase)


def test_rnn_backward_variants_are_the_loops_learners_write():
    x, h0, Wx, Wh, b, dh = L.seq_probe(N=2, T=5, D=3, H=4, seed=7)
    _, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    for got, want in zip(L.backward_variant(dh, cache), ref.rnn_backward(dh, cache)):
        assert np.allclose(got, want, atol=1e-12)


def test_rnn_backward_db_shape_and_session_hint():
    def db_per_example(dh, c):
        dx, dh0, dWx, dWh, db = ref.rnn_backward(dh, c)
        return dx, dh0, dWx, dWh, np.zeros((dh.shape[0], dh.shape[2]))
    assert_hint_names("3.2", db_per_example, "sum da over the batch")

    def wrong_step(dh_next, cache):
        return L.step_backward_variant(dh_next, cache, "no_tanh_grad")
    checks._session["3.1"] = checks.evaluate("3.1", wrong_step)
    try:
        def uses_wrong_step(dh, c):
            dx, dh0, dWx, dWh, db = ref.rnn_backward(dh, c)
            return dx, dh0, dWx, dWh + 1.0, db
        assert_hint_names("3.2", uses_wrong_step, "Exercise 3.1 rnn_step_backward has not passed")
    finally:
        checks._session.pop("3.1", None)


def test_rnn_backward_float32_and_in_place():
    def always_float64(dh, c):
        return tuple(g.astype(np.float64) for g in ref.rnn_backward(dh, c))
    assert_hint_names("3.2", always_float64, "dtype")

    def in_place(dh, c):
        dh[:, -1] += 0
        dh *= 1.0
        out = ref.rnn_backward(dh, c)
        dh[:] = 0
        return out
    assert_hint_names("3.2", in_place, "in place")


# --------------------------------------------------------------------------------------
# 3.3-3.6 debug a broken BPTT
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("ex, bug", list(L.EXERCISE_BUG.items()))
def test_each_debug_exercise_names_its_own_bug_when_still_present(ex, bug):
    assert_hint_names(ex, lambda x, y, p: L.tutorial_loss_and_grads(x, y, p, {bug}),
                      "The bug is still there: " + L.BUGS[bug], "gradient check:")


@pytest.mark.parametrize("ex, bug", list(L.EXERCISE_BUG.items()))
def test_a_fix_is_confirmed_separately_even_if_another_bug_was_planted(ex, bug):
    other = next(b for b in L.BUGS if b != bug)
    assert_hint_names(ex, lambda x, y, p: L.tutorial_loss_and_grads(x, y, p, {other}),
                      "The planted bug is fixed", L.BUGS[other])
    assert_hint_names(ex, lambda x, y, p: L.tutorial_loss_and_grads(x, y, p, {bug, other}), L.BUGS[bug], L.BUGS[other])


def test_planted_bugs_are_distinguishable_and_the_fixed_code_matches_numerical_gradients():
    x, y, params = L.debug_probe(seed=5)
    _, right = L.tutorial_loss_and_grads(x, y, params)
    for name in L.PARAM_NAMES:
        num = gradcheck.numerical_gradient(lambda: L.tutorial_loss_and_grads(x, y, params)[0], params[name])
        assert gradcheck.relative_error(right[name], num) < 1e-8
    seen = []
    for bugs in L._all_bug_sets():
        _, g = L.tutorial_loss_and_grads(x, y, params, bugs)
        flat = np.concatenate([g[k].ravel() for k in L.PARAM_NAMES])
        assert all(not np.allclose(flat, other, rtol=1e-7) for other in seen), bugs
        seen.append(flat)


def test_debug_checks_other_mistakes():
    def changed_loss(x, y, p):
        loss, g = L.tutorial_loss_and_grads(x, y, p)
        return 2 * loss, g
    assert_hint_names("3.3", changed_loss, "the loss changed")

    def unrelated(x, y, p):
        loss, g = L.tutorial_loss_and_grads(x, y, p)
        return loss, {**g, "Wh": 2 * g["Wh"]}
    assert_hint_names("3.4", unrelated, "matches none of the planted bugs")

    def missing(x, y, p):
        loss, g = L.tutorial_loss_and_grads(x, y, p)
        return loss, {k: v for k, v in g.items() if k != "by"}
    assert_hint_names("3.5", missing, "no entry for by")

    def in_place(x, y, p):
        p["Wh"] *= 1.0001
        return L.tutorial_loss_and_grads(x, y, p)
    assert_hint_names("3.6", in_place, "in place")


def solution_cells(name):
    nb = nbformat.read(course_root() / "solutions" / name, as_version=4)
    return nb


def test_the_notebooks_tutorial_code_is_the_planted_version_with_all_four_bugs():
    nb = solution_cells("03_bptt.ipynb")
    src = next(c.source for c in nb.cells if c.cell_type == "code" and "def tutorial_loss_and_grads" in c.source)
    ns = {"np": np}
    exec(src, ns)
    for seed in range(3):
        x, y, params = L.debug_probe(seed=seed)
        loss, got = ns["tutorial_loss_and_grads"](x, y, params)
        loss_ref, want = L.tutorial_loss_and_grads(x, y, params, L.BUGS)
        assert np.isclose(loss, loss_ref)
        assert all(np.allclose(got[k], want[k]) for k in L.PARAM_NAMES)


def test_each_lesson_debug_cell_shows_runnable_code_with_exactly_its_own_bug():
    nb = nbformat.read(course_root() / "lessons" / "03_bptt.ipynb", as_version=4)
    cells = {c.metadata["rnnlab"]["exercise"]: c.source for c in nb.cells
             if c.cell_type == "code" and c.metadata.get("rnnlab", {}).get("exercise") in L.EXERCISE_BUG}
    assert sorted(cells) == sorted(L.EXERCISE_BUG)
    for ex, source in cells.items():
        assert "### LESSON" not in source and "### BEGIN" not in source
        name = checks.exercise(ex).name
        # As handed out: the raise line makes it "not attempted".
        assert checks.evaluate_cells([(ex, source)])[0].status == checks.NOT_ATTEMPTED
        # With the raise line deleted: it runs and the check names exactly this exercise's bug.
        body = "\n".join(line for line in source.split("\n") if "raise NotImplementedError" not in line)
        ns = {"np": np}
        exec(body, ns)
        res = assert_hint_names(ex, ns[name], L.BUGS[L.EXERCISE_BUG[ex]])
        assert "Also" not in res.hint and "also planted" not in res.hint


# --------------------------------------------------------------------------------------
# authoring: `### LESSON:` lines
# --------------------------------------------------------------------------------------

def test_lesson_lines_replace_a_region_instead_of_the_stub():
    src = ("def f(x):\n"
           "    ### BEGIN SOLUTION\n"
           "    ### LESSON: raise NotImplementedError(\"Exercise 3.3: fix it\")\n"
           "    ### END SOLUTION\n"
           "    for t in range(3):\n"
           "        ### BEGIN SOLUTION\n"
           "        y = x + 1\n"
           "        ### LESSON: y = x - 1\n"
           "        ### END SOLUTION\n"
           "    ### BEGIN SOLUTION\n"
           "    return y\n"
           "    ### END SOLUTION")
    assert authoring.strip_solutions(src, "3.3", "cell") == (
        "def f(x):\n"
        "    raise NotImplementedError(\"Exercise 3.3: fix it\")\n"
        "    for t in range(3):\n"
        "        y = x - 1\n"
        "    raise NotImplementedError(\"Exercise 3.3\")")


# --------------------------------------------------------------------------------------
# gradcheck and numpy_train
# --------------------------------------------------------------------------------------

def test_relative_error_is_robust_to_vanished_entries_and_catches_real_bugs():
    r = np.random.default_rng(0)
    N, T, D, H = 2, 30, 3, 4
    p = dict(x=r.standard_normal((N, T, D)), h0=np.zeros((N, H)), Wx=0.5 * r.standard_normal((D, H)),
             Wh=0.3 * r.standard_normal((H, H)), b=np.zeros(H))
    dh = np.zeros((N, T, H))
    dh[:, -1] = r.standard_normal((N, H))
    _, cache = ref.rnn_forward(**p)
    dx = ref.rnn_backward(dh, cache)[0]
    num = gradcheck.numerical_gradient_of(lambda: ref.rnn_forward(**p)[0], p["x"], dh)
    assert np.abs(dx[:, 0]).max() < 1e-9                     # early steps: the gradient has vanished
    assert gradcheck.relative_error(dx, num) < 1e-7           # still judged right
    assert gradcheck.relative_error(dx, num, elementwise=True) > 1e-3   # the element-wise form is fooled
    assert gradcheck.relative_error(dx, 1.1 * num) > 1e-2
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.verdict(1e-9) == "good" and gradcheck.verdict(0.1) == "wrong"


def test_check_gradients_reports_one_line_per_parameter(capsys):
    x, h, Wx, Wh, b, dh = L.step_probe()
    _, cache = ref.rnn_step_forward(x, h, Wx, Wh, b)
    grads = dict(zip(["x", "h_prev", "Wx", "Wh", "b"], ref.rnn_step_backward(dh, cache)))
    errs = gradcheck.check_gradients(lambda: ref.rnn_step_forward(x, h, Wx, Wh, b)[0],
                                     dict(x=x, h_prev=h, Wx=Wx, Wh=Wh, b=b), grads, upstream=dh)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and all("(good)" in line for line in lines)
    assert max(errs.values()) < 1e-8


@pytest.mark.parametrize("last_only", [False, True])
def test_numpy_train_gradients_match_numerical_gradients(last_only):
    r = np.random.default_rng(1)
    x = r.standard_normal((3, 5, 2))
    y = r.standard_normal((3, 1)) if last_only else r.standard_normal((3, 5, 1))
    params = numpy_train.init_params(2, 4, 1, seed=2)
    params["b"], params["by"] = 0.2 * r.standard_normal(4), 0.1 * r.standard_normal(1)
    _, grads, _ = numpy_train.forward_backward(params, x, y, last_only=last_only)
    errs = gradcheck.check_gradients(lambda: numpy_train.forward_backward(params, x, y, last_only=last_only)[0],
                                     params, grads, report=False)
    assert max(errs.values()) < 1e-7, errs


def test_numpy_train_trains_with_sgd_and_adam_and_stops_on_overflow():
    r = np.random.default_rng(0)
    x = r.standard_normal((16, 4, 1))
    y = x.sum(axis=1) / 4
    for opt in (numpy_train.SGD(0.3), numpy_train.Adam(0.01)):
        p = numpy_train.init_params(1, 8, 1, seed=0)
        hist = numpy_train.train(p, x, y, opt, steps=150, last_only=True)
        assert np.mean(hist["loss"][-10:]) < 0.5 * hist["loss"][0]
    p = numpy_train.init_params(1, 8, 1, seed=0, wh_scale=3.0)
    hist = numpy_train.train(p, x, y * 1e3, numpy_train.SGD(10.0), steps=200, last_only=True)
    assert len(hist["loss"]) < 200 and not np.isfinite(hist["loss"][-1])


def test_blas_threads_restores_the_thread_count():
    from threadpoolctl import threadpool_info

    def blas():
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    before = blas()
    if not before:
        pytest.skip("threadpoolctl finds no BLAS in this numpy")
    with numpy_train.blas_threads(2):
        assert set(blas()) == {2}
    with numpy_train.blas_threads(1):
        assert set(blas()) == {1}
    assert blas() == before
