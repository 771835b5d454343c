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
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import traceback
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

PASSED, FAILED, NOT_ATTEMPTED, ERROR = "passed", "failed", "not_attempted", "error"


class Mistake(Exception):
    """Raised by a check with a hint that names the likely mistake."""


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


@dataclass
class Result:
    exercise: str
    name: str
    status: str
    hint: str = ""
    points: int = 0
    max_points: int = 1
    detail: str = field(default="", repr=False)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def line(self) -> str:
        head = f"Exercise {self.exercise} {self.name}:"
        if self.status == PASSED:
            return f"{head} passed"
        if self.status == NOT_ATTEMPTED:
            return f"{head} not attempted yet (later cells use the reference implementation)"
        return f"{head} {self.status.replace('_', ' ')}. {self.hint}"


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


def _is_stub_error(exc: BaseException) -> bool:
    return isinstance(exc, NotImplementedError)


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


_session: dict[str, Result] = {}


def session_result(id: str) -> Result | None:
    """The last result of exercise `id` in this kernel (used to point at an earlier failure)."""
    return _session.get(id)


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


# --------------------------------------------------------------------------------------
# Probing helpers used by the checks
# --------------------------------------------------------------------------------------

def rng(seed: int = 0) -> np.random.Generator:
    """Checks use their own generator, so they never depend on (or disturb) np.random."""
    return np.random.default_rng(seed)


def call(fn, *args, **kwargs):
    """Call the learner's function on copies of the arguments and say if it modified them."""
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    out = fn(*copies, **kwargs)
    for i, (a, c) in enumerate(zip(args, copies)):
        if isinstance(a, np.ndarray) and (a.shape != c.shape or not np.array_equal(a, c)):
            raise Mistake(f"your function changed its argument number {i + 1} in place "
                          "(e.g. `x += ...`): compute into a new array instead.")
    return out


def as_result_array(value, what: str) -> np.ndarray:
    """Convert a returned value to a float ndarray, with a helpful message when it is not one."""
    if value is None:
        raise Mistake(f"{what} is None: did you forget a `return` statement?")
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], np.ndarray):
        raise Mistake(f"{what} is a {type(value).__name__} of arrays; expected one numpy array.")
    if not isinstance(value, np.ndarray):
        if hasattr(value, "numpy") and callable(value.numpy):
            raise Mistake(f"{what} is a {type(value).__name__} (a tensor); return a numpy array (call .numpy()).")
        arr = np.asarray(value)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise Mistake(f"{what} should be a numpy array, got {type(value).__name__}.")
        return arr
    if not np.issubdtype(value.dtype, np.number):
        raise Mistake(f"{what} has dtype {value.dtype}; expected numbers.")
    return value


def expect_shape(got: np.ndarray, expected: tuple, what: str, symbols: str = "") -> None:
    if got.shape == tuple(expected):
        return
    sym = f" {symbols}" if symbols else ""
    hint = ""
    if got.ndim == len(expected) and sorted(got.shape) == sorted(expected):
        hint = " The same sizes in another order: two axes are swapped (batch, time or features)."
    elif got.size == int(np.prod(expected)):
        hint = " It has the right number of entries: a reshape or transpose is off."
    raise Mistake(f"{what} has shape {got.shape}; expected{sym} {tuple(expected)}.{hint}")


def close(a, b, tol: float = 1e-6) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * (1 + np.abs(b))))


def diagnose(got: np.ndarray, expected: np.ndarray, what: str, candidates=(), tol: float = 1e-6) -> None:
    """Raise Mistake unless `got` equals `expected`.

    `candidates` is a sequence of (wrong_value, hint): when `got` equals one of those
    (the output a specific mistake would produce), that mistake's hint is given.
    """
    if close(got, expected, tol):
        return
    for wrong, hint in candidates:
        if wrong is not None and close(got, wrong, tol):
            raise Mistake(hint)
    got = np.asarray(got)
    if got.shape != np.shape(expected):
        expect_shape(got, np.shape(expected), what)
    err = np.max(np.abs(np.asarray(got, np.float64) - expected))
    raise Mistake(f"{what} differs from the expected values (largest difference {err:.3g}); "
                  "compare your code with the instructions step by step.")


def check_cache(cache, cls, fields: dict) -> None:
    """The cache must be the named structure (cls) holding exactly `fields`, in that order:
    the backward pass reads its fields by name."""
    name = cls.__name__
    if not isinstance(cache, cls):
        got = "None" if cache is None else type(cache).__name__
        raise Mistake(f"the cache is {got}; return {name}({', '.join(fields)}): the backward pass reads "
                      "its fields by name.")
    for field, expected in fields.items():
        value = getattr(cache, field)
        if not (isinstance(value, np.ndarray) and close(value, expected)):
            others = [f for f, e in fields.items() if f != field and isinstance(value, np.ndarray) and close(value, e)]
            what = f" (it holds {others[0]})" if others else ""
            raise Mistake(f"cache.{field} is not {field}{what}: build the cache as {name}({', '.join(fields)}), "
                          "in that order.")


def expect_dtype(got: np.ndarray, dtype, what: str) -> None:
    if got.dtype != np.dtype(dtype):
        raise Mistake(f"{what} has dtype {got.dtype} but the inputs were {np.dtype(dtype)}: "
                      "compute in the inputs' dtype (avoid np.zeros(...) without dtype=, or float64 constants).")


__all__ = ["Mistake", "Exercise", "Result", "register", "exercise", "exercises", "evaluate", "check",
           "PASSED", "FAILED", "NOT_ATTEMPTED", "ERROR", "diagnose", "call", "close", "expect_shape",
           "expect_dtype", "as_result_array", "rng", "session_result", "evaluate_cells", "check_cache"]
