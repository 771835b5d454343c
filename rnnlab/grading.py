"""Grading submissions: `python -m rnnlab grade SUBMISSION.ipynb [...] --out DIR`.

Writes `DIR/grades.csv` (`submission,lesson,exercise,points,max_points,status`, one row per
exercise of the submission's lesson) and `DIR/feedback/<stem>.md`. Statuses: passed, failed,
not_attempted, error, timeout. A broken submission gets rows, never a crash; the exit status
is 0 whenever grading ran and 2 for a usage error. Submission files are only ever read.

What is graded
--------------
The lesson comes from the notebook metadata `rnnlab.lesson`; when that is missing, from the
exercise ids in the cell metadata, and then from a file name starting with `NN_`. Exercises
come from cell metadata `rnnlab.exercise`; an exercise with no such cell is looked up by the
name of its function (the last code cell with a top-level `def <name>`), so a learner who
retyped a cell in a fresh one is still graded (the feedback says so). Rows when the lesson
cannot be determined: one row `lesson=?, exercise=*, points=0, max_points=0, status=error`.
When the lesson is known but the file is unreadable (invalid JSON, empty): one `error` row
per exercise of the lesson. An exercise whose cell is missing altogether: `not_attempted`.

Two phases
----------
1. Optional (`--execute`): the whole notebook runs with nbclient in a temporary copy, in a
   child process with the same limits as below, only to tell the learner whether it runs top
   to bottom (feedback only, never points).
2. Scoring, in two processes that never share a Python heap:

   - The *sandbox* (a fresh `python` child per submission, started in the submission's own
     temporary folder) runs the learner's exercise cells, and nothing else of the notebook,
     in one namespace, exactly like `rnnlab.checks.evaluate_cells` does in-process: each
     cell runs, and afterwards the exercise's name is bound to the learner's function if it
     passed and to the reference implementation otherwise.
   - The *judge* is the grader process itself. It runs `rnnlab.checks.evaluate(id, proxy)`
     where `proxy` stands for the learner's function: calling it sends the arguments to the
     sandbox, which calls the real function and sends back the result as plain data. The
     check (probes, expected values, `diagnose`, `close`, hidden tests) runs only here, with
     the judge's own numpy and the check modules imported before any learner code ran.

   The wire between them carries data, never code or pickles: None, bool, int, float,
   complex, str, tuples, lists, dicts, numpy arrays and scalars of numeric, bool or string
   dtype (rebuilt with `np.frombuffer` after checking dtype, shape and byte count), the
   course's own dataclasses (rebuilt from their fields), numpy Generators (their state),
   references to functions on the other side (a check may pass a callback; a learner may
   return a closure), objects a check passes in (e.g. lesson 13's scripted model: the
   learner's code reaches their public attributes and methods, which run in the judge; a
   check's `Mistake` raised there comes back out as itself) and Keras models (as the bytes
   of a `.keras` file, configuration and weights, rebuilt with `safe_mode=True` so no Python
   code from the file runs). Anything else the learner returns arrives as an opaque stand-in that
   carries only its type name, so `as_result_array` rejects it ("should be a numpy array, got
   AlwaysEqual"). Arrays the learner modified in place are copied back into the judge's
   arguments, so `checks.call` still names in-place modification. Learner exceptions are
   re-raised in the judge with their type name, message and line, so the hints are the same
   as in the notebook.

   Consequences: monkeypatching `rnnlab.checks`, `np.allclose` or builtins (in an exercise
   cell or anywhere else), objects whose `==` is always true, ndarray subclasses, or printing
   "passed" change nothing, because the code that decides runs in a process the learner's
   code never touched and sees only bytes it validated itself. Hidden tests (cells tagged
   `hidden-test` in `solutions/NN_*.ipynb`, read before any learner code runs) run in the
   judge too, after the visible check passed, on the same proxies.

Limits and isolation (no containers)
------------------------------------
Every child (sandbox, notebook runner and its kernel) gets: its own temporary folder as
working directory, HOME and TMPDIR; a clean environment; its own session (process group);
RLIMIT_AS = `--memory` MB for the sandbox (a memory bomb gets MemoryError, status `error`;
the notebook runner is watched by resident memory instead, because TensorFlow reserves far
more address space than it uses); RLIMIT_CPU; RLIMIT_FSIZE 64 MB; no core dumps. Wall-clock
time: `--timeout` seconds per exercise (its cell, its check and its hidden tests; status
`timeout`, the sandbox is killed and a fresh one replays the cells that had passed) and per
notebook cell in phase 1 (the whole notebook gets 10x that). Output is discarded (the
sandbox's stdout/stderr are /dev/null), so gigabytes of prints cost nothing. A crash
(segfault, `os._exit`, killed by a limit) is status `error` for that exercise only.

Where the kernel supports Landlock (Linux 5.13+; this is checked at run time), every child
also restricts itself before any learner code runs: it may write only inside its temporary
folder (and /dev/null); it may read only the Python installation, the virtualenv, system
libraries, the `rnnlab` package and (phase 1) `quizzes/`, so it cannot read `solutions/`,
`lessons/` or other learners' submissions; on ABI 4+ the sandbox gets no TCP; on ABI 6+ it
cannot signal processes outside itself (the grader, other submissions). Landlock also stops
it from ptrace-ing or reading /proc/<pid>/mem of the grader.

Without Landlock (macOS, old kernels, some container runtimes) a submission runs with the
grader's user rights: it can read and write whatever that user can. The grader then falls
back to detection: it grades one submission at a time (whatever `--jobs` says), keeps the
course files (`rnnlab/`, `solutions/`, `lessons/`, `quizzes/`) and the submissions in memory,
compares them after every submission, restores anything changed and marks that submission's
rows `error`. It cannot stop such a submission from reading your files, using the network or
killing the grader: for untrusted work without Landlock, grade in a container.

Not prevented even with Landlock: network access in phase 1 (the kernel talks TCP to
nbclient), reading world-readable system files, a flaw in Keras' safe-mode loader (the one
place where the judge parses something richer than arrays), calling the course's own reference
implementation from an exercise (`from rnnlab.reference import rnn_forward`: the same as
copying from solutions/, a matter of honesty, not isolation), CPU use by processes a
submission detaches (RLIMIT_CPU ends them; the grader kills the ones it can still find).
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import keyword
import os
import re
import secrets
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

PASSED, FAILED, NOT_ATTEMPTED, ERROR, TIMEOUT = "passed", "failed", "not_attempted", "error", "timeout"
STATUSES = (PASSED, FAILED, NOT_ATTEMPTED, ERROR, TIMEOUT)
HEADER = ["submission", "lesson", "exercise", "points", "max_points", "status"]
HIDDEN_TAG = "hidden-test"
DEFAULT_MEMORY_MB = 4096
FILE_SIZE_LIMIT = 64 * 2**20           # RLIMIT_FSIZE of every child
MAX_FRAME = 64 * 2**20                 # largest message accepted from a sandbox
STARTUP_SECONDS = 60.0                 # a sandbox must be ready within this (numpy import under load)
RUN_TOKEN_ENV = "RNNLAB_GRADE_RUN"


@dataclasses.dataclass
class Options:
    timeout: float = 120.0               # seconds per exercise (phase 2) and per cell (phase 1)
    memory_mb: int = DEFAULT_MEMORY_MB
    execute: bool = False                # phase 1: run the whole notebook with nbclient
    landlock: bool = True                # use Landlock when the kernel has it
    run_token: str = ""


# ======================================================================================
# Reading a submission (no learner code runs here)
# ======================================================================================

@dataclasses.dataclass
class Parsed:
    lesson: str | None                   # "02", or None when it cannot be determined
    title: str = ""
    cells: list = dataclasses.field(default_factory=list)   # [(exercise id, source, cell index)]
    notes: list = dataclasses.field(default_factory=list)
    error: str | None = None             # why the notebook could not be read at all
    notebook: dict | None = None


def _lesson_key(value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 100:
        return f"{value:02d}"
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 2:
        return f"{int(value.strip()):02d}"
    return None


def _source(cell) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _meta(obj) -> dict:
    m = obj.get("metadata") if isinstance(obj, dict) else None
    return m if isinstance(m, dict) else {}


def _rnnlab_meta(obj) -> dict:
    r = _meta(obj).get("rnnlab")
    return r if isinstance(r, dict) else {}


def _lesson_from_filename(name: str) -> str | None:
    m = re.match(r"(\d{2})[_-]", name)
    return m.group(1) if m else None


def _defines(source: str, name: str) -> bool:
    """Does the cell define `name` at top level (a def, or an assignment)?"""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return re.search(rf"^def\s+{re.escape(name)}\s*\(", source, re.M) is not None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return True
    return False


def parse_submission(data: bytes, filename: str) -> Parsed:
    """Find the lesson and the exercise cells of a submission (never raises)."""
    from . import checks
    checks._load_all()
    by_name = _lesson_from_filename(filename)
    if not data.strip():
        return Parsed(by_name, error="the file is empty")
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Parsed(by_name, error="the file is not UTF-8 text (not a notebook)")
    except json.JSONDecodeError as exc:
        return Parsed(by_name, error=f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}): "
                                     "was it saved completely? Open it in Jupyter and save it again")
    except RecursionError:
        return Parsed(by_name, error="the file is not a notebook (JSON nested too deeply)")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return Parsed(by_name, error="the file is JSON but not a Jupyter notebook (no list of cells)")
    cells = [c for c in nb["cells"] if isinstance(c, dict)]
    code = [(i, c) for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    tagged = []
    for i, c in code:
        ex = _rnnlab_meta(c).get("exercise")
        if ex is not None:
            tagged.append((i, str(ex), _source(c)))
    notes = []
    lesson = _lesson_key(_rnnlab_meta(nb).get("lesson"))
    if lesson is None:
        from_cells = {x.split(".")[0] for _, x, _ in tagged if re.fullmatch(r"\d{1,2}\.\d+", x)}
        if len(from_cells) == 1:
            lesson = f"{int(from_cells.pop()):02d}"
            notes.append(f"The notebook has no lesson metadata (rnnlab.lesson); lesson {lesson} was taken "
                         "from its exercise cells.")
        elif by_name is not None:
            lesson = by_name
            notes.append(f"The notebook has no lesson metadata (rnnlab.lesson); lesson {lesson} was taken "
                         "from the file name.")
        else:
            return Parsed(None, error="the lesson cannot be determined: the notebook has no metadata "
                                      "rnnlab.lesson and no exercise cells (was it created outside the course?)",
                          notebook=nb)
    title = str(_rnnlab_meta(nb).get("title", ""))[:100]
    known = {e.id: e for e in checks.exercises(int(lesson))}
    chosen: dict[str, tuple] = {}
    for i, ex, src in tagged:
        if ex not in known:
            notes.append(f"Cell {i} is marked as exercise {ex!r}, which lesson {lesson} does not have.")
            continue
        if ex in chosen:
            notes.append(f"Exercise {ex} appears in more than one cell; the last one (cell {i}) was graded.")
        chosen[ex] = (ex, src, i)
    for ex_id, ex in known.items():
        if ex_id in chosen:
            continue
        candidates = [(i, _source(c)) for i, c in code
                      if str(_rnnlab_meta(c).get("exercise")) not in known and _defines(_source(c), ex.name)]
        if candidates:
            i, src = candidates[-1]
            chosen[ex_id] = (ex_id, src, i)
            notes.append(f"Exercise {ex_id}: no cell carries its exercise metadata; cell {i}, which defines "
                         f"`{ex.name}`, was graded instead.")
    parsed = Parsed(lesson, title, sorted(chosen.values(), key=lambda t: t[2]), notes, notebook=nb)
    return parsed


# ======================================================================================
# Hidden tests
# ======================================================================================

@dataclasses.dataclass(frozen=True)
class HiddenTest:
    exercise: str
    source: str
    where: str


def load_hidden_tests(root: Path | None = None) -> dict[str, list[HiddenTest]]:
    """Hidden tests of every solution notebook, by exercise id.

    A hidden test is a code cell tagged `hidden-test` in solutions/NN_*.ipynb (lessons/ never
    has it). It belongs to the exercise in its metadata `rnnlab.hidden_test`, or else to the
    nearest exercise cell above it. The grader runs its source in the judge with the exercise
    names bound to the learner's functions; it fails the exercise by raising
    `rnnlab.checks.Mistake("hint")` or AssertionError("hint"). In the solution notebook the
    same cell runs on the solution, so it is tested like any other cell.
    """
    from .session import course_root
    root = root or course_root()
    tests: dict[str, list[HiddenTest]] = {}
    for path in sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb")):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        current = None
        for i, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code":
                continue
            meta = _rnnlab_meta(cell)
            if meta.get("exercise"):
                current = str(meta["exercise"])
            tags = _meta(cell).get("tags", [])
            if HIDDEN_TAG in tags:
                target = str(meta.get("hidden_test") or current or "")
                if target:
                    tests.setdefault(target, []).append(HiddenTest(target, _source(cell), f"{path.name} cell {i}"))
    return tests


# ======================================================================================
# The wire: plain data between judge and sandbox
# ======================================================================================

class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


class _Stop(BaseException):
    """Base of the outcomes that end an exercise early (never caught by `checks.evaluate`)."""
    status = ERROR

    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint


class _Timeout(_Stop):
    status = TIMEOUT


class _Died(_Stop):
    pass


class _OutOfMemory(_Stop):
    pass


class _Broken(_Stop):
    pass


_ND, _GENERIC, _GENERATOR = np.ndarray, np.generic, np.random.Generator
_KINDS = "biufcUS"
_MAX_NODES = 200_000


def _check_dtype(text) -> np.dtype:
    if not isinstance(text, str) or len(text) > 16:
        raise ProtocolError("bad dtype")
    try:
        dt = np.dtype(text)
    except TypeError:
        raise ProtocolError("bad dtype") from None
    if dt.kind not in _KINDS or dt.fields is not None or dt.hasobject or dt.subdtype is not None:
        raise ProtocolError("dtype not allowed")
    return dt


class Codec:
    """Encode values to (JSON tree, blobs) and back; one per side of a connection.

    side "sandbox": functions and unknown objects become handles into `objects`.
    side "judge": judge callables become callbacks; handles from the sandbox become
    RemoteFunction / Opaque stand-ins.
    """

    def __init__(self, side: str, conn=None):
        self.side = side
        self.conn = conn
        self.objects: dict[int, object] = {}
        self._next = 1

    def _keep(self, obj) -> int:
        h = self._next
        self._next += 1
        self.objects[h] = obj
        return h

    # ---------------------------------------------------------------- encode
    def encode(self, value, blobs: list) -> object:
        self._nodes = 0
        self._bytes = 0
        return self._enc(value, blobs, 0)

    def _blob(self, data: bytes, blobs: list) -> int:
        self._bytes += len(data)
        if self._bytes > MAX_FRAME:
            raise OverflowError(f"more than {MAX_FRAME // 2**20} MB of data")
        blobs.append(data)
        return len(blobs) - 1

    def _enc(self, v, blobs, depth):
        self._nodes += 1
        if depth > 40 or self._nodes > _MAX_NODES:
            raise OverflowError("the value is nested too deeply or has too many parts")
        if v is None or v is True or v is False:
            return v
        t = type(v)
        if t is int:
            return v if -2**62 < v < 2**62 else {"$": "bigint", "v": str(v)}
        if t is float:
            return v
        if t is str:
            if len(v) > 2**20:
                raise OverflowError("a string of more than a million characters")
            return v
        if isinstance(v, _ND):
            a = np.asarray(v)
            dt = a.dtype
            if dt.kind in _KINDS and dt.fields is None and not dt.hasobject and dt.subdtype is None:
                return {"$": "nd", "dtype": dt.str, "shape": list(a.shape),
                        "b": self._blob(np.ascontiguousarray(a).tobytes(), blobs)}
            return {"$": "objarr", "shape": list(a.shape)}
        if isinstance(v, _GENERIC):
            dt = v.dtype
            if dt.kind in _KINDS and dt.fields is None:
                return {"$": "np", "dtype": dt.str, "b": self._blob(np.asarray(v).tobytes(), blobs)}
            return self._opaque(v)
        if t is tuple or t is list:
            return {"$": t.__name__, "v": [self._enc(x, blobs, depth + 1) for x in v]}
        if t is dict:
            keys, vals = [], []
            for k, x in v.items():
                keys.append(self._enc(k, blobs, depth + 1))
                vals.append(self._enc(x, blobs, depth + 1))
            return {"$": "dict", "k": keys, "v": vals}
        if t is complex:
            return {"$": "complex", "v": [v.real, v.imag]}
        if isinstance(v, _GENERATOR):
            return {"$": "rng", "bg": type(v.bit_generator).__name__, "state": _jsonable(v.bit_generator.state)}
        if isinstance(v, (RemoteFunction, Opaque)) and self.side == "judge":
            return {"$": "ref", "h": v._handle}
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            cls = type(v)
            return {"$": "dc", "cls": f"{cls.__module__}:{cls.__qualname__}",
                    "f": {f.name: self._enc(getattr(v, f.name, None), blobs, depth + 1)
                          for f in dataclasses.fields(v)}}
        if isinstance(v, tuple) and hasattr(t, "_fields"):      # namedtuple
            return {"$": "nt", "cls": f"{t.__module__}:{t.__qualname__}", "fields": [str(f) for f in t._fields],
                    "v": [self._enc(x, blobs, depth + 1) for x in v]}
        if isinstance(v, bool):
            return bool(v)
        if isinstance(v, int):
            return self._enc(int(v), blobs, depth)
        if isinstance(v, float):
            return float(v)
        if isinstance(v, str):
            return self._enc(str.__str__(v), blobs, depth)
        if _is_keras_model(v):
            return {"$": "keras", "type": type(v).__name__[:80], "b": self._blob(_keras_bytes(v), blobs)}
        if callable(v):
            if self.side == "judge":
                return {"$": "cb", "id": self._keep(v)}
            name = getattr(v, "__name__", type(v).__name__)
            return {"$": "fn", "h": self._keep(v), "name": str(name)[:100] if isinstance(name, str) else "?"}
        return self._opaque(v)

    def _opaque(self, v):
        if self.side == "judge":          # e.g. a stand-in model a check passes: its public attributes are served
            return {"$": "jobj", "id": self._keep(v), "type": type(v).__name__[:80]}
        try:
            text = repr(v)[:200]
        except BaseException:
            text = "?"
        return {"$": "obj", "type": type(v).__name__[:80], "repr": text, "h": self._keep(v)}

    # ---------------------------------------------------------------- decode
    def decode(self, tree, blobs: list):
        self._nodes = 0
        return self._dec(tree, blobs, 0)

    def _dec(self, t, blobs, depth):
        self._nodes += 1
        if depth > 42 or self._nodes > _MAX_NODES:
            raise ProtocolError("too deep")
        if t is None or isinstance(t, (bool, int, float, str)):
            return t
        if not isinstance(t, dict):
            raise ProtocolError(f"unexpected {type(t).__name__}")
        tag = t.get("$")
        if tag == "nd":
            dt = _check_dtype(t.get("dtype"))
            shape = t.get("shape")
            if (not isinstance(shape, list) or len(shape) > 32
                    or not all(type(s) is int and 0 <= s < 2**40 for s in shape)):
                raise ProtocolError("bad shape")
            blob = self._get_blob(t, blobs)
            if int(np.prod(shape, dtype=object)) * dt.itemsize != len(blob):
                raise ProtocolError("array size does not match its data")
            return np.frombuffer(blob, dtype=dt).reshape(shape).copy()
        if tag == "np":
            dt = _check_dtype(t.get("dtype"))
            blob = self._get_blob(t, blobs)
            if len(blob) != dt.itemsize:
                raise ProtocolError("bad scalar")
            return np.frombuffer(blob, dtype=dt)[0]
        if tag == "objarr":
            shape = t.get("shape")
            if not isinstance(shape, list) or not all(type(s) is int and 0 <= s < 2**20 for s in shape):
                raise ProtocolError("bad shape")
            if int(np.prod(shape, dtype=object)) > 10**6:
                shape = [0]
            return np.full(shape, None, dtype=object)
        if tag in ("tuple", "list"):
            items = t.get("v")
            if not isinstance(items, list):
                raise ProtocolError("bad sequence")
            out = [self._dec(x, blobs, depth + 1) for x in items]
            return tuple(out) if tag == "tuple" else out
        if tag == "dict":
            keys, vals = t.get("k"), t.get("v")
            if not isinstance(keys, list) or not isinstance(vals, list) or len(keys) != len(vals):
                raise ProtocolError("bad dict")
            out = {}
            for k, v in zip(keys, vals):
                key = self._dec(k, blobs, depth + 1)
                try:
                    out[key] = self._dec(v, blobs, depth + 1)
                except TypeError:
                    raise ProtocolError("unhashable key") from None
            return out
        if tag == "bigint":
            try:
                return int(str(t.get("v"))[:5000])
            except ValueError:
                raise ProtocolError("bad int") from None
        if tag == "complex":
            v = t.get("v")
            if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v)):
                raise ProtocolError("bad complex")
            return complex(v[0], v[1])
        if tag == "rng":
            return _make_generator(t.get("bg"), t.get("state"))
        if tag == "dc":
            fields = t.get("f")
            if not isinstance(fields, dict):
                raise ProtocolError("bad dataclass")
            values = {str(k)[:100]: self._dec(v, blobs, depth + 1) for k, v in fields.items()}
            return self._rebuild(str(t.get("cls", "")), values)
        if tag == "nt":
            items = t.get("v")
            if not isinstance(items, list):
                raise ProtocolError("bad namedtuple")
            values = [self._dec(x, blobs, depth + 1) for x in items]
            cls = _resolve_class(str(t.get("cls", "")), import_ok=self.side == "sandbox")
            if cls is not None and isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields"):
                with contextlib.suppress(Exception):
                    return cls(*values)
            return tuple(values)
        if tag == "ref" and self.side == "sandbox":
            h = t.get("h")
            if h not in self.objects:
                raise ProtocolError("unknown handle")
            return self.objects[h]
        if tag == "cb" and self.side == "sandbox":
            return _Callback(self.conn, t.get("id"))
        if tag == "jobj" and self.side == "sandbox":
            return _JudgeObject(self.conn, t.get("id"), str(t.get("type", "object")))
        if tag == "keras":
            return _load_keras(self._get_blob(t, blobs), judge=self.side == "judge")
        if tag == "fn" and self.side == "judge":
            name = t.get("name") if isinstance(t.get("name"), str) else "?"
            return RemoteFunction(self.conn, t.get("h"), name[:100])
        if tag == "obj" and self.side == "judge":
            return _opaque_class(str(t.get("type", "object")))(str(t.get("repr", ""))[:200], t.get("h"))
        raise ProtocolError(f"unknown tag {str(tag)[:20]!r}")

    def _get_blob(self, t, blobs) -> bytes:
        i = t.get("b")
        if type(i) is not int or not 0 <= i < len(blobs):
            raise ProtocolError("bad blob index")
        return blobs[i]

    def _rebuild(self, qualified: str, values: dict):
        cls = _resolve_class(qualified, import_ok=self.side == "sandbox")
        if cls is not None and dataclasses.is_dataclass(cls) and isinstance(cls, type):
            names = {f.name for f in dataclasses.fields(cls)}
            if set(values) == names:
                obj = cls.__new__(cls)
                for k, v in values.items():
                    object.__setattr__(obj, k, v)
                return obj
        if self.side == "judge":
            return _opaque_class(qualified.rpartition(":")[2] or "object")("", None, values)
        import types
        return types.SimpleNamespace(**values)


def _jsonable(state):
    """A bit generator's state as JSON (its ints can be larger than 2**64)."""
    if isinstance(state, dict):
        return {"$": "dict", "k": list(state.keys()), "v": [_jsonable(v) for v in state.values()]}
    if isinstance(state, (int, np.integer)) and not isinstance(state, bool):
        return {"$": "bigint", "v": str(int(state))}
    if isinstance(state, np.ndarray):
        return {"$": "list", "v": [_jsonable(x) for x in state.tolist()]}
    return state


def _plain(t):
    if isinstance(t, dict):
        if t.get("$") == "dict":
            return {k: _plain(v) for k, v in zip(t["k"], t["v"])}
        if t.get("$") == "bigint":
            return int(t["v"])
        if t.get("$") == "list":
            return [_plain(x) for x in t["v"]]
    return t


def _make_generator(name, state):
    bit_generators = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "MT19937": np.random.MT19937,
                      "Philox": np.random.Philox, "SFC64": np.random.SFC64}
    if name not in bit_generators:
        raise ProtocolError("unknown bit generator")
    bg = bit_generators[name]()
    try:
        bg.state = _plain(state)
    except (TypeError, ValueError, KeyError):
        raise ProtocolError("bad generator state") from None
    return np.random.Generator(bg)


def _resolve_class(qualified: str, import_ok: bool):
    """A class by 'module:qualname', only from rnnlab (judge: only modules already imported)."""
    mod, _, qual = qualified.partition(":")
    if not (mod == "rnnlab" or mod.startswith("rnnlab.")) or not qual or "<" in qual:
        return None
    module = sys.modules.get(mod)
    if module is None and import_ok:
        with contextlib.suppress(Exception):
            import importlib
            module = importlib.import_module(mod)
    obj = module
    for part in qual.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _is_keras_model(v) -> bool:
    keras = sys.modules.get("keras")
    model = getattr(keras, "Model", None) if keras is not None else None
    return isinstance(model, type) and isinstance(v, model)


def _keras_bytes(model) -> bytes:
    """A Keras model as the bytes of a .keras file (configuration JSON and weights: data, not code)."""
    fd, path = tempfile.mkstemp(suffix=".keras", dir=os.environ.get("TMPDIR") or None)
    os.close(fd)
    try:
        model.save(path)
        with open(path, "rb") as f:
            return f.read()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


_KERAS_LOCK = threading.Lock()


def _load_keras(data: bytes, judge: bool):
    """Rebuild a Keras model from .keras bytes with safe_mode=True (no Python code from the file runs)."""
    with _KERAS_LOCK:
        from .session import import_keras
        keras = import_keras(seed=None)
        fd, path = tempfile.mkstemp(suffix=".keras")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            return keras.saving.load_model(path, compile=True, safe_mode=True)
        except Exception as exc:
            if judge:
                raise _Broken(f"the Keras model it returned could not be rebuilt by the grader "
                              f"({type(exc).__name__}: {str(exc)[:200]})") from None
            raise
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)


class Opaque:
    """Judge-side stand-in for an object the sandbox cannot send as data (only its type name)."""

    def __init__(self, text: str = "", handle=None, fields: dict | None = None):
        self._text, self._handle, self._fields = text, handle, dict(fields or {})

    def __getattr__(self, name):
        fields = self.__dict__.get("_fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(name)

    def __repr__(self):
        return f"<{type(self).__name__} from the submission>"


_OPAQUE_CLASSES: dict[str, type] = {}
_OPAQUE_LOCK = threading.Lock()


def _opaque_class(name: str) -> type:
    name = re.sub(r"\W", "_", name)[:80] or "object"
    if not name[0].isalpha() and name[0] != "_":
        name = "_" + name
    with _OPAQUE_LOCK:
        if name not in _OPAQUE_CLASSES:
            _OPAQUE_CLASSES[name] = type(name, (Opaque,), {"__module__": "submission"})
        return _OPAQUE_CLASSES[name]


# ---------------------------------------------------------------- frames
# A frame: 8 bytes header length, 4 bytes blob count, the JSON header, then per blob 8
# bytes length and the bytes.

def _frame_parts(header: dict, blobs: list) -> list[bytes]:
    hj = json.dumps(header, allow_nan=True, separators=(",", ":")).encode("utf-8")
    parts = [struct.pack(">QI", len(hj), len(blobs)), hj]
    for b in blobs:
        parts.append(struct.pack(">Q", len(b)))
        parts.append(b)
    return parts


class _BlockingChannel:
    """The sandbox's end: plain blocking reads and writes on private file descriptors."""

    def __init__(self, fd_in: int, fd_out: int):
        self.fd_in, self.fd_out = fd_in, fd_out

    def send(self, header, blobs=()):
        for part in _frame_parts(header, list(blobs)):
            view = memoryview(part)
            while view:
                n = os.write(self.fd_out, view)
                view = view[n:]

    def _exact(self, n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            chunk = os.read(self.fd_in, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def recv(self):
        hlen, nblobs = struct.unpack(">QI", self._exact(12))
        header = json.loads(self._exact(hlen))
        blobs = [self._exact(struct.unpack(">Q", self._exact(8))[0]) for _ in range(nblobs)]
        return header, blobs


class _WatchedChannel:
    """The judge's end: non-blocking, with a deadline and a memory watch on the child."""

    def __init__(self, proc: subprocess.Popen, memory_mb: int):
        self.proc = proc
        self.fd_out = proc.stdin.fileno()
        self.fd_in = proc.stdout.fileno()
        os.set_blocking(self.fd_out, False)
        os.set_blocking(self.fd_in, False)
        self.buf = bytearray()
        self.memory_bytes = memory_mb * 2**20
        self.deadline = time.monotonic() + STARTUP_SECONDS

    def _tick(self):
        if time.monotonic() > self.deadline:
            raise _Timeout("")
        if _rss(self.proc.pid) > self.memory_bytes:
            raise _OutOfMemory("")

    def send(self, header, blobs=()):
        for part in _frame_parts(header, list(blobs)):
            view = memoryview(part)
            while view:
                self._tick()
                _, w, _ = select.select([], [self.fd_out], [], 0.2)
                if not w:
                    continue
                try:
                    n = os.write(self.fd_out, view)
                except BlockingIOError:
                    continue
                except (BrokenPipeError, OSError):
                    raise EOFError from None
                view = view[n:]

    def _fill(self, n: int):
        while len(self.buf) < n:
            self._tick()
            r, _, _ = select.select([self.fd_in], [], [], 0.2)
            if not r:
                continue
            try:
                chunk = os.read(self.fd_in, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise EOFError
            self.buf += chunk

    def _take(self, n: int) -> bytes:
        self._fill(n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def recv(self):
        hlen, nblobs = struct.unpack(">QI", self._take(12))
        if hlen > MAX_FRAME or nblobs > _MAX_NODES:
            raise ProtocolError("frame too large")
        try:
            header = json.loads(self._take(hlen))
        except (ValueError, RecursionError):
            raise ProtocolError("bad JSON") from None
        if not isinstance(header, dict):
            raise ProtocolError("bad header")
        blobs, total = [], hlen
        for _ in range(nblobs):
            (n,) = struct.unpack(">Q", self._take(8))
            total += n
            if total > MAX_FRAME:
                raise ProtocolError(f"more than {MAX_FRAME // 2**20} MB of data")
            blobs.append(self._take(n))
        return header, blobs


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# ======================================================================================
# Limits and Landlock (applied by the children to themselves, before learner code)
# ======================================================================================

_LL_EXECUTE, _LL_WRITE_FILE, _LL_READ_FILE, _LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_LL_TRUNCATE, _LL_IOCTL_DEV = 1 << 14, 1 << 15
_LL_FILE_RIGHTS = _LL_EXECUTE | _LL_WRITE_FILE | _LL_READ_FILE | _LL_TRUNCATE | _LL_IOCTL_DEV


def landlock_abi() -> int:
    """The Landlock ABI version of this kernel (0: not available)."""
    if not sys.platform.startswith("linux") or os.uname().machine not in ("x86_64", "aarch64", "riscv64"):
        return 0
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        abi = libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
        return max(int(abi), 0)
    except Exception:
        return 0


def _landlock_restrict(writable: list[str], readable: list[str], writable_files=(), deny_tcp=False) -> int:
    """Restrict this process (and its future children) with Landlock; returns the ABI used.

    Writes (create, delete, write, truncate, rename, link, mknod) are allowed only below
    `writable`; reads and execution only below `writable` + `readable`.
    """
    import ctypes
    abi = landlock_abi()
    if abi < 1:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    handled = (1 << 13) - 1                      # ABI 1: bits 0..12
    if abi >= 2:
        handled |= 1 << 13                       # REFER
    if abi >= 3:
        handled |= _LL_TRUNCATE
    if abi >= 5:
        handled |= _LL_IOCTL_DEV

    class Ruleset(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]

    attr = Ruleset(handled, 0, 0)
    size = 8
    if abi >= 4 and deny_tcp:
        attr.net = 0b11                          # BIND_TCP | CONNECT_TCP, with no port allowed
        size = 16
    if abi >= 6:
        attr.scoped = 0b11                       # abstract unix sockets and signals stay inside
        size = 24
    rfd = libc.syscall(ctypes.c_long(444), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if rfd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    read_rights = (_LL_EXECUTE | _LL_READ_FILE | _LL_READ_DIR | (_LL_IOCTL_DEV if abi >= 5 else 0)) & handled

    def allow(path: str, rights: int):
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not os.path.isdir(path):
                rights &= _LL_FILE_RIGHTS
            rule = PathBeneath(rights & handled, fd)
            if libc.syscall(ctypes.c_long(445), ctypes.c_int(rfd), ctypes.c_int(1), ctypes.byref(rule),
                            ctypes.c_uint32(0)) < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        finally:
            os.close(fd)

    try:
        for p in readable:
            allow(p, read_rights)
        for p in writable_files:
            allow(p, handled)
        for p in writable:
            allow(p, handled)
        if libc.prctl(38, 1, 0, 0, 0) != 0:      # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(ctypes.c_long(446), ctypes.c_int(rfd), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(rfd)
    return abi


def _readable_roots(extra=()) -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable)),
             "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev"}
    roots |= {str(Path(__file__).resolve().parent)}           # the rnnlab package
    roots |= {p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}   # _import_dir() in children
    roots |= set(extra)
    out = set()
    for r in roots:
        if r and os.path.exists(r):
            out.add(r)
            out.add(os.path.realpath(r))
    return sorted(out)


def _apply_limits(cfg: dict) -> None:
    import resource

    def limit(which, soft, hard=None):
        hard = soft if hard is None else hard
        try:
            cur_soft, cur_hard = resource.getrlimit(which)
            if cur_hard != resource.RLIM_INFINITY:
                hard = min(hard, cur_hard)
                soft = min(soft, hard)
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass

    limit(resource.RLIMIT_CORE, 0)
    limit(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)          # over-long writes fail with EFBIG instead
    if cfg.get("cpu"):
        limit(resource.RLIMIT_CPU, int(cfg["cpu"]), int(cfg["cpu"]) + 5)
    if cfg.get("address_space_mb"):
        limit(resource.RLIMIT_AS, int(cfg["address_space_mb"]) * 2**20)


_IMPORT_DIR: list[str] = []


def _import_dir() -> str:
    """A folder holding only a link to this rnnlab package, for the children's PYTHONPATH.

    Children (and the kernel a notebook runner starts) must import the same rnnlab as the
    grader, even when the virtualenv's editable rnnlab is another checkout. Putting the
    package's parent folder (the course root) on their path would make Landlock refuse to
    list it (it is not readable: solutions/ lives there) and would expose it; this folder
    exposes the package alone.
    """
    if not _IMPORT_DIR:
        import atexit
        folder = tempfile.mkdtemp(prefix="rnnlab-import-")
        os.symlink(Path(__file__).resolve().parent, os.path.join(folder, "rnnlab"))
        atexit.register(shutil.rmtree, folder, True)
        _IMPORT_DIR.append(folder)
    return _IMPORT_DIR[0]


def _child_env(tmp: Path, token: str) -> dict:
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LD_LIBRARY_PATH")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({
        "HOME": str(tmp), "TMPDIR": str(tmp), "MPLCONFIGDIR": str(tmp / ".matplotlib"),
        "IPYTHONDIR": str(tmp / ".ipython"), "JUPYTER_RUNTIME_DIR": str(tmp / ".jupyter-runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp / ".jupyter"), "JUPYTER_DATA_DIR": str(tmp / ".jupyter-data"),
        "RNNLAB_PROGRESS": str(tmp / "progress.json"), "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2",
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
        "PYTHONPATH": _import_dir(),       # the same rnnlab as the grader's, in every child and kernel
        RUN_TOKEN_ENV: token,
    })
    return env


def _child_command(entry: str) -> list[str]:
    pkg_parent = str(Path(__file__).resolve().parent.parent)
    code = (f"import sys; sys.path.insert(0, {pkg_parent!r}); "
            f"from rnnlab import grading; grading.{entry}()")
    return [sys.executable, "-P", "-s", "-c", code]     # -P: the working directory is not on sys.path


def _redirect_std_fds() -> tuple[int, int]:
    """Keep private copies of stdin/stdout for the protocol; point fds 0-2 at /dev/null."""
    fin, fout = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    return fin, fout


class _Discard(io.TextIOBase):
    """sys.stdout/sys.stderr of a sandbox: accepts anything, keeps nothing."""

    def writable(self):
        return True

    def write(self, s):
        return len(s) if isinstance(s, str) else 0

    def flush(self):
        pass


# ======================================================================================
# The sandbox (child process): runs learner code, answers with data
# ======================================================================================

class _Callback:
    """Sandbox-side stand-in for a judge callable (e.g. a function a check passes in)."""

    def __init__(self, conn, cb_id):
        self._conn, self._id = conn, cb_id

    def __call__(self, *args, **kwargs):
        return self._conn.callback(self._id, args, kwargs)


class _JudgeObject:
    """Sandbox-side stand-in for an object a check passes in: public attributes come from the judge."""

    def __init__(self, conn, oid, type_name):
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "_id", oid)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._conn.remote_getattr(self._id, name)

    def __repr__(self):
        return f"<{self._type} from the grader>"


_SANDBOX_EXC: dict[str, type] = {}


def _judge_error(info: dict) -> Exception:
    """An exception raised by judge code during a callback, as the learner's code sees it."""
    name = re.sub(r"\W", "_", str(info.get("type", "Exception")))[:80] or "Exception"
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = _SANDBOX_EXC.setdefault(name, type(name, (Exception,), {}))
    try:
        exc = cls(str(info.get("msg", "")))
    except Exception:
        exc = RuntimeError(str(info.get("msg", "")))
    exc._rnnlab_judge = info.get("token")
    return exc


def _exc_info(exc: BaseException, name: str | None) -> dict:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if name and tb.tb_frame.f_code.co_name == name:
            line = tb.tb_lineno - tb.tb_frame.f_code.co_firstlineno + 1
        tb = tb.tb_next
    try:
        msg = str(exc)[:2000]
    except BaseException:
        msg = ""
    try:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))[-3000:]
    except BaseException:
        text = ""
    return {"type": type(exc).__name__[:80], "msg": msg, "line": line, "tb": text,
            "memory": isinstance(exc, MemoryError), "judge": getattr(exc, "_rnnlab_judge", None)}


class _SandboxServer:
    def __init__(self, chan: _BlockingChannel, references: dict):
        self.chan = chan
        self.codec = Codec("sandbox", conn=self)
        self.references = references
        self.ns = {"np": np, "__name__": "__exercise__"}

    def reply(self, body: dict, value=None, has_value=False, extra=None):
        blobs: list = []
        try:
            if has_value:
                body["value"] = self.codec.encode(value, blobs)
            if extra is not None:
                body["after"] = [self.codec._enc(a, blobs, 0) for a in extra]
        except BaseException as exc:      # too large, or a value that breaks while being read
            blobs = []
            body = {"op": "reply", "exc": {"type": "GraderLimit", "msg": f"the result cannot be sent to the "
                                           f"grader: {str(exc)[:200]}", "line": None, "tb": "",
                                           "memory": isinstance(exc, MemoryError)}}
        self.chan.send(body, blobs)

    def callback(self, cb_id, args, kwargs):
        blobs: list = []
        header = {"op": "callback", "id": cb_id, "args": self.codec.encode(list(args), blobs)}
        header["kwargs"] = self.codec._enc(dict(kwargs), blobs, 0)
        self.chan.send(header, blobs)
        return self.serve(until_return=True)

    def remote_getattr(self, oid, name):
        self.chan.send({"op": "getattr", "id": oid, "name": name})
        return self.serve(until_return=True)

    def serve(self, until_return=False):
        while True:
            msg, blobs = self.chan.recv()
            op = msg.get("op")
            if op == "return":
                if not until_return:
                    continue
                if "exc" in msg:
                    raise _judge_error(msg["exc"])
                return self.codec.decode(msg.get("value"), blobs)
            if op == "quit":
                os._exit(0)
            self.handle(op, msg, blobs)

    def handle(self, op, msg, blobs):
        try:
            self._handle(op, msg, blobs)
        except (EOFError, OSError):
            raise
        except BaseException as exc:           # a bad request must not kill the sandbox silently
            self.reply({"op": "reply", "exc": _exc_info(exc, None)})

    def _handle(self, op, msg, blobs):
        if op == "exec":
            name = msg["name"]
            self.ns.pop(name, None)
            try:
                exec(compile(msg["source"], f"<exercise {msg['id']}>", "exec"), self.ns)
            except BaseException as exc:
                self.reply({"op": "reply", "exc": _exc_info(exc, None)})
                return
            defined = name in self.ns
            self.reply({"op": "reply", "defined": defined}, self.ns.get(name), has_value=True)
        elif op == "call":
            fn = self.codec.objects.get(msg.get("h"))
            args = self.codec.decode(msg.get("args"), blobs)
            kwargs = self.codec.decode(msg.get("kwargs"), blobs)
            try:
                out = fn(*args, **kwargs)
            except BaseException as exc:
                self.reply({"op": "reply", "exc": _exc_info(exc, msg.get("name"))})
                return
            after = [a if isinstance(a, (_ND, list, dict, _GENERATOR)) else None for a in args]
            self.reply({"op": "reply"}, out, has_value=True, extra=after)
        elif op == "bind":
            if msg.get("h") is not None:
                self.ns[msg["name"]] = self.codec.objects.get(msg["h"])
            else:
                self.ns[msg["name"]] = self.references.get(msg.get("id"))
            self.reply({"op": "reply"})
        else:
            self.reply({"op": "reply", "exc": {"type": "ProtocolError", "msg": f"unknown op {op!r}",
                                               "line": None, "tb": "", "memory": False}})


def _sandbox_main() -> None:
    """Entry point of a sandbox child (started by `Sandbox`)."""
    fin, fout = _redirect_std_fds()
    chan = _BlockingChannel(fin, fout)
    cfg, _ = chan.recv()
    _apply_limits(cfg)
    from . import checks                        # everything the sandbox needs, before Landlock
    from . import reference                     # noqa: F401
    checks._load_all()
    references = {e.id: e.reference for e in checks.exercises()}
    abi, note = 0, ""
    if cfg.get("landlock"):
        try:
            abi = _landlock_restrict([cfg["tmp"]], _readable_roots(), writable_files=[os.devnull], deny_tcp=True)
        except OSError as exc:
            abi, note = 0, f"Landlock could not be applied: {exc}"
        if abi < 1:                              # asked for isolation and did not get it: refuse
            chan.send({"op": "refused", "landlock": 0, "note": note or "Landlock is not available"})
            os._exit(3)
    sys.stdout = sys.stderr = _Discard()
    sys.stdin = io.StringIO("")
    chan.send({"op": "ready", "landlock": abi, "note": note})
    server = _SandboxServer(chan, references)
    try:
        server.serve()
    except EOFError:
        os._exit(0)


# ======================================================================================
# The judge side of a sandbox
# ======================================================================================

_CHILDREN: set[int] = set()
_CHILDREN_LOCK = threading.Lock()


class Sandbox:
    """A sandbox child seen from the judge: start, request with a deadline, kill."""

    def __init__(self, tmp: Path, opts: Options, cpu_seconds: float):
        self.tmp, self.opts = tmp, opts
        with _CHILDREN_LOCK:                # never reaped by _kill_strays, even if it dies at once
            self.proc = subprocess.Popen(
                _child_command("_sandbox_main"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, cwd=str(tmp), env=_child_env(tmp, opts.run_token),
                start_new_session=True, close_fds=True)
            _CHILDREN.add(self.proc.pid)
        self.chan = _WatchedChannel(self.proc, opts.memory_mb + 64)
        self.codec = Codec("judge", conn=self)
        self.raised: dict[int, Exception] = {}
        self._raised_token = 0
        self.landlock = 0
        self.note = ""
        try:
            self.chan.send({"tmp": str(tmp), "cpu": int(cpu_seconds), "address_space_mb": opts.memory_mb,
                            "landlock": opts.landlock})
            msg, _ = self.chan.recv()
            self.landlock, self.note = int(msg.get("landlock", 0)), str(msg.get("note", ""))[:300]
            if msg.get("op") != "ready":
                raise ProtocolError(self.note)
        except (_Stop, EOFError, ProtocolError, OSError) as exc:
            self.kill()
            raise _Broken(f"the grader could not start an isolated process for this submission "
                          f"({type(exc).__name__}: {str(exc)[:200]})") from None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def set_deadline(self, deadline: float):
        self.chan.deadline = deadline

    def request(self, header: dict, blobs=()):
        """Send a request; serve callbacks until the reply comes. Raises a _Stop on trouble."""
        try:
            self.chan.send(header, blobs)
            while True:
                msg, rblobs = self.chan.recv()
                op = msg.get("op")
                if op == "reply":
                    return msg, rblobs
                if op == "callback":
                    self._serve_callback(msg, rblobs)
                    continue
                if op == "getattr":
                    self._serve_getattr(msg)
                    continue
                raise ProtocolError(f"unexpected message {str(op)[:20]!r}")
        except _Timeout:
            self.kill()
            raise _Timeout("") from None
        except _OutOfMemory:
            self.kill()
            raise _OutOfMemory(f"used more than {self.opts.memory_mb} MB of memory") from None
        except EOFError:
            raise self._death() from None
        except ProtocolError as exc:
            self.kill()
            raise _Broken(f"the process running this exercise sent garbage to the grader ({exc})") from None

    def _serve_callback(self, msg, blobs):
        fn = self.codec.objects.get(msg.get("id"))
        out_blobs: list = []
        try:
            args = self.codec.decode(msg.get("args"), blobs)
            kwargs = self.codec.decode(msg.get("kwargs"), blobs)
            if fn is None or not isinstance(args, list) or not isinstance(kwargs, dict):
                raise ProtocolError("bad callback")
            value = fn(*args, **{str(k): v for k, v in kwargs.items()})
            body = {"op": "return", "value": self.codec.encode(value, out_blobs)}
        except ProtocolError:
            raise
        except Exception as exc:
            out_blobs = []
            body = {"op": "return", "exc": self._judge_exception(exc)}
        self.chan.send(body, out_blobs)

    def _judge_exception(self, exc: Exception) -> dict:
        """Remember an exception of judge code (e.g. a check's Mistake inside a stand-in model):
        if it comes back out of the learner's function, the judge re-raises this very object."""
        self._raised_token += 1
        self.raised[self._raised_token] = exc
        return {"type": type(exc).__name__, "msg": str(exc)[:500], "token": self._raised_token}

    def _serve_getattr(self, msg):
        obj = self.codec.objects.get(msg.get("id"))
        name = msg.get("name")
        out_blobs: list = []
        try:
            if obj is None or not isinstance(name, str) or name.startswith("_"):
                raise AttributeError(f"no attribute {str(name)[:50]!r}")
            body = {"op": "return", "value": self.codec.encode(getattr(obj, name), out_blobs)}
        except Exception as exc:
            out_blobs = []
            body = {"op": "return", "exc": self._judge_exception(exc)}
        self.chan.send(body, out_blobs)

    def _death(self) -> _Stop:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        self.kill()
        if code is not None and code < 0:
            sig = -code
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
            why = {"SIGSEGV": "a segmentation fault", "SIGKILL": "it was killed", "SIGXCPU": "it used up its CPU time",
                   "SIGABRT": "an abort", "SIGBUS": "a bus error"}.get(name, name)
            return _Died(f"the Python process running this exercise crashed ({name}: {why}); "
                         "often a ctypes call, or a library aborting when memory runs out")
        return _Died(f"the Python process running this exercise exited with code {code} "
                     "(os._exit or a library that exited the process)")

    def kill(self):
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=10)
        for f in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                f.close()
        with _CHILDREN_LOCK:
            _CHILDREN.discard(self.proc.pid)

    def close(self):
        if self.alive:
            with contextlib.suppress(Exception):
                self.chan.deadline = time.monotonic() + 2
                self.chan.send({"op": "quit"})
        self.kill()

    # ------------------------------------------------------------ operations
    def exec_cell(self, ex_id: str, name: str, source: str):
        msg, blobs = self.request({"op": "exec", "id": ex_id, "name": name, "source": source})
        if "exc" in msg:
            return False, msg["exc"]
        if not msg.get("defined"):
            return True, _MISSING
        return True, self.codec.decode(msg.get("value"), blobs)

    def bind(self, name: str, fn=None, ex_id: str | None = None):
        handle = fn._handle if isinstance(fn, RemoteFunction) else None
        self.request({"op": "bind", "name": name, "h": handle, "id": ex_id})


_MISSING = object()
_RAISERS: dict = {}


def _remote_exception(info: dict) -> BaseException:
    if info.get("memory"):
        return _OutOfMemory(f"ran out of memory (MemoryError; the limit is the --memory option)")
    name = str(info.get("type", "Exception"))
    msg = str(info.get("msg", ""))
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == "builtins":
        try:
            return cls(msg)
        except Exception:
            pass
    return _opaque_exception(name)(msg)


_EXC_CLASSES: dict[str, type] = {}


def _opaque_exception(name: str) -> type:
    name = re.sub(r"\W", "_", name)[:80] or "Exception"
    with _OPAQUE_LOCK:
        if name not in _EXC_CLASSES:
            _EXC_CLASSES[name] = type(name, (Exception,), {"__module__": "submission"})
        return _EXC_CLASSES[name]


def _raise_at(name: str, line, exc: BaseException):
    """Raise `exc` from a frame called `name` at relative line `line`, so checks point at it."""
    if isinstance(line, int) and 2 <= line <= 5000 and name.isidentifier() and not keyword.iskeyword(name):
        key = (name, line)
        fn = _RAISERS.get(key)
        if fn is None:
            ns: dict = {}
            exec(compile(f"def {name}(exc):\n" + "\n" * (line - 2) + "    raise exc\n", "<submission>", "exec"), ns)
            fn = _RAISERS[key] = ns[name]
        fn(exc)
    raise exc


class RemoteFunction:
    """Judge-side stand-in for a learner function: calling it runs the real one in the sandbox."""

    def __init__(self, sandbox: Sandbox, handle, name: str):
        self._sandbox, self._handle, self.__name__ = sandbox, handle, name

    def __repr__(self):
        return f"<submission function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        sb = self._sandbox
        blobs: list = []
        try:
            header = {"op": "call", "h": self._handle, "name": self.__name__,
                      "args": sb.codec.encode(list(args), blobs),
                      "kwargs": sb.codec._enc({str(k): v for k, v in kwargs.items()}, blobs, 0)}
        except OverflowError as exc:
            raise _Broken(f"grader limitation: cannot pass this argument to the submission ({exc})") from None
        sb.raised.clear()
        msg, rblobs = sb.request(header, blobs)
        if "exc" in msg:
            original = sb.raised.get(msg["exc"].get("judge"))
            if original is not None:      # the check's own exception, passed through the learner's code
                raise original
            exc = _remote_exception(msg["exc"])
            if isinstance(exc, _Stop):
                sb.kill()
                raise exc
            _raise_at(self.__name__, msg["exc"].get("line"), exc)
        try:
            value = sb.codec.decode(msg.get("value"), rblobs)
            after = [sb.codec._dec(a, rblobs, 0) for a in msg.get("after", [])]
        except ProtocolError as exc:
            sb.kill()
            raise _Broken(f"the process running this exercise sent garbage to the grader ({exc})") from None
        for original, new in zip(args, after):
            _copy_back(original, new)
        return value


def _copy_back(original, new):
    """Apply an in-place change the learner's function made to an argument."""
    with contextlib.suppress(Exception):
        if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
            if original.shape == new.shape and original.flags.writeable:
                np.copyto(original, new, casting="unsafe")
        elif isinstance(original, dict) and isinstance(new, dict):
            original.clear()
            original.update(new)
        elif isinstance(original, list) and isinstance(new, list):
            original[:] = new
        elif isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
            original.bit_generator.state = new.bit_generator.state


# ======================================================================================
# Scoring one submission (phase 2)
# ======================================================================================

@dataclasses.dataclass
class Row:
    exercise: str
    name: str
    status: str
    points: int
    max_points: int
    line: str                 # the check's one-line verdict, as in the notebook
    detail: str = ""


def _result_line(ex_id, name, status, hint):
    from .checks import Result
    return Result(ex_id, name, status, hint).line()


def _run_hidden(test: HiddenTest, ex, bound: dict):
    from . import checks
    ns = {"np": np, "__name__": "__hidden_test__", "print": lambda *a, **k: None}
    ns.update(bound)
    try:
        exec(compile(test.source, f"<hidden test {test.exercise}>", "exec"), ns)
    except _Stop:
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


def score(parsed: Parsed, hidden: dict, opts: Options, tmp: Path) -> tuple[list[Row], list[str]]:
    """Grade the exercise cells of a parsed submission; returns rows (one per exercise) and notes.

    Mirrors `checks.evaluate_cells`: the cells run in notebook order in one namespace; after
    each, its name is bound to the learner's function if it passed, else to the reference.
    """
    from . import checks
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
            sb = Sandbox(tmp, opts, cpu)
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
            except _Stop:
                sb.kill()
                for entry in history:      # the replay broke: fall back to references from here on
                    if entry[0].name not in bound or not isinstance(bound[entry[0].name], RemoteFunction):
                        entry[2] = False
                history_passed = [e for e in history if e[2]]
                if history_passed:
                    history_passed[-1][2] = False
        raise _Broken("the grader could not restart the process for this submission")

    try:
        for ex_id, source, _cell in parsed.cells:
            ex = by_id[ex_id]
            detail = ""
            status, hint, fn = ERROR, "", None
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
                        raise _OutOfMemory("ran out of memory (MemoryError)")
                    hint = f"the cell did not run: {info.get('type')}: {str(info.get('msg'))[:200]}"
                    detail = str(info.get("tb", ""))
                else:
                    fn = None if value is _MISSING else value
                    res = checks.evaluate(ex_id, fn)
                    status, hint, detail = res.status, res.hint, res.detail
                    if value is _MISSING:
                        status, hint = FAILED, f"the cell does not define a function named {ex.name}."
                    if status == PASSED:
                        for test in hidden.get(ex_id, []):
                            problem = _run_hidden(test, ex, {**bound, ex.name: fn})
                            if problem:
                                status, hint = FAILED, problem
                                break
                passed = status == PASSED
                sandbox.bind(ex.name, fn if passed else None, ex_id)
                bound[ex.name] = fn if passed else ex.reference
                history.append([ex, source, passed])
            except _Stop as stop:
                status = stop.status
                if isinstance(stop, _Timeout):
                    hint = (f"it did not finish within {opts.timeout:g} s (the cell, its check and hidden tests "
                            "together): look for a loop that never ends.")
                elif isinstance(stop, _OutOfMemory):
                    hint = (stop.hint or "ran out of memory") + f" (limit {opts.memory_mb} MB)."
                else:
                    hint = stop.hint
                bound[ex.name] = ex.reference
                history.append([ex, source, False])
                if sandbox is not None:
                    sandbox.kill()       # a fresh one replays the earlier exercises
            points = ex.points if status == PASSED else 0
            rows[ex_id] = Row(ex_id, ex.name, status, points, ex.points,
                              _result_line(ex_id, ex.name, status, hint), detail)
    finally:
        if sandbox is not None:
            sandbox.close()
    for e in exercises:
        if e.id not in present:
            rows[e.id] = Row(e.id, e.name, NOT_ATTEMPTED, 0, e.points,
                             f"Exercise {e.id} {e.name}: not attempted (the notebook has no cell for it: deleted?)")
    ordered = [rows[e.id] for e in exercises]
    return ordered, notes


# ======================================================================================
# Phase 1: run the whole notebook (feedback only)
# ======================================================================================

def _runner_main() -> None:
    """Entry point of the notebook runner child: nbclient on the temporary copy."""
    fin, fout = _redirect_std_fds()
    chan = _BlockingChannel(fin, fout)
    cfg, _ = chan.recv()
    _apply_limits(cfg)
    from .session import course_root
    abi, note = 0, ""
    if cfg.get("landlock"):
        try:
            extra = [str(course_root() / "quizzes")]
            abi = _landlock_restrict([cfg["tmp"]], _readable_roots(extra), writable_files=[os.devnull])
        except OSError as exc:
            abi, note = 0, f"Landlock could not be applied: {exc}"
        if abi < 1:
            chan.send({"op": "done", "ran": False, "why": f"not run: could not isolate it ({note})"})
            os._exit(3)
    result = {"op": "done", "landlock": abi, "note": note}
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        nb = nbformat.read(cfg["notebook"], as_version=4)
        client = NotebookClient(nb, timeout=int(cfg["cell_timeout"]), kernel_name="python3",
                                resources={"metadata": {"path": cfg["tmp"]}}, store_widget_state=True)
        start = time.monotonic()
        try:
            client.execute()
            result.update(ran=True)
        except CellTimeoutError:
            result.update(ran=False, why=f"a cell did not finish within {cfg['cell_timeout']} s")
        except DeadKernelError:
            result.update(ran=False, why="the kernel died (a crash, os._exit, or a memory limit)")
        except CellExecutionError as exc:
            result.update(ran=False, why=f"{exc.ename}: {str(exc.evalue)[:200]}")
        result["seconds"] = round(time.monotonic() - start, 1)
        code = [c for c in nb.cells if c.cell_type == "code"]
        done = [c for c in code if c.get("execution_count")]
        result["cells"], result["executed"] = len(code), len(done)
        failed = None
        for i, c in enumerate(nb.cells):
            for o in c.get("outputs", []):
                if o.get("output_type") == "error" and "raises-exception" not in c.metadata.get("tags", []):
                    failed = failed if failed is not None else i
        result["failed_cell"] = failed
        lines = []
        for c in code:
            for o in c.get("outputs", []):
                if o.get("output_type") == "stream":
                    lines += [ln for ln in str(o.get("text", "")).splitlines() if re.match(r"Exercise \d+\.\d+ ", ln)]
        result["check_lines"] = lines[:50]
    except Exception as exc:
        result.update(ran=False, why=f"the notebook could not be run: {type(exc).__name__}: {str(exc)[:200]}")
    chan.send(result)
    os._exit(0)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def _kill_tree(pid: int) -> None:
    victims = _descendants(pid)
    for p in [pid] + victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(p, signal.SIGKILL)


def run_notebook(path: Path, tmp: Path, opts: Options) -> dict:
    """Phase 1: execute the temporary copy at `path`; returns what happened (never raises)."""
    overall = opts.timeout * 10 + 30
    with _CHILDREN_LOCK:
        proc = subprocess.Popen(_child_command("_runner_main"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, cwd=str(tmp), env=_child_env(tmp, opts.run_token),
                                start_new_session=True, close_fds=True)
        _CHILDREN.add(proc.pid)
    chan = _WatchedChannel(proc, 1 << 40)            # memory is watched over the whole tree below
    chan.deadline = time.monotonic() + overall
    limit = opts.memory_mb * 2**20
    peak = 0

    def tree_rss():
        nonlocal peak
        rss = sum(_rss(p) for p in [proc.pid] + _descendants(proc.pid))
        peak = max(peak, rss)
        if rss > limit:
            raise _OutOfMemory("")

    original_tick = chan._tick
    last = [0.0]

    def tick():
        original_tick()
        if time.monotonic() - last[0] > 0.5:
            last[0] = time.monotonic()
            tree_rss()
    chan._tick = tick
    try:
        chan.send({"tmp": str(tmp), "notebook": str(path), "cell_timeout": max(1, int(opts.timeout)),
                   "cpu": int(overall) + 60, "landlock": opts.landlock})
        msg, _ = chan.recv()
        result = dict(msg)
    except _Timeout:
        result = {"ran": False, "why": f"the notebook did not finish within {overall:g} s"}
    except _OutOfMemory:
        result = {"ran": False, "why": f"the notebook used more than {opts.memory_mb} MB of memory and was stopped"}
    except (EOFError, ProtocolError, OSError) as exc:
        result = {"ran": False, "why": f"the notebook runner stopped unexpectedly ({type(exc).__name__})"}
    finally:
        _kill_tree(proc.pid)
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)
        for f in (proc.stdin, proc.stdout):
            with contextlib.suppress(Exception):
                f.close()
        with _CHILDREN_LOCK:
            _CHILDREN.discard(proc.pid)
    result["peak_rss_mb"] = round(peak / 2**20)
    return result


# ======================================================================================
# Protecting the course when Landlock is not available
# ======================================================================================

class CourseGuard:
    """Snapshot of the course files; `check_and_restore` puts back anything changed."""

    FOLDERS = ("rnnlab", "solutions", "lessons", "quizzes")

    def __init__(self, root: Path, extra_files: dict[Path, bytes]):
        self.root = root
        self.files: dict[Path, bytes] = {}
        for folder in self.FOLDERS:
            base = root / folder
            if base.is_dir():
                for p in base.rglob("*"):
                    if p.is_file() and p.stat().st_size < 20 * 2**20:
                        with contextlib.suppress(OSError):
                            self.files[p] = p.read_bytes()
        self.files.update(extra_files)
        self.lock = threading.Lock()

    def check_and_restore(self) -> list[str]:
        changed = []
        with self.lock:
            for p, data in self.files.items():
                try:
                    same = p.read_bytes() == data
                except OSError:
                    same = False
                if not same:
                    changed.append(str(p))
                    with contextlib.suppress(OSError):
                        p.parent.mkdir(parents=True, exist_ok=True)
                        p.write_bytes(data)
            for folder in self.FOLDERS:
                base = self.root / folder
                if base.is_dir():
                    for p in base.rglob("*"):
                        if p.is_file() and p not in self.files and "__pycache__" not in p.parts:
                            changed.append(f"{p} (new file, removed)")
                            with contextlib.suppress(OSError):
                                p.unlink()
        return changed


# ======================================================================================
# One submission, start to end
# ======================================================================================

@dataclasses.dataclass
class Report:
    path: Path
    name: str
    lesson: str
    title: str
    rows: list
    notes: list
    error: str | None = None
    run: dict | None = None
    seconds: float = 0.0
    feedback_name: str = ""


def _error_rows(lesson: str | None, why: str) -> list[Row]:
    from . import checks
    exs = checks.exercises(int(lesson)) if lesson is not None else []
    if not exs:
        return [Row("*", "", ERROR, 0, 0, f"Not graded: {why}.")]
    return [Row(e.id, e.name, ERROR, 0, e.points, f"Exercise {e.id} {e.name}: error. Not graded: {why}.")
            for e in exs]


def grade_one(path: Path, data: bytes | None, read_error: str | None, hidden: dict, opts: Options,
              guard: CourseGuard | None = None) -> Report:
    """Grade one submission (its bytes were read by the caller). Never raises."""
    from . import checks
    start = time.monotonic()
    name = path.name
    if data is None:
        lesson = _lesson_from_filename(name)
        return Report(path, name, lesson or "?", "", _error_rows(lesson, read_error or "unreadable"),
                      [], read_error, seconds=time.monotonic() - start)
    parsed = parse_submission(data, name)
    if parsed.error is not None:
        return Report(path, name, parsed.lesson or "?", parsed.title, _error_rows(parsed.lesson, parsed.error),
                      parsed.notes, parsed.error, seconds=time.monotonic() - start)
    if not checks.exercises(int(parsed.lesson)):
        why = f"lesson {parsed.lesson} has no graded exercises"
        return Report(path, name, parsed.lesson, parsed.title, _error_rows(None, why), parsed.notes, why,
                      seconds=time.monotonic() - start)
    notes = list(parsed.notes)
    tmp = Path(tempfile.mkdtemp(prefix="rnnlab-grade-"))
    run = None
    try:
        if opts.execute:                 # its own folder: nothing it leaves behind reaches phase 2
            (tmp / "run").mkdir()
            copy = tmp / "run" / "submission.ipynb"
            copy.write_bytes(data)
            run = run_notebook(copy, tmp / "run", opts)
        (tmp / "score").mkdir()
        try:
            rows, more = score(parsed, hidden, opts, tmp / "score")
            notes += more
        except _Stop as stop:
            rows = _error_rows(parsed.lesson, stop.hint)
    except Exception as exc:            # a bug of the grader: still give rows
        rows = _error_rows(parsed.lesson, f"internal grader error {type(exc).__name__}: {exc}")
        notes.append(traceback.format_exc(limit=-3))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if guard is not None:
        changed = guard.check_and_restore()
        if changed:
            notes.append("This submission modified files outside its folder; they were restored: "
                         + ", ".join(changed[:10]))
            rows = [dataclasses.replace(r, status=ERROR, points=0,
                                        line=f"Exercise {r.exercise} {r.name}: error. The submission modified course "
                                             "files outside its folder (restored).") for r in rows]
    return Report(path, name, parsed.lesson, parsed.title, rows, notes, None, run,
                  seconds=time.monotonic() - start)


# ======================================================================================
# Output: grades.csv, feedback, progress, summary
# ======================================================================================

def feedback_markdown(rep: Report) -> str:
    total = sum(r.points for r in rep.rows)
    maximum = sum(r.max_points for r in rep.rows)
    title = f" ({rep.title})" if rep.title else ""
    out = [f"# Feedback on {rep.name}", ""]
    if rep.lesson == "?":
        out += ["The lesson of this file could not be determined, so it was not graded.", ""]
    else:
        out += [f"Lesson {rep.lesson}{title}: **{total} of {maximum} points**.", ""]
    if rep.error:
        out += [f"**This file could not be graded:** {rep.error}.", ""]
    out += ["| exercise | function | status | points |", "|---|---|---|---|"]
    for r in rep.rows:
        fn = f"`{r.name}`" if r.name else ""
        out.append(f"| {r.exercise} | {fn} | {r.status.replace('_', ' ')} | {r.points}/{r.max_points} |")
    out.append("")
    for r in rep.rows:
        if r.exercise == "*":
            continue
        out += [f"## Exercise {r.exercise} `{r.name}`: {r.status.replace('_', ' ')}", "", r.line, ""]
        if r.status in (FAILED, ERROR) and r.detail:
            out += ["<details><summary>where it happened</summary>", "", "```", r.detail.strip()[-1500:], "```",
                    "", "</details>", ""]
    if rep.run is not None:
        run = rep.run
        out += ["## Does the whole notebook run?", ""]
        if run.get("ran"):
            out.append(f"Yes: every cell ran, top to bottom, in {run.get('seconds', 0):g} s "
                       f"(peak memory {run.get('peak_rss_mb', 0)} MB).")
        else:
            where = f" (cell {run['failed_cell']})" if run.get("failed_cell") is not None else ""
            out.append(f"No{where}: {run.get('why', 'it stopped')}. The grade above does not depend on this: "
                       "exercises are graded on their own.")
        if run.get("check_lines"):
            out += ["", "The checks in your notebook printed:", "", "```", *run["check_lines"], "```"]
        out.append("")
    if rep.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in rep.notes] + [""]
    out += ["Exercises are graded by running only your exercise cells, each followed by its check (and any",
            "hidden tests), in a fresh process: the rest of the notebook does not affect the grade.", ""]
    return "\n".join(out)


def write_outputs(reports: list[Report], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    fb = out / "feedback"
    fb.mkdir(exist_ok=True)
    used: set[str] = set()
    for rep in reports:
        stem, n = Path(rep.name).stem or "submission", 1
        candidate = stem
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        rep.feedback_name = f"{candidate}.md"
        (fb / rep.feedback_name).write_text(feedback_markdown(rep), encoding="utf-8")
    tmp = out / "grades.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for rep in reports:
            for r in rep.rows:
                w.writerow([rep.name, rep.lesson, r.exercise, r.points, r.max_points, r.status])
    os.replace(tmp, out / "grades.csv")


class ProgressBar:
    """A progress bar over submissions, on stderr (one line per submission when not a terminal)."""

    def __init__(self, total: int, stream=None):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()
        self.start = time.monotonic()

    def update(self, rep: Report):
        with self.lock:
            self.done += 1
            score_ = f"{sum(r.points for r in rep.rows)}/{sum(r.max_points for r in rep.rows)}"
            if self.tty:
                width = 30
                fill = int(width * self.done / self.total)
                self.stream.write(f"\rgrading [{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} "
                                  f"{rep.name[:30]:<30}")
                if self.done == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(f"graded {self.done}/{self.total}: {rep.name} {score_} ({rep.seconds:.1f} s)\n")
            self.stream.flush()


def summary_table(reports: list[Report], seconds: float, jobs: int) -> str:
    head = f"{'submission':<32} {'lesson':>6} {'points':>7}  " + " ".join(f"{s[:7]:>7}" for s in STATUSES) \
        + f" {'time':>6}"
    lines = [head, "-" * len(head)]
    for rep in reports:
        counts = [sum(r.status == s for r in rep.rows) for s in STATUSES]
        pts = f"{sum(r.points for r in rep.rows)}/{sum(r.max_points for r in rep.rows)}"
        lines.append(f"{rep.name[:32]:<32} {rep.lesson:>6} {pts:>7}  " + " ".join(f"{c:>7}" for c in counts)
                     + f" {rep.seconds:>5.1f}s")
    lines.append("-" * len(head))
    per_ex: dict[tuple, list] = {}
    for rep in reports:
        for r in rep.rows:
            if r.exercise != "*":
                per_ex.setdefault((rep.lesson, r.exercise, r.name), []).append(r.status)
    for (lesson, ex, name), sts in sorted(per_ex.items(), key=lambda kv: (kv[0][0], [int(p) for p in kv[0][1].split(".")])):
        lines.append(f"exercise {ex:<5} {name:<24} passed by {sts.count(PASSED)}/{len(sts)}")
    n = max(len(reports), 1)
    lines.append(f"{len(reports)} submissions in {seconds:.1f} s with --jobs {jobs} "
                 f"({seconds / n:.2f} s per submission wall clock)")
    return "\n".join(lines)


def _expand(paths) -> list[Path]:
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(q for q in p.glob("*.ipynb") if q.is_file())
        else:
            out.append(p)
    return out


_SUBREAPER = False


def _set_subreaper() -> bool:
    """Become the parent of orphaned descendants, so processes a submission detaches can be found."""
    global _SUBREAPER
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        _SUBREAPER = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0    # PR_SET_CHILD_SUBREAPER
    except Exception:
        _SUBREAPER = False
    return _SUBREAPER


def _kill_strays(token: str) -> int:
    """Kill processes left behind by one submission (found by its token in their environment)."""
    if not os.path.isdir("/proc"):
        return 0
    killed = 0
    needle = f"{RUN_TOKEN_ENV}={token}".encode()
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        pid = int(entry)
        with _CHILDREN_LOCK:
            if pid in _CHILDREN:
                continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
    if _SUBREAPER:                       # orphans adopted by us: reap the dead ones (never our sandboxes)
        time.sleep(0.05 if killed else 0)
        with _CHILDREN_LOCK:
            for entry in os.listdir("/proc"):
                if not entry.isdigit() or int(entry) in _CHILDREN:
                    continue
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[0] == "Z" and int(fields[1]) == me:
                    with contextlib.suppress(ChildProcessError, OSError):
                        os.waitpid(int(entry), os.WNOHANG)
    return killed


def grade(paths: list[Path], out: Path, jobs: int = 1, opts: Options | None = None,
          progress_stream=None) -> list[Report]:
    """Grade submissions in parallel and write the outputs; returns the reports."""
    from . import checks
    from .session import course_root
    opts = opts or Options()
    opts.run_token = opts.run_token or secrets.token_hex(8)
    checks._load_all()                                  # all checks in memory before any learner code
    hidden = load_hidden_tests()
    contents: dict[Path, tuple] = {}
    for p in paths:
        try:
            contents[p] = (p.read_bytes(), None)
        except OSError as exc:
            contents[p] = (None, f"the file cannot be read ({exc.strerror or exc})")
    hashes = {p: hashlib.sha256(d).hexdigest() for p, (d, _) in contents.items() if d is not None}
    if opts.landlock and landlock_abi() < 1:
        opts.landlock = False
    guard = None
    if not opts.landlock:
        guard = CourseGuard(course_root(), {p.resolve(): d for p, (d, _) in contents.items() if d is not None})
        jobs = 1            # restoring files is only sound when one submission runs at a time
    bar = ProgressBar(len(paths), progress_stream)

    def work(item) -> Report:
        i, p = item
        data, err = contents[p]
        mine = dataclasses.replace(opts, run_token=f"{opts.run_token}-{i}")
        rep = grade_one(p, data, err, hidden, mine, guard)
        _kill_strays(mine.run_token)
        bar.update(rep)
        return rep

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        reports = list(pool.map(work, enumerate(paths)))
    for p, h in hashes.items():                       # submissions are never modified
        try:
            same = hashlib.sha256(p.read_bytes()).hexdigest() == h
        except OSError:
            same = False
        if not same:
            p.write_bytes(contents[p][0])
            for rep in reports:
                if rep.path == p:
                    rep.notes.append("The submission file was modified during grading; it was restored.")
    write_outputs(reports, out)
    return reports


def main(args) -> int:
    """`python -m rnnlab grade`: the CLI entry (args.submissions, out, jobs, timeout[, memory, execute])."""
    jobs = getattr(args, "jobs", 1)
    jobs = 1 if jobs is None else jobs
    timeout = float(getattr(args, "timeout", 120) or 0)
    memory = int(getattr(args, "memory", DEFAULT_MEMORY_MB) or DEFAULT_MEMORY_MB)
    problems = []
    if jobs < 1:
        problems.append("--jobs must be at least 1")
    if not timeout > 0:
        problems.append("--timeout must be a positive number of seconds")
    if memory < 256:
        problems.append("--memory must be at least 256 (MB)")
    paths = _expand(getattr(args, "submissions", []) or [])
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        problems.append("no such file: " + ", ".join(missing))
    if not paths and not missing:
        problems.append("no submissions given (or no .ipynb files in the folders given)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        problems.append(f"--out {out} exists and is not a folder")
    if problems:
        for p in problems:
            print(f"rnnlab grade: {p}", file=sys.stderr)
        return 2
    opts = Options(timeout=timeout, memory_mb=memory, execute=bool(getattr(args, "execute", False)),
                   landlock=os.environ.get("RNNLAB_GRADE_NO_LANDLOCK", "") in ("", "0"))
    _set_subreaper()
    start = time.monotonic()
    reports = grade(paths, out, jobs, opts)
    seconds = time.monotonic() - start
    print(summary_table(reports, seconds, jobs))
    abi = landlock_abi()
    isolation = (f"Landlock ABI {abi} (each submission writes only in its own temporary folder"
                 + ("; no signals to other processes)" if abi >= 6 else ")") if opts.landlock
                 else "no Landlock: course files were checked and restored after each submission, one at a time")
    print(f"isolation: {isolation}")
    print(f"wrote {out / 'grades.csv'} and {len(reports)} feedback files in {out / 'feedback'}")
    return 0
