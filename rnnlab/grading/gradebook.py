"""`python -m rnnlab gradebook DIR... --out gradebook.csv [--roster roster.csv] [--lms canvas|moodle --lms-out FILE]`

Reads grade folders written by `python -m rnnlab grade` (their `grades.csv` and `submissions.json`,
usually one folder per lesson) and writes one row per learner:

    learner, L02, L05, ..., total, max_total, status_L02, status_L05, ..., roster

`LNN` is the learner's points in lesson NN (0 when missing), `max_total` the points a learner could
have had in those lessons, `status_LNN` is `ok`, `missing`, or any of `late`, `flagged` joined by
`+` (flags and lateness never change points: the instructor decides). `roster` is `yes` for a
learner on the roster, `NOT ON ROSTER` for one who is not (listed after the roster's learners).

The roster is a CSV with a `learner` column (the folder name under ROOT/<learner>/, or the file
stem) and, optionally, `name`, `email`, `section`, `sis_id`, `canvas_id`, a `deadline` for every
lesson and `deadline_LNN` for one lesson (ISO 8601: `2026-12-05T18:00+01:00`; a date alone is the
end of that day, a time without offset is UTC). A submission whose file was modified after its
deadline is `late`. The LMS files (`lms`) are written from the same rows.
"""
from __future__ import annotations

import csv
import datetime
import json
import sys
from pathlib import Path

from .options import HEADER, MANIFEST

UTC = datetime.timezone.utc


def parse_time(text: str) -> datetime.datetime | None:
    """ISO 8601 to an aware datetime; a date alone is the end of that day (UTC); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) == 10:
        d = datetime.date.fromisoformat(text)
        return datetime.datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=UTC)
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class GradebookError(ValueError):
    pass


def read_folder(folder: Path) -> tuple[dict, dict]:
    """({(learner, lesson): points}, {(learner, lesson): manifest entry}) and lesson max points."""
    path = folder / "grades.csv"
    try:
        with open(path, newline="", encoding="utf-8") as f:
            table = list(csv.reader(f))
    except OSError as exc:
        raise GradebookError(f"{path}: cannot be read ({exc.strerror or exc}); is {folder} a folder "
                             "written by `python -m rnnlab grade`?") from None
    if not table or table[0] != HEADER:
        raise GradebookError(f"{path}: expected the header {','.join(HEADER)}, got "
                             f"{','.join(table[0]) if table else 'an empty file'} (grade it again with this version)")
    points: dict = {}
    maxima: dict = {}
    for row in table[1:]:
        if len(row) != len(HEADER):
            continue
        rec = dict(zip(HEADER, row))
        if rec["lesson"] == "?":
            continue
        key = (rec["learner"], rec["lesson"])
        points[key] = points.get(key, 0) + int(rec["points"])
        maxima.setdefault(key, 0)
        maxima[key] += int(rec["max_points"])
    entries = {}
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        for e in data.get("submissions", []):
            entries[(e.get("learner"), e.get("lesson"))] = e
    except (OSError, ValueError):
        pass
    return {"points": points, "max": maxima, "entries": entries}


def read_roster(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise GradebookError(f"roster {path}: cannot be read ({exc.strerror or exc})") from None
    if not rows or "learner" not in (rows[0].keys()):
        raise GradebookError(f"roster {path}: needs a column named `learner` (the folder name of each learner "
                             "under ROOT/<learner>/); optional: name, email, section, sis_id, canvas_id, deadline, "
                             "deadline_L02, ...")
    seen, out = set(), []
    for i, r in enumerate(rows, 2):
        learner = (r.get("learner") or "").strip()
        if not learner:
            raise GradebookError(f"roster {path}, line {i}: empty learner")
        if learner in seen:
            raise GradebookError(f"roster {path}, line {i}: learner {learner!r} appears twice")
        seen.add(learner)
        for k, v in r.items():
            if k and k.startswith("deadline") and v and v.strip():
                try:
                    parse_time(v)
                except ValueError:
                    raise GradebookError(f"roster {path}, line {i}: {k} = {v!r} is not a date or time "
                                         "(ISO 8601, e.g. 2026-12-05 or 2026-12-05T18:00+01:00)") from None
        out.append({k: (v or "").strip() for k, v in r.items() if k})
    return out


def build(folders: list[Path], roster: list[dict] | None = None) -> tuple[list[str], list[dict], list[str]]:
    """(columns, rows, lessons) of the gradebook."""
    points, maxima, entries = {}, {}, {}
    for folder in folders:
        part = read_folder(folder)
        points.update(part["points"])
        entries.update(part["entries"])
        for (_, lesson), m in part["max"].items():
            maxima[lesson] = max(maxima.get(lesson, 0), m)
    lessons = sorted(maxima)
    submitted = sorted({learner for learner, _ in points})
    by_roster = {r["learner"]: r for r in roster or []}
    order = [r["learner"] for r in roster or []] + [x for x in submitted if x not in by_roster]
    if roster is None:
        order = submitted
    columns = ["learner"] + [f"L{x}" for x in lessons] + ["total", "max_total"] + [f"status_L{x}" for x in lessons] \
        + ["roster"]
    rows = []
    for learner in order:
        info = by_roster.get(learner, {})
        row = {"learner": learner}
        total = 0
        for lesson in lessons:
            key = (learner, lesson)
            if key not in points:
                row[f"L{lesson}"] = 0
                row[f"status_L{lesson}"] = "missing"
                continue
            total += points[key]
            row[f"L{lesson}"] = points[key]
            status = []
            e = entries.get(key, {})
            deadline = parse_time(info.get(f"deadline_L{lesson}") or info.get("deadline", ""))
            mtime = parse_time(e.get("mtime", "")) if e.get("mtime") else None
            if deadline is not None and mtime is not None and mtime > deadline:
                status.append("late")
            if e.get("flags"):
                status.append("flagged")
            row[f"status_L{lesson}"] = "+".join(status) or "ok"
        row["total"] = total
        row["max_total"] = sum(maxima.values())
        row["roster"] = ("yes" if learner in by_roster else "NOT ON ROSTER") if roster is not None else ""
        row["_info"] = info
        row["_maxima"] = maxima
        row["_flags"] = {lesson: entries.get((learner, lesson), {}).get("flags", []) for lesson in lessons}
        rows.append(row)
    return columns, rows, lessons


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])


def main(args) -> int:
    from . import lms
    problems = []
    folders = [Path(d) for d in args.dirs]
    for d in folders:
        if not (d / "grades.csv").is_file():
            problems.append(f"{d}: no grades.csv (give folders written by `python -m rnnlab grade --out DIR`)")
    if bool(getattr(args, "lms", None)) != bool(getattr(args, "lms_out", None)):
        problems.append("--lms and --lms-out go together (e.g. --lms canvas --lms-out canvas.csv)")
    if getattr(args, "lms", None) == "moodle" and not getattr(args, "roster", None):
        problems.append("--lms moodle needs --roster with an email column (Moodle matches learners by email)")
    if problems:
        for p in problems:
            print(f"rnnlab gradebook: {p}", file=sys.stderr)
        return 2
    try:
        roster = read_roster(Path(args.roster)) if getattr(args, "roster", None) else None
        if args.lms == "moodle" and roster and "email" not in roster[0]:
            raise GradebookError(f"--lms moodle: the roster {args.roster} has no email column")
        columns, rows, lessons = build(folders, roster)
    except GradebookError as exc:
        print(f"rnnlab gradebook: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    write_csv(out, columns, rows)
    print(f"wrote {out}: {len(rows)} learners, lessons {', '.join(lessons)}")
    off = [r["learner"] for r in rows if r["roster"] == "NOT ON ROSTER"]
    if off:
        print(f"not on the roster: {', '.join(off)}")
    for r in rows:
        for lesson, flags in r["_flags"].items():
            for f in flags:
                print(f"flag {r['learner']} L{lesson}: {f}")
    if getattr(args, "lms", None):
        path = Path(args.lms_out)
        skipped = lms.write(args.lms, path, rows, lessons, columns)
        print(f"wrote {path} ({args.lms})" + (f"; left out (not on the roster): {', '.join(skipped)}" if skipped else ""))
    return 0
