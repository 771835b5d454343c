"""Grading policy for one submission (phase 2): run its exercise cells in a sandbox, judge them.

The *judge* is the grader process itself. It runs `rnnlab.checks.evaluate(id, proxy)` where
`proxy` stands for the learner's function (`remote.RemoteFunction`): calling it sends the
arguments to the sandbox, which calls the real function and sends back the result as plain
data. The check (probes, expected values, `diagnose`, `close`, hidden tests) runs only here,
with the judge's own numpy and the check modules imported before any learner code ran. Hidden
tests run in the judge too, after the visible check passed, on the same proxies.

Each exercise has `--timeout` seconds for its cell, its check and its hidden tests. When one
times out, runs out of memory or crashes the sandbox, it alone gets `timeout` or `error`: a
fresh sandbox replays the cells that had passed, and grading goes on with the next exercise.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import checks
from ..outcomes import Status
from .children import MISSING, Sandbox
from .errors import Broken, OutOfMemory, Stop, Timeout
from .options import Options, Row
from .remote import RemoteFunction
from .text import learner_traceback
from .submission import HiddenTest, Parsed


def _result_line(ex_id, name, status, hint):
    return checks.Result(ex_id, name, status, hint).line()


def _run_hidden(test: HiddenTest, ex, bound: dict):
    """Run one hidden test in the judge; None when it passes, else the hint."""
    ns = {"np": np, "__name__": "__hidden_test__", "print": lambda *a, **k: None}
    ns.update(bound)
    try:
        exec(compile(test.source, f"<hidden test {test.exercise}>", "exec"), ns)
    except Stop:
        raise
    except checks.Mistake as m:
        return f"hidden test: {m}"
    except AssertionError as a:
        return f"hidden test: {a}" if str(a) else "a hidden test failed."
    except RecursionError:
        return f"hidden test: {ex.name} calls itself forever (RecursionError)."
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"hidden test: {ex.name} raised {type(exc).__name__}: {msg}"
    return None


def error_rows(lesson: str | None, why: str) -> list[Row]:
    """The rows of a submission that could not be graded: one `error` row per exercise of its lesson,
    or a single row `*` when the lesson is unknown (or has no exercises)."""
    exs = checks.exercises(int(lesson)) if lesson is not None else []
    if not exs:
        return [Row("*", "", Status.ERROR, 0, 0, f"Not graded: {why}.")]
    return [Row(e.id, e.name, Status.ERROR, 0, e.points, f"Exercise {e.id} {e.name}: error. Not graded: {why}.")
            for e in exs]


def _timeout_hint(lesson: str, ex, timeout: float) -> str:
    """Why an exercise may have timed out: an endless loop only when the solution is much faster."""
    from .timing import exercise_seconds
    took = exercise_seconds(lesson, ex.id)
    base = f"it did not finish within {timeout:g} s (the cell, its check and hidden tests together)"
    if took is not None and timeout >= 3 * took + 2:
        return f"{base}: look for a loop that never ends (the solution takes about {took:.1f} s)."
    if took is not None:
        return (f"{base}; the solution itself takes about {took:.1f} s here, so this may just be slow "
                "(your instructor can grade again with a larger --timeout).")
    return f"{base}: a loop that never ends, or work much slower than needed."


def score(parsed: Parsed, hidden: dict, opts: Options, tmp: Path,
          audit: list | None = None) -> tuple[list[Row], list[str]]:
    """Grade the exercise cells of a parsed submission; returns rows (one per exercise) and notes.

    Mirrors `checks.evaluate_cells`: the cells run in notebook order in one namespace; after
    each, its name is bound to the learner's function if it passed, else to the reference.
    """
    exercises = checks.exercises(int(parsed.lesson))
    by_id = {e.id: e for e in exercises}
    present = {ex_id for ex_id, _, _ in parsed.cells}
    rows: dict[str, Row] = {}
    notes: list[str] = []
    bound: dict[str, object] = {}            # judge-side names for hidden tests
    history: list[list] = []                 # [exercise, source, passed] in the order graded
    cpu = opts.timeout * (len(exercises) + 2) + 10
    sandbox: Sandbox | None = None

    def fresh() -> Sandbox:
        """A new sandbox with the earlier exercises bound as evaluate_cells would have them."""
        for _attempt in range(len(history) + 2):
            sb = Sandbox(tmp, opts, cpu, audit)
            try:
                for e in exercises:          # no cell at all: the reference, as the notebook's check gives
                    if e.id not in present:
                        sb.set_deadline(time.monotonic() + opts.timeout)
                        sb.bind(e.name, None, e.id)
                        bound[e.name] = e.reference
                for entry in history:
                    ex, src, passed = entry
                    sb.set_deadline(time.monotonic() + opts.timeout)
                    fn = None
                    if passed:
                        ok, value = sb.exec_cell(ex.id, ex.name, src)
                        fn = value if ok and isinstance(value, RemoteFunction) else None
                    if fn is None:
                        entry[2] = False
                        sb.bind(ex.name, None, ex.id)
                        bound[ex.name] = ex.reference
                    else:
                        sb.bind(ex.name, fn)
                        bound[ex.name] = fn
                return sb
            except Stop:
                sb.kill()
                for entry in history:      # the replay broke: fall back to references from here on
                    if entry[0].name not in bound or not isinstance(bound[entry[0].name], RemoteFunction):
                        entry[2] = False
                history_passed = [e for e in history if e[2]]
                if history_passed:
                    history_passed[-1][2] = False
        raise Broken("the grader could not restart the process for this submission")

    try:
        for ex_id, source, _cell in parsed.cells:
            ex = by_id[ex_id]
            started = time.monotonic()
            detail = ""
            status, hint, fn = Status.ERROR, "", None
            try:
                if sandbox is None or not sandbox.alive:
                    if sandbox is not None:
                        sandbox.kill()
                    sandbox = fresh()
                sandbox.set_deadline(time.monotonic() + opts.timeout)
                ok, value = sandbox.exec_cell(ex_id, ex.name, source)
                if not ok:
                    info = value
                    if info.get("memory"):
                        raise OutOfMemory("ran out of memory (MemoryError)")
                    hint = f"the cell did not run: {info.get('type')}: {str(info.get('msg'))[:200]}"
                    detail = str(info.get("tb", ""))
                else:
                    fn = None if value is MISSING else value
                    res = checks.evaluate(ex_id, fn)
                    status, hint, detail = Status(res.status), res.hint, res.detail
                    if value is MISSING:
                        status, hint = Status.FAILED, f"the cell does not define a function named {ex.name}."
                    if status == Status.PASSED:
                        for test in hidden.get(ex_id, []):
                            problem = _run_hidden(test, ex, {**bound, ex.name: fn})
                            if problem:
                                status, hint = Status.FAILED, problem
                                break
                passed = status == Status.PASSED
                sandbox.bind(ex.name, fn if passed else None, ex_id)
                bound[ex.name] = fn if passed else ex.reference
                history.append([ex, source, passed])
            except Stop as stop:
                status = stop.status
                if isinstance(stop, Timeout):
                    hint = _timeout_hint(parsed.lesson, ex, opts.timeout)
                elif isinstance(stop, OutOfMemory):
                    hint = (stop.hint or "ran out of memory") + f" (limit {opts.memory_mb} MB)."
                else:
                    hint = stop.hint
                bound[ex.name] = ex.reference
                history.append([ex, source, False])
                if sandbox is not None:
                    sandbox.kill()       # a fresh one replays the earlier exercises
            points = ex.points if status == Status.PASSED else 0
            hint = " ".join(str(hint).split())     # one line, the same the check prints in the notebook
            detail = learner_traceback(detail, source) if detail else ""
            rows[ex_id] = Row(ex_id, ex.name, status, points, ex.points,
                              _result_line(ex_id, ex.name, status, hint), detail, time.monotonic() - started)
    finally:
        if sandbox is not None:
            sandbox.close()
    for e in exercises:
        if e.id not in present:
            rows[e.id] = Row(e.id, e.name, Status.NOT_ATTEMPTED, 0, e.points,
                             f"Exercise {e.id} {e.name}: not attempted (the notebook has no cell for it: deleted?)")
    ordered = [rows[e.id] for e in exercises]
    return ordered, notes
