"""Self-checking exercises.

Each exercise is registered with an id ("2.1"), the name of the function the learner
writes, the reference implementation, and a check: a function that calls the learner's
code on small probes and raises `Mistake("hint")` naming the likely error.

In a notebook:

    rnn_step_forward = check("2.1", rnn_step_forward)

prints one line (passed / failed with a hint / not attempted) and returns the function
the rest of the lesson should use: the learner's when it passed, the reference otherwise,
so every later cell still runs. `evaluate` does the same without printing or recording,
which is what the grader calls in its own clean process.

This module is the framework: the registry of exercises, `evaluate`, `evaluate_cells` and
`check`. What a check produces (`Result`, its `Status`, this kernel's results) is in
`results.py`; what a check uses to probe the learner's function (`Mistake`, `call`,
`unpack`, `diagnose`, ...) is in `probes.py`. Both are re-exported here.

Naming every mistake, by construction (variants.py, numerics.py). A numpy exercise's check
declares its reference computation once, as a function of an edit context `e`, with the places a
learner can slip marked in the lesson's own notation:

    def step_equations(e, x, h_prev, Wx, Wh, b):
        a = e.sum("h_next", {"x @ Wx": x @ e.T("Wx", Wx), "h_prev @ Wh": h_prev @ e.T("Wh", Wh), "b": b})
        return {"h_next": e.act("h_next", "tanh", a)}

    STEP = declare("2.1", Equations("rnn_step_forward", step_equations, args=("x", "h_prev", "Wx", "Wh", "b"),
                                    equations={"h_next": "h_next = tanh(x @ Wx + h_prev @ Wh + b)"},
                                    swaps=[("Wx", "Wh")], wrap=...), probes=lambda: [probe_args, ...])

The framework generates every single-edit variant (drop or flip a term, another activation, a
transposed or swapped weight, a derivative from the wrong quantity, another reduction or softmax
axis, a loop bound or index off by one, a state not carried, a gradient not accumulated, ...; then
pairs of edits), and the check matches the learner's output against them:

    diagnose(h_next, expected, "h_next", STEP.variants(args).candidates("h_next", first=handwritten))
    hint = STEP.variants(args).explain({"h_next": h_next, "c_next": c_next})     # joint outputs

Hand-written candidates go first (`first=`): they win where they say more. `Numerics(...).run(fn)`
then calls the learner's function on saturating inputs (np.exp overflow is named), a batch of one,
one time step and float32 / float64 inputs (dtype drift is named). A new lesson adopts both by
declaring its equations and numerics next to its check: tests/checks/test_variants.py then plants
every generated variant of every declared exercise and asserts the check names it.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import traceback
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..outcomes import Status
from .probes import (Mistake, as_number, as_result_array, call, check_cache, close, diagnose, earlier_exercise,
                     earlier_exercise_hint, expect_dtype, expect_shape, quiet_call, rng, unpack)
from .results import ERROR, FAILED, NOT_ATTEMPTED, PASSED, TIMEOUT, Result, _session, session_result
from .numerics import Numerics
from .variants import Equations, declare


@dataclass
class Exercise:
    id: str                    # "2.1"
    lesson: int
    name: str                  # the function the learner writes
    title: str
    reference: Callable
    check: Callable[[Callable], None]
    points: int = 1
    shapes: str = ""           # e.g. "x (N, D), Wx (D, H)": quoted when the learner's code hits a shape error


REGISTRY: dict[str, Exercise] = {}
_loaded = False


def register(id: str, name: str, title: str, reference: Callable, points: int = 1, shapes: str = ""):
    """Decorator: register `check_fn` as the check of exercise `id`."""
    lesson = int(id.split(".")[0])

    def wrap(check_fn):
        REGISTRY[id] = Exercise(id, lesson, name, title, reference, check_fn, points, shapes)
        return check_fn
    return wrap


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            if mod.name.startswith("lesson"):
                importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True


def exercise(id: str) -> Exercise:
    _load_all()
    try:
        return REGISTRY[id]
    except KeyError:
        known = ", ".join(sorted(REGISTRY, key=_sort_key))
        raise KeyError(f"no exercise {id!r}; known exercises: {known}") from None


def exercises(lesson: int | None = None) -> list[Exercise]:
    _load_all()
    found = [e for e in REGISTRY.values() if lesson is None or e.lesson == lesson]
    return sorted(found, key=lambda e: _sort_key(e.id))


def _sort_key(id: str):
    return tuple(int(p) for p in id.split("."))


def evaluate(id: str, fn) -> Result:
    """Run exercise `id`'s check on `fn`; never raises, never prints."""
    ex = exercise(id)
    res = Result(id, ex.name, FAILED, max_points=ex.points)
    if fn is None:
        res.status, res.hint = NOT_ATTEMPTED, ""
        return res
    if not callable(fn):
        res.hint = f"`{ex.name}` should be a function, but it is a {type(fn).__name__}."
        return res
    try:
        ex.check(fn)
    except NotImplementedError:
        res.status = NOT_ATTEMPTED
    except Mistake as m:
        res.hint = str(m)
    except RecursionError:
        res.hint = f"{ex.name} calls itself forever (RecursionError): did you call {ex.name} inside its own body?"
    except Exception as exc:  # the learner's code crashed: say where, briefly
        res.hint = _crash_hint(ex, exc)
        res.detail = traceback.format_exc(limit=-3)
    else:
        res.status, res.points = PASSED, ex.points
    return res


def evaluate_cells(cells, namespace: dict | None = None) -> list[Result]:
    """Run a notebook's exercise cells in order, each followed by its check, as the notebook does.

    cells: [(exercise_id, source)]. Each cell runs in one shared namespace (starting from
    `namespace`, by default just numpy as np); after its check, the exercise's name is bound
    to the learner's function if it passed and to the reference otherwise, exactly like
    `f = check("N.k", f)` in the lesson. A cell that fails to run gives an `error` result.
    """
    ns = {"np": np, "__name__": "__exercise__"} if namespace is None else namespace
    results = []
    for ex_id, source in cells:
        ex = exercise(ex_id)
        ns.pop(ex.name, None)
        try:
            exec(compile(source, f"<exercise {ex_id}>", "exec"), ns)
        except Exception as exc:
            res = Result(ex_id, ex.name, ERROR, max_points=ex.points,
                         hint=f"the cell did not run: {type(exc).__name__}: {str(exc)[:200]}")
        else:
            res = evaluate(ex_id, ns.get(ex.name))
            if ex.name not in ns:
                res.status, res.hint = FAILED, f"the cell does not define a function named {ex.name}."
        ns[ex.name] = ns.get(ex.name) if res.passed else ex.reference
        results.append(res)
    return results


def _crash_hint(ex: Exercise, exc: Exception) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    line = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == ex.name:
            line = f" (line {tb.tb_lineno - tb.tb_frame.f_code.co_firstlineno + 1} of {ex.name})"
        tb = tb.tb_next
    hint = f"{ex.name} raised {type(exc).__name__}{line}: {msg}"
    shapey = ("matmul" in msg or "broadcast" in msg or "shapes" in msg or "aligned" in msg)
    if isinstance(exc, ValueError) and shapey:
        hint += (" -- two arrays' shapes do not fit: check the order of the operands of each @ and which axis"
                 " is which" + (f" ({ex.shapes})." if ex.shapes else "."))
    return hint


def strict() -> bool:
    return os.environ.get("RNNLAB_STRICT", "") not in ("", "0")


def check(id: str, fn=None, record: bool = True):
    """Check the learner's function, print one line, and return the function to use next.

    Returns `fn` when it passed, the reference implementation otherwise. Never raises
    unless RNNLAB_STRICT=1 (then anything but a pass raises AssertionError).
    """
    ex = exercise(id)
    if fn is ex.reference:
        # `f = check(id, f)` already swapped in the reference: checking it again would "pass" without your code
        print(f"Exercise {id} {ex.name}: not checked. `{ex.name}` now holds the reference implementation "
              "(swapped in by an earlier check): run your exercise cell again, then this cell.")
        if strict():
            raise AssertionError(f"Exercise {id}: the reference was passed to check()")
        return fn
    res = evaluate(id, fn)
    _session[id] = res
    print(res.line())
    if record:
        try:
            from ..course import progress
            progress.record_exercise(res)
        except Exception as exc:  # progress must never break a lesson
            print(f"(progress not saved: {exc})")
    if strict() and not res.passed:
        raise AssertionError(res.line())
    return fn if res.passed else exercise(id).reference


__all__ = ["Mistake", "Exercise", "Result", "Status", "register", "exercise", "exercises", "evaluate", "check",
           "evaluate_cells", "session_result", "strict", "PASSED", "FAILED", "NOT_ATTEMPTED", "ERROR", "TIMEOUT",
           # the probe helpers (probes.py), also for notebooks that write their own checks
           "diagnose", "call", "quiet_call", "close", "unpack", "expect_shape", "expect_dtype", "as_result_array",
           "as_number", "rng", "check_cache", "earlier_exercise_hint", "earlier_exercise",
           # mistakes derived from the equations (variants.py) and the numerics probes (numerics.py)
           "Equations", "declare", "Numerics"]
