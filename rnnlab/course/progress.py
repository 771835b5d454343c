"""A local store of exercise and quiz results (a leaf: it imports nothing else from rnnlab).

One JSON file per user: `~/.rnnlab/progress.json`, or the path in RNNLAB_PROGRESS.
Every update takes an exclusive lock on a sibling `.lock` file, re-reads the store,
changes it, and replaces it atomically (write to a temporary file, fsync, os.replace),
so two kernels writing at once lose nothing and a crash never leaves half a file.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

SCHEMA = 1


def store_path() -> Path:
    env = os.environ.get("RNNLAB_PROGRESS")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".rnnlab" / "progress.json"


def _locked(path: Path):
    """An exclusive lock on the sibling `.lock` file (filelock: fcntl on Unix, msvcrt on Windows)."""
    from filelock import FileLock
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(path.with_name(path.name + ".lock"))


def _empty() -> dict:
    return {"schema": SCHEMA, "exercises": {}, "quizzes": {}}


def load(path: Path | None = None) -> dict:
    """The whole store as a dict (empty structure when there is none yet or it is unreadable)."""
    path = path or store_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _empty()
    except (json.JSONDecodeError, UnicodeDecodeError):
        # keep the unreadable file for inspection instead of overwriting it silently
        backup = path.with_name(path.name + f".corrupt-{int(time.time())}")
        with contextlib.suppress(OSError):
            os.replace(path, backup)
        return _empty()
    if not isinstance(data, dict):
        return _empty()
    for key in ("exercises", "quizzes"):
        data.setdefault(key, {})
    return data


def _write(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def update(change, path: Path | None = None) -> dict:
    """Apply `change(data)` to the store under the lock and save it atomically."""
    path = path or store_path()
    with _locked(path):
        data = load(path)
        change(data)
        _write(path, data)
    return data


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def record_exercise(result, path: Path | None = None) -> None:
    """Store a checks.Result: last status, best status, number of attempts."""
    def change(data):
        entry = data["exercises"].setdefault(result.exercise, {"attempts": 0, "best": None})
        entry["name"] = result.name
        entry["status"] = result.status
        entry["updated"] = _now()
        if result.status != "not_attempted":
            entry["attempts"] += 1
        if result.status == "passed":
            entry["best"] = "passed"
        elif entry.get("best") is None and result.status != "not_attempted":
            entry["best"] = result.status
    update(change, path)


def record_quiz(lesson: str, question: str, correct: bool, path: Path | None = None) -> None:
    """Store one quiz answer: whether it was right, and whether it was ever right."""
    def change(data):
        q = data["quizzes"].setdefault(str(lesson), {}).setdefault(question, {"attempts": 0, "correct": False})
        q["attempts"] += 1
        q["last"] = bool(correct)
        q["correct"] = bool(q["correct"] or correct)
        q["updated"] = _now()
    update(change, path)
