"""Grading many submissions: `grade(paths, out, jobs)` and the CLI entry `main(args)`.

Every submission is read once, before any learner code runs, and never written (its digest is
compared at the end and the file restored if it changed). Submissions are graded `--jobs` at a
time in threads of the grader, each in its own temporary folder with its own children; after
each one, the processes it left behind are killed (`processes.kill_strays`). Without Landlock,
one at a time, with the course files checked and restored after each (`CourseGuard`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import checks
from ..outcomes import Status
from ..session import course_root
from . import processes
from .children import run_notebook
from .errors import Stop
from .isolation import landlock_abi
from .flags import audit_flags, cell_flags
from .options import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, MANIFEST, Options, Report
from .report import summary_table, write_outputs
from .score import error_rows, score
from .submission import lesson_from_filename, load_hidden_tests, parse_submission
from .timing import default_timeout


class CourseGuard:
    """Snapshot of the course files; `check_and_restore` puts back anything changed.

    Protecting the course when Landlock is not available: a submission then runs with the
    grader's user rights and can write whatever that user can. The grader falls back to
    detection: one submission at a time (whatever `--jobs` says), the course files (`rnnlab/`,
    `solutions/`, `lessons/`, `quizzes/`) and the submissions kept in memory, compared after
    every submission, anything changed restored and that submission's rows marked `error`.
    It cannot stop such a submission from reading your files, using the network or killing
    the grader: for untrusted work without Landlock, grade in a container.
    """

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


def grade_one(path: Path, data: bytes | None, read_error: str | None, hidden: dict, opts: Options,
              guard: CourseGuard | None = None) -> Report:
    """Grade one submission (its bytes were read by the caller). Never raises."""
    start = time.monotonic()
    name = path.name
    # phase 1 runs every cell of the notebook, not only exercises: per cell --timeout, else 120 s
    run_opts = opts if opts.timeout_given else dataclasses.replace(opts, timeout=DEFAULT_TIMEOUT)
    if data is not None and not opts.timeout_given:        # the lesson's measured default
        opts = dataclasses.replace(opts, timeout=default_timeout(parse_submission(data, name).lesson))
    if data is None:
        lesson = lesson_from_filename(name)
        return Report(path, name, lesson or "?", "", error_rows(lesson, read_error or "unreadable"),
                      [], read_error, seconds=time.monotonic() - start)
    parsed = parse_submission(data, name)
    if parsed.error is not None:
        return Report(path, name, parsed.lesson or "?", parsed.title, error_rows(parsed.lesson, parsed.error),
                      parsed.notes, parsed.error, seconds=time.monotonic() - start)
    if not checks.exercises(int(parsed.lesson)):
        why = f"lesson {parsed.lesson} has no graded exercises"
        return Report(path, name, parsed.lesson, parsed.title, error_rows(None, why), parsed.notes, why,
                      seconds=time.monotonic() - start)
    notes = list(parsed.notes)
    flags = cell_flags(parsed.lesson, parsed.cells)
    audit: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="rnnlab-grade-"))
    run = None
    try:
        if opts.execute:                 # its own folder: nothing it leaves behind reaches phase 2
            (tmp / "run").mkdir()
            copy = tmp / "run" / "submission.ipynb"
            copy.write_bytes(data)
            run = run_notebook(copy, tmp / "run", run_opts)
        (tmp / "score").mkdir()
        try:
            rows, more = score(parsed, hidden, opts, tmp / "score", audit)
            notes += more
        except Stop as stop:
            rows = error_rows(parsed.lesson, stop.hint)
    except Exception as exc:            # a bug of the grader: still give rows
        rows = error_rows(parsed.lesson, f"internal grader error {type(exc).__name__}: {exc}")
        notes.append(traceback.format_exc(limit=-3))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    flags += audit_flags(audit, blocked=opts.landlock)
    if run is not None and not run.get("ran"):
        where = f" (stopped at cell {run['failed_cell']})" if run.get("failed_cell") is not None else ""
        flags.append(f"does not run: the notebook does not run top to bottom{where}: {run.get('why', '')}")
    if guard is not None:
        changed = guard.check_and_restore()
        if changed:
            root = str(course_root()) + "/"
            flags.append("tampering: changed files outside its folder, restored: "
                         + ", ".join(c.replace(root, "") for c in changed[:5]))
            notes.append("This submission modified files outside its folder; they were restored.")
            rows = [dataclasses.replace(r, status=Status.ERROR, points=0,
                                        line=f"Exercise {r.exercise} {r.name}: error. The submission modified course "
                                             "files outside its folder (restored).") for r in rows]
    return Report(path, name, parsed.lesson, parsed.title, rows, notes, None, run,
                  seconds=time.monotonic() - start, flags=flags, timeout=opts.timeout)


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
                self.stream.write(f"graded {self.done}/{self.total}: {rep.name} {score_} ({rep.seconds:.1f} s)"
                                  + (f" learner {rep.learner}" if rep.learner else "") + "\n")
            self.stream.flush()


def grade(paths: list[Path], out: Path, jobs: int = 1, opts: Options | None = None,
          progress_stream=None, learners: dict | None = None, merge: bool = False) -> list[Report]:
    """Grade submissions in parallel and write the outputs; returns the reports.

    learners: {path: learner} (default: each file's stem); merge: keep DIR's other learners."""
    opts = opts or Options()
    opts.run_token = opts.run_token or secrets.token_hex(8)
    checks._load_all()                                  # all checks in memory before any learner code
    hidden = load_hidden_tests()
    contents: dict[Path, tuple] = {}
    mtimes: dict[Path, str] = {}
    for p in paths:
        try:
            mtimes[p] = _iso(p.stat().st_mtime)
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
        rep.learner = (learners or {}).get(p) or learner_of_file(p)
        rep.mtime = mtimes.get(p, "")
        processes.kill_strays(mine.run_token)
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
    write_outputs(reports, out, merge=merge)
    return reports


def _iso(seconds: float) -> str:
    import datetime
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec="seconds")


def learner_of_file(p: Path) -> str:
    return p.stem or p.name


def discover(paths) -> list[tuple[Path, str]]:
    """(submission, learner) for the PATHs given to `grade`.

    A notebook given directly, or lying directly in a folder given, is its file stem's learner;
    a sub-folder of a folder given (ROOT/<learner>/<any name>.ipynb, at any depth below it) is
    one learner. Jupyter's `.ipynb_checkpoints` folders are skipped."""
    out = []
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            out.append((p, learner_of_file(p)))
            continue
        out += [(q, learner_of_file(q)) for q in sorted(p.glob("*.ipynb")) if q.is_file()]
        for sub in sorted(q for q in p.iterdir() if q.is_dir() and not q.name.startswith(".")):
            out += [(q, sub.name) for q in sorted(sub.rglob("*.ipynb"))
                    if q.is_file() and ".ipynb_checkpoints" not in q.relative_to(sub).parts
                    and not any(part.startswith(".") for part in q.relative_to(sub).parts[:-1])]
    return out


def _expand(paths) -> list[Path]:
    return [p for p, _ in discover(paths)]


def conflicts(found: list[tuple[Path, str]]) -> list[str]:
    """Two submissions of one lesson by one learner: a usage error naming both paths."""
    seen: dict[tuple, Path] = {}
    problems = []
    for p, learner in found:
        try:
            data = p.read_bytes()
        except OSError:
            continue
        lesson = parse_submission(data, p.name).lesson
        if lesson is None:
            continue
        key = (learner, lesson)
        if key in seen:
            problems.append(f"learner {learner!r} has two submissions of lesson {lesson}: {seen[key]} and {p} "
                            "(grade them in separate runs, or put each learner in their own folder ROOT/<learner>/)")
        else:
            seen[key] = p
    return problems


def main(args) -> int:
    """`python -m rnnlab grade`: the CLI entry (args.submissions, out, jobs, timeout[, memory, execute])."""
    jobs = getattr(args, "jobs", 1)
    jobs = 1 if jobs is None else jobs
    given = getattr(args, "timeout", None)
    timeout = float(given) if given is not None else 1.0
    memory = int(getattr(args, "memory", DEFAULT_MEMORY_MB) or DEFAULT_MEMORY_MB)
    problems = []
    if jobs < 1:
        problems.append("--jobs must be at least 1")
    if not timeout > 0:
        problems.append("--timeout must be a positive number of seconds")
    if memory < 256:
        problems.append("--memory must be at least 256 (MB)")
    found = discover(getattr(args, "submissions", []) or [])
    paths = [p for p, _ in found]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        problems.append("no such file: " + ", ".join(missing))
    if not paths and not missing:
        problems.append("no submissions given (or no .ipynb files in the folders given)")
    out = Path(args.out)
    merge = bool(getattr(args, "merge", False))
    if out.exists() and not out.is_dir():
        problems.append(f"--out {out} exists and is not a folder")
    elif out.is_dir() and any(out.iterdir()) and not merge:
        problems.append(f"--out {out} is not empty: use --merge to replace only the learners graded now "
                        "(keeping everyone else's rows and feedback), or give another folder")
    elif merge and out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        problems.append(f"--merge: {out} holds no {MANIFEST} (not a folder written by this grader)")
    if not problems:
        problems += conflicts(found)
    if problems:
        for p in problems:
            print(f"rnnlab grade: {p}", file=sys.stderr)
        return 2
    opts = Options(timeout=timeout, timeout_given=given is not None, memory_mb=memory,
                   execute=bool(getattr(args, "execute", False)),
                   landlock=os.environ.get("RNNLAB_GRADE_NO_LANDLOCK", "") in ("", "0"))
    processes.set_subreaper()
    start = time.monotonic()
    reports = grade(paths, out, jobs, opts, learners=dict(found), merge=merge)
    seconds = time.monotonic() - start
    print(summary_table(reports, seconds, jobs))
    abi = landlock_abi()
    isolation = (f"Landlock ABI {abi} (each submission writes only in its own temporary folder"
                 + ("; no signals to other processes)" if abi >= 6 else ")") if opts.landlock
                 else "no Landlock: course files were checked and restored after each submission, one at a time")
    print(f"isolation: {isolation}")
    print(f"wrote {out / 'grades.csv'} and {len(reports)} feedback files in {out / 'feedback'}"
          + (" (merged: other learners kept)" if merge else ""))
    return 0
