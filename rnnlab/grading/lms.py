"""Gradebook files for learning management systems, written from the gradebook's rows.

Canvas (Instructure's "How do I import grades in the Gradebook?", Canvas LMS 2024-2025 cloud
release): a CSV whose first columns are `Student`, `ID`, `SIS User ID`, `Section`, then one column
per assignment; a second row starting `Points Possible` gives each assignment's maximum. Canvas
matches a row by ID, else SIS User ID, else name; an assignment column without a Canvas id in
parentheses (`L02 (1234)`) makes Canvas create a new assignment on import. Roster columns used:
`name` (Student, "Last, First" as Canvas shows it), `canvas_id` (ID), `sis_id` (SIS User ID;
default the learner), `section` (Section).

Moodle (grade import "CSV file", Moodle 4.1-4.4 `grade/import/csv`): a header row, an identifier
column, one column per grade item. Here the identifier is `Email address` (the roster's email; in
the import form, "Map from" Email address, "Map to" Email address), then one column per lesson
(`L02`, ...), mapped to existing grade items or "new grade item" in the form.

Learners not on the roster are left out of both files (the LMS would not know them); the command
names them.
"""
from __future__ import annotations

import csv
from pathlib import Path

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "Section"]


def _on_roster(rows):
    return [r for r in rows if r.get("roster") != "NOT ON ROSTER"]


def canvas_rows(rows: list[dict], lessons: list[str], maxima: dict) -> list[list]:
    header = CANVAS_FIXED + [f"L{x}" for x in lessons]
    table = [header, ["Points Possible", "", "", ""] + [maxima.get(x, "") for x in lessons]]
    for r in _on_roster(rows):
        info = r.get("_info", {})
        table.append([info.get("name") or r["learner"], info.get("canvas_id", ""),
                      info.get("sis_id") or r["learner"], info.get("section", "")]
                     + [r[f"L{x}"] for x in lessons])
    return table


def moodle_rows(rows: list[dict], lessons: list[str]) -> list[list]:
    table = [["Email address"] + [f"L{x}" for x in lessons]]
    for r in _on_roster(rows):
        email = r.get("_info", {}).get("email", "")
        if email:
            table.append([email] + [r[f"L{x}"] for x in lessons])
    return table


def write(kind: str, path: Path, rows: list[dict], lessons: list[str], columns=None) -> list[str]:
    """Write the LMS file; returns the learners left out (not on the roster, or no email for Moodle)."""
    maxima = getattr(rows, "maxima", None) or (rows[0].get("_maxima", {}) if rows else {})
    table = canvas_rows(rows, lessons, maxima) if kind == "canvas" else moodle_rows(rows, lessons)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(table)
    left = [r["learner"] for r in rows if r.get("roster") == "NOT ON ROSTER"]
    if kind == "moodle":
        left += [r["learner"] for r in _on_roster(rows) if not r.get("_info", {}).get("email")]
    return left
