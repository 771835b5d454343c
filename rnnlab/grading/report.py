"""What the grader writes: grades.csv (`HEADER`, one row per exercise), one feedback file in
Markdown per submission (`feedback/<stem>.md`), and the summary table printed at the end."""
from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

from ..outcomes import STATUSES, Status
from .options import HEADER, MANIFEST, Report
from .text import clean_line

def feedback_stem(learner: str) -> str:
    return re.sub(r"[^\w.-]+", "_", learner).strip("._") or "learner"


def _words(status) -> str:
    return str(status).replace("_", " ")


def feedback_markdown(rep: Report) -> str:
    total = sum(r.points for r in rep.rows)
    maximum = sum(r.max_points for r in rep.rows)
    title = f" ({rep.title})" if rep.title else ""
    who = rep.learner or Path(rep.name).stem
    out = [f"# Feedback for {who}: {rep.path}", ""]
    if rep.lesson == "?":
        out += ["The lesson of this file could not be determined, so it was not graded.", ""]
    else:
        out += [f"Lesson {rep.lesson}{title}: **{total} of {maximum} points**.", ""]
    if rep.error:
        out += [f"**This file could not be graded:** {clean_line(rep.error)}.", ""]
    out += ["| exercise | function | status | points |", "|---|---|---|---|"]
    for r in rep.rows:
        fn = f"`{r.name}`" if r.name else ""
        out.append(f"| {r.exercise} | {fn} | {_words(r.status)} | {r.points}/{r.max_points} |")
    out.append("")
    for r in rep.rows:
        if r.exercise == "*":
            continue
        out += [f"## Exercise {r.exercise} `{r.name}`: {_words(r.status)}", "", clean_line(r.line), ""]
        where = r.detail if r.status in (Status.FAILED, Status.ERROR) and r.detail else ""
        if where:
            out += ["Where it happened:", "", "```", where[-1500:], "```", ""]
    if rep.run is not None:
        run = rep.run
        out += ["## Does the whole notebook run?", ""]
        if run.get("ran"):
            out.append(f"Yes: every cell ran, top to bottom, in {run.get('seconds', 0):g} s "
                       f"(peak memory {run.get('peak_rss_mb', 0)} MB).")
        else:
            where = f" (cell {run['failed_cell']})" if run.get("failed_cell") is not None else ""
            out.append(f"No{where}: {clean_line(run.get('why', 'it stopped'))}. The grade above does not depend on this: "
                       "exercises are graded on their own.")
        if run.get("check_lines"):
            out += ["", "The checks in your notebook printed:", "", "```", *run["check_lines"], "```"]
        out.append("")
    if rep.notes:
        out += ["## Notes", ""] + [f"- {clean_line(n)}" for n in rep.notes if not n.startswith("Traceback")] + [""]
    out += ["Exercises are graded by running only your exercise cells, each followed by its check (and any",
            "hidden tests), in a fresh process: the rest of the notebook does not affect the grade.", ""]
    return "\n".join(out)


def _entry(rep: Report) -> dict:
    run = rep.run
    return {"submission": str(rep.path), "learner": rep.learner, "lesson": rep.lesson, "mtime": rep.mtime,
            "points": sum(r.points for r in rep.rows), "max_points": sum(r.max_points for r in rep.rows),
            "flags": list(rep.flags), "runs": None if run is None else bool(run.get("ran")),
            "timeout": rep.timeout, "feedback": f"feedback/{rep.feedback_name}"}


def read_manifest(out: Path) -> list[dict]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in data.get("submissions", []) if isinstance(e, dict)]


def _replace(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_outputs(reports: list[Report], out: Path, merge: bool = False) -> None:
    """DIR/feedback/<learner>.md for each report, DIR/grades.csv and DIR/submissions.json (each written
    whole, then renamed into place). With `merge`, the rows, feedback files and entries of the learners
    graded now replace theirs; everyone else's are kept."""
    out.mkdir(parents=True, exist_ok=True)
    fb = out / "feedback"
    fb.mkdir(exist_ok=True)
    now = {rep.learner or Path(rep.name).stem for rep in reports}
    old_rows, old_entries = [], []
    if merge:
        old_entries = [e for e in read_manifest(out) if e.get("learner") not in now]
        for e in read_manifest(out):
            if e.get("learner") in now and e.get("feedback"):
                (out / e["feedback"]).unlink(missing_ok=True)
        try:
            with open(out / "grades.csv", newline="", encoding="utf-8") as f:
                table = list(csv.reader(f))
            if table and table[0] == HEADER:
                old_rows = [r for r in table[1:] if len(r) == len(HEADER) and r[1] not in now]
        except OSError:
            pass
    used = {Path(e.get("feedback", "")).stem.lower() for e in old_entries}
    lessons: dict[str, int] = {}
    for rep in reports:
        lessons[rep.learner] = lessons.get(rep.learner, 0) + 1
    for rep in reports:
        stem = feedback_stem(rep.learner or Path(rep.name).stem)
        if lessons.get(rep.learner, 0) > 1:            # one learner, several lessons in this run
            stem = f"{stem}-L{rep.lesson}"
        candidate, n = stem, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        rep.feedback_name = f"{candidate}.md"
        (fb / rep.feedback_name).write_text(feedback_markdown(rep), encoding="utf-8")

    def rows(tmp):
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            w.writerows(old_rows)
            for rep in reports:
                for r in rep.rows:   # the status as its plain name: passed, failed, not_attempted, error, timeout
                    w.writerow([str(rep.path), rep.learner, rep.lesson, r.exercise, r.points, r.max_points,
                                str(r.status)])

    def manifest(tmp):
        tmp.write_text(json.dumps({"submissions": old_entries + [_entry(r) for r in reports]}, indent=1),
                       encoding="utf-8")
    _replace(out / "grades.csv", rows)
    _replace(out / MANIFEST, manifest)


def summary_table(reports: list[Report], seconds: float, jobs: int) -> str:
    """Points and statuses per submission, then the pass rate of each exercise, then the time."""
    head = f"{'learner':<20} {'submission':<28} {'lesson':>6} {'points':>7}  " \
        + " ".join(f"{str(s)[:7]:>7}" for s in STATUSES) + f" {'time':>6} {'runs':>4}  flags"
    lines = [head, "-" * len(head)]
    for rep in reports:
        counts = [sum(r.status == s for r in rep.rows) for s in STATUSES]
        pts = f"{sum(r.points for r in rep.rows)}/{sum(r.max_points for r in rep.rows)}"
        runs = "-" if rep.run is None else ("yes" if rep.run.get("ran") else "NO")
        flags = sorted({f.split(":")[0] for f in rep.flags})
        lines.append(f"{(rep.learner or Path(rep.name).stem)[:20]:<20} {rep.name[:28]:<28} {rep.lesson:>6} "
                     f"{pts:>7}  " + " ".join(f"{c:>7}" for c in counts)
                     + f" {rep.seconds:>5.1f}s {runs:>4}  " + (", ".join(flags) or "-"))
    lines.append("-" * len(head))
    for rep in reports:
        for f in rep.flags:
            lines.append(f"flag {(rep.learner or rep.name)}: {f}")
    per_ex: dict[tuple, list] = {}
    for rep in reports:
        for r in rep.rows:
            if r.exercise != "*":
                per_ex.setdefault((rep.lesson, r.exercise, r.name), []).append(r.status)
    for (lesson, ex, name), sts in sorted(per_ex.items(), key=lambda kv: (kv[0][0], [int(p) for p in kv[0][1].split(".")])):
        lines.append(f"exercise {ex:<5} {name:<24} passed by {sts.count(Status.PASSED)}/{len(sts)}")
    n = max(len(reports), 1)
    lines.append(f"{len(reports)} submissions in {seconds:.1f} s with --jobs {jobs} "
                 f"({seconds / n:.2f} s per submission wall clock)")
    return "\n".join(lines)
