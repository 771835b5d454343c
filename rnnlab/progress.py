"""A local store of exercise and quiz results.

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


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(path.with_name(path.name + ".lock"), "a+")
    try:
        try:
            import fcntl
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        except ImportError:  # Windows
            import msvcrt
            while True:
                try:
                    msvcrt.locking(lock.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.01)
        yield
    finally:
        lock.close()  # closing releases the lock


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


def summary(data: dict | None = None) -> list[dict]:
    """One row per lesson: exercises passed / total, quiz questions right / total."""
    from . import checks, quiz
    data = load() if data is None else data
    rows = []
    for lesson in quiz.lessons():
        exs = checks.exercises(lesson.number)
        passed = sum(1 for e in exs if data["exercises"].get(e.id, {}).get("best") == "passed")
        answers = data["quizzes"].get(lesson.key, {})
        right = sum(1 for q in lesson.question_ids if answers.get(q, {}).get("correct"))
        rows.append({
            "lesson": lesson.key, "title": lesson.title,
            "exercises_passed": passed, "exercises_total": len(exs),
            "quiz_correct": right, "quiz_total": len(lesson.question_ids),
        })
    return rows


def table(rows: list[dict]) -> str:
    def name(r):
        text = f"{r['lesson']} {r['title']}"
        return text if len(text) <= 34 else text[:33] + "\u2026"
    head = f"{'lesson':<34} {'exercises':>9} {'quiz':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        ex = f"{r['exercises_passed']}/{r['exercises_total']}" if r["exercises_total"] else "-"
        qz = f"{r['quiz_correct']}/{r['quiz_total']}" if r["quiz_total"] else "-"
        lines.append(f"{name(r):<34} {ex:>9} {qz:>7}")
    tot_e = sum(r["exercises_passed"] for r in rows), sum(r["exercises_total"] for r in rows)
    tot_q = sum(r["quiz_correct"] for r in rows), sum(r["quiz_total"] for r in rows)
    lines.append("-" * len(head))
    lines.append(f"{'total':<34} {f'{tot_e[0]}/{tot_e[1]}':>9} {f'{tot_q[0]}/{tot_q[1]}':>7}")
    return "\n".join(lines)


def dashboard(data: dict | None = None):
    """The progress dashboard widget (per lesson: exercises passed, quiz score, bars); see rnnlab.dashboard."""
    from .dashboard import show
    return show(data)
