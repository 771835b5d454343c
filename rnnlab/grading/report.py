"""What the grader writes: grades.csv (`HEADER`, one row per exercise), one feedback file in
Markdown per submission (`feedback/<stem>.md`), and the summary table printed at the end."""
from __future__ import annotations

import csv
import os
from pathlib import Path

from ..outcomes import STATUSES, Status
from .options import HEADER, Report


def _words(status) -> str:
    return str(status).replace("_", " ")


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
        out.append(f"| {r.exercise} | {fn} | {_words(r.status)} | {r.points}/{r.max_points} |")
    out.append("")
    for r in rep.rows:
        if r.exercise == "*":
            continue
        out += [f"## Exercise {r.exercise} `{r.name}`: {_words(r.status)}", "", r.line, ""]
        if r.status in (Status.FAILED, Status.ERROR) and r.detail:
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
    """DIR/feedback/<stem>.md for each report (names made unique) and DIR/grades.csv (written whole,
    then renamed into place)."""
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
            for r in rep.rows:       # the status as its plain name: passed, failed, not_attempted, error, timeout
                w.writerow([rep.name, rep.lesson, r.exercise, r.points, r.max_points, str(r.status)])
    os.replace(tmp, out / "grades.csv")


def summary_table(reports: list[Report], seconds: float, jobs: int) -> str:
    """Points and statuses per submission, then the pass rate of each exercise, then the time."""
    head = f"{'submission':<32} {'lesson':>6} {'points':>7}  " + " ".join(f"{str(s)[:7]:>7}" for s in STATUSES) \
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
        lines.append(f"exercise {ex:<5} {name:<24} passed by {sts.count(Status.PASSED)}/{len(sts)}")
    n = max(len(reports), 1)
    lines.append(f"{len(reports)} submissions in {seconds:.1f} s with --jobs {jobs} "
                 f"({seconds / n:.2f} s per submission wall clock)")
    return "\n".join(lines)
