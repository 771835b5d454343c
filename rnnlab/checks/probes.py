"""What the lesson checks use to probe a learner's function and name the mistake.

Every helper here raises `Mistake("hint")` when the learner's output is wrong; the framework
(`rnnlab.checks.evaluate`) turns that hint into the failed result.

- calling: `rng` (the checks' own generator), `call` (on copies; names in-place changes),
  `quiet_call` (the same, with numpy's and Python's warnings silenced);
- what came back: `unpack` (a tuple of named values), `as_result_array`, `as_number`,
  `expect_shape`, `expect_dtype`, `check_cache`;
- comparing: `close`, `diagnose` (equal to the expected values, or to a known mistake's);
- pointing elsewhere: `earlier_exercise_hint` / `earlier_exercise` (an earlier exercise that
  this one may call has not passed yet).
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Sequence

import numpy as np

from .results import session_result


class Mistake(Exception):
    """Raised by a check with a hint that names the likely mistake."""


# --------------------------------------------------------------------------------------
# calling the learner's function
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


def quiet_call(fn, *args):
    """`call`, with warnings (overflow in np.exp, division by zero, ...) silenced: the check names the problem."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return call(fn, *args)


# --------------------------------------------------------------------------------------
# what came back
# --------------------------------------------------------------------------------------

def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def unpack(out, func: str, names: Sequence[str], arrays: bool = False, lone: str = "only an array",
           about: str = ""):
    """The values of the tuple `func` returned, one per name in `names`, in that order.

    Anything else raises a Mistake naming `func`, the expected tuple and what arrived: None, a
    single array ("`func` returned only an array; return the pair (h, cache).", `lone` words
    that case), another type or another length. `about` is an extra sentence for those messages (what the
    values are). With `arrays=True` each value is converted by `as_result_array` under its name.
    A list is accepted like a tuple (`a, b = func(...)` works with both).
    """
    want = f"the {'pair' if len(names) == 2 else 'tuple'} ({', '.join(names)})"
    tail = f" {about}" if about else ""
    if out is None:
        raise Mistake(f"{func} returned None: did you forget a `return` statement? Return {want}.{tail}")
    if isinstance(out, np.ndarray):
        raise Mistake(f"{func} returned {lone}; return {want}.{tail}")
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        size = f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""
        raise Mistake(f"{func} should return {want}, got {_a(type(out).__name__)}{size}.{tail}")
    if arrays:
        return tuple(as_result_array(v, n) for v, n in zip(out, names))
    return tuple(out)


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


def as_number(value, what: str, meaning: str = "") -> float:
    """One number (a Python or numpy scalar, or an array of one element) as a float.

    `meaning` says what the number is, e.g. "an average over the characters", for the message."""
    arr = as_result_array(value, what)
    if arr.size != 1:
        about = f" ({meaning})" if meaning else ""
        raise Mistake(f"{what} should be one number{about}, got an array of shape {arr.shape}.")
    return float(arr.reshape(-1)[0])


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


def expect_dtype(got: np.ndarray, dtype, what: str) -> None:
    if got.dtype != np.dtype(dtype):
        raise Mistake(f"{what} has dtype {got.dtype} but the inputs were {np.dtype(dtype)} (dtype drift): "
                      "compute in the inputs' dtype (avoid np.zeros(...) without dtype=, or float64 constants).")


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


# --------------------------------------------------------------------------------------
# comparing with the expected values and with known mistakes
# --------------------------------------------------------------------------------------

def close(a, b, tol: float = 1e-6) -> bool:
    """Same shape and equal within tol (relative, plus tol absolute); nan matches nan, inf the same inf."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    with np.errstate(invalid="ignore"):
        ok = (a == b) | (np.abs(a - b) <= tol * (1 + np.abs(b))) | (np.isnan(a) & np.isnan(b))
    return bool(np.all(ok))


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


# --------------------------------------------------------------------------------------
# pointing at an earlier exercise
# --------------------------------------------------------------------------------------

def earlier_exercise_hint(exercise_id: str, step_name: str, sequence_name: str) -> str:
    """" (Exercise 2.1 rnn_step_forward has not passed yet; if rnn_forward calls it, fix that first.)"
    when exercise `exercise_id` failed in this kernel, else "": appended to the hints of a
    function (`sequence_name`) that may call the earlier one (`step_name`)."""
    res = session_result(exercise_id)
    if res is not None and not res.passed:
        return (f" (Exercise {exercise_id} {step_name} has not passed yet; if {sequence_name} calls it, "
                "fix that first.)")
    return ""


@contextmanager
def earlier_exercise(exercise_id: str, step_name: str, sequence_name: str):
    """Append `earlier_exercise_hint(...)` to any Mistake raised inside the block."""
    try:
        yield
    except Mistake as m:
        extra = earlier_exercise_hint(exercise_id, step_name, sequence_name)
        if not extra:
            raise
        raise Mistake(str(m) + extra) from None


__all__ = ["Mistake", "rng", "call", "quiet_call", "unpack", "as_result_array", "as_number", "expect_shape",
           "expect_dtype", "check_cache", "close", "diagnose", "earlier_exercise_hint", "earlier_exercise"]
