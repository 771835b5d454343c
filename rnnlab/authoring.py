"""Lessons from solutions.

solutions/NN_slug.ipynb is the source of lesson NN: full solutions, executed, outputs
stored. `build` writes lessons/NN_slug.ipynb from it:

- outputs and execution counts cleared, per-run metadata (timings, widget state) dropped;
- every `### BEGIN SOLUTION` ... `### END SOLUTION` region (inside a function body)
  replaced by `raise NotImplementedError("Exercise N.k")`, N.k from the cell's
  `rnnlab.exercise` metadata; a region holding `### LESSON: code` lines becomes those
  lines instead (marker removed, indentation kept), so a debugging exercise can show the
  learner the buggy code while the solution holds the fix;
- cells tagged `hidden-test` dropped (the grader uses them);
- the `nbval-check-output` tag dropped: a lesson stores no outputs to compare with, so in
  lessons/ nbval checks only that every cell runs; the solutions carry the compared lines.

`from_percent` turns a "# %%" script into a notebook, for writing a new lesson quickly.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat

from .outcomes import CHECK_OUTPUT_TAG as CHECK_TAG
from .outcomes import HIDDEN_TEST_TAG as HIDDEN_TAG
from .session import course_root

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
LESSON = "### LESSON: "
_RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


class AuthoringError(ValueError):
    pass


def strip_solutions(source: str, exercise_id: str | None, where: str) -> str:
    """Replace each solution region with a NotImplementedError stub at the region's indentation
    (or with the region's `### LESSON: ` lines, marker removed, when it has any)."""
    lines = source.split("\n")
    out, inside, indent = [], False, ""
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise AuthoringError(f"{where} line {n}: {BEGIN} inside another solution region")
            if exercise_id is None:
                raise AuthoringError(f"{where}: a solution region needs the cell metadata rnnlab.exercise")
            indent = line[: len(line) - len(line.lstrip())]
            if not indent:
                raise AuthoringError(f"{where} line {n}: solution regions must sit inside a function body, "
                                     "so that an unfilled lesson still runs top to bottom")
            inside = True
            region = []
        elif stripped == END:
            if not inside:
                raise AuthoringError(f"{where} line {n}: {END} without {BEGIN}")
            inside = False
            out.extend(region or [f'{indent}raise NotImplementedError("Exercise {exercise_id}")'])
        elif inside and stripped.startswith(LESSON.strip()):
            region.append(line.replace(LESSON if LESSON in line else LESSON.strip(), "", 1).rstrip())
        elif not inside:
            out.append(line)
    if inside:
        raise AuthoringError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def clean_cell_metadata(cell) -> None:
    for key in _RUN_METADATA:
        cell.metadata.pop(key, None)


def _grade_timeout(lesson) -> float | None:
    """The lesson's default grading timeout, from its measured exercise times
    (`rnnlab/grading/timings.json`; `python -m rnnlab.grading.measure` re-measures)."""
    from .grading.timing import measured, timeout_from
    try:
        times = measured().get(f"{int(lesson):02d}")
    except (TypeError, ValueError):
        return None
    return timeout_from(times) if times else None


def lesson_from_solution(nb):
    """Return the lesson notebook built from a solution notebook (the argument is not modified)."""
    nb = copy.deepcopy(nb)
    lesson = nb.metadata.get("rnnlab", {}).get("lesson")
    if not lesson:
        raise AuthoringError("the notebook needs metadata rnnlab.lesson (e.g. \"02\")")
    cells = []
    for i, cell in enumerate(nb.cells):
        tags = list(cell.metadata.get("tags", []))
        if HIDDEN_TAG in tags:
            continue
        clean_cell_metadata(cell)
        cell.pop("id", None)
        if cell.cell_type == "code":
            ex = cell.metadata.get("rnnlab", {}).get("exercise")
            cell.source = strip_solutions(cell.source, ex, f"cell {i}")
            cell.outputs = []
            cell.execution_count = None
            if CHECK_TAG in tags:
                tags.remove(CHECK_TAG)
        elif BEGIN in cell.source:
            raise AuthoringError(f"cell {i}: solution markers in a {cell.cell_type} cell")
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    timeout = _grade_timeout(lesson)
    if timeout is not None:          # the grader's default seconds per exercise for this lesson
        nb.metadata["rnnlab"]["grade_timeout"] = timeout
    nb.nbformat, nb.nbformat_minor = 4, 5
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"{lesson}-{n:03d}"
    return nb


def dumps(nb) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def build(root: Path | None = None, check: bool = False, only: list[str] | None = None) -> list[str]:
    """Build lessons/ from solutions/. With check=True write nothing and return what differs."""
    root = root or course_root()
    sol_dir, les_dir = root / "solutions", root / "lessons"
    les_dir.mkdir(exist_ok=True)
    problems = []
    expected_names = set()
    for src in sorted(sol_dir.glob("[0-9][0-9]_*.ipynb")):
        expected_names.add(src.name)
        if only and not any(src.name.startswith(o) for o in only):
            continue
        text = dumps(lesson_from_solution(read(src)))
        dst = les_dir / src.name
        current = dst.read_text(encoding="utf-8") if dst.exists() else None
        if current != text:
            if check:
                problems.append(f"lessons/{src.name} differs from what solutions/{src.name} builds"
                                if current is not None else f"lessons/{src.name} is missing")
            else:
                dst.write_text(text, encoding="utf-8")
                problems.append(f"wrote lessons/{src.name}")
    for stale in sorted(les_dir.glob("[0-9][0-9]_*.ipynb")):
        if stale.name not in expected_names:
            problems.append(f"lessons/{stale.name} has no solutions/{stale.name}")
    return problems


_CELL = re.compile(r"^# %%(?: \[(markdown)\])?(.*)$")


def from_percent(text: str, lesson: str, title: str):
    """Parse a percent-format script into a notebook.

    Cell headers: `# %%` (code) or `# %% [markdown]`, optionally followed by
    `tags=a,b` and `exercise=2.1`. Markdown lines drop their leading "# ".
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "rnnlab": {"lesson": lesson, "title": title},
    }
    current = None
    for line in text.split("\n"):
        m = _CELL.match(line)
        if m:
            current = {"kind": "markdown" if m.group(1) else "code", "lines": [], "opts": m.group(2).strip()}
            nb.cells.append(current)
            continue
        if current is None:
            continue
        current["lines"].append(line)
    cells = []
    for c in nb.cells:
        lines = c["lines"]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if c["kind"] == "markdown":
            src = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines)
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        for opt in c["opts"].split():
            key, _, value = opt.partition("=")
            if key == "tags":
                cell.metadata["tags"] = [t for t in value.split(",") if t]
            elif key == "exercise":
                cell.metadata["rnnlab"] = {"exercise": value}
        cells.append(cell)
    nb.cells = cells
    return nb


def execute(path: Path, timeout: int = 300, strict: bool = True) -> float:
    """Execute a solution notebook in place (outputs stored); returns the seconds it took.

    Runs in the notebook's folder, with RNNLAB_STRICT=1 so a failing check stops it, and a
    throw-away progress store so authoring never touches a learner's progress.
    """
    import os
    import tempfile
    import time

    from nbclient import NotebookClient

    nb = read(path)
    env_before = {k: os.environ.get(k) for k in ("RNNLAB_STRICT", "RNNLAB_PROGRESS")}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RNNLAB_PROGRESS"] = str(Path(tmp) / "progress.json")
        if strict:
            os.environ["RNNLAB_STRICT"] = "1"
        try:
            client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}},
                                    store_widget_state=True)  # False breaks Output widgets in nbclient 0.11
            start = time.perf_counter()
            client.execute()
            seconds = time.perf_counter() - start
        finally:
            for k, v in env_before.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    for cell in nb.cells:
        clean_cell_metadata(cell)
    nb.metadata.pop("widgets", None)
    path.write_text(dumps(nb), encoding="utf-8")
    return seconds
