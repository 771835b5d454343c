"""Reading a submission and the hidden tests; no learner code runs here.

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

Hidden tests are cells tagged `hidden-test` in `solutions/NN_*.ipynb` (never in lessons/),
read before any learner code runs.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

from .. import checks
from ..outcomes import HIDDEN_TEST_TAG, METADATA_KEY
from ..session import course_root


@dataclasses.dataclass
class Parsed:
    lesson: str | None                   # "02", or None when it cannot be determined
    title: str = ""
    cells: list = dataclasses.field(default_factory=list)   # [(exercise id, source, cell index from 0)]
    # notes and feedback number cells from 1, as Jupyter shows them (cell i here is "cell i + 1")
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
    r = _meta(obj).get(METADATA_KEY)
    return r if isinstance(r, dict) else {}


def lesson_from_filename(name: str) -> str | None:
    """"02" for "02_hidden_state.ipynb"; None when the name does not start with two digits."""
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
    checks._load_all()
    by_name = lesson_from_filename(filename)
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
            notes.append(f"Cell {i + 1} is marked as exercise {ex!r}, which lesson {lesson} does not have.")
            continue
        if ex in chosen:
            notes.append(f"Exercise {ex} appears in more than one cell; the last one (cell {i + 1}) was graded.")
        chosen[ex] = (ex, src, i)
    for ex_id, ex in known.items():
        if ex_id in chosen:
            continue
        candidates = [(i, _source(c)) for i, c in code
                      if str(_rnnlab_meta(c).get("exercise")) not in known and _defines(_source(c), ex.name)]
        if candidates:
            i, src = candidates[-1]
            chosen[ex_id] = (ex_id, src, i)
            notes.append(f"Exercise {ex_id}: no cell carries its exercise metadata; cell {i + 1}, which defines "
                         f"`{ex.name}`, was graded instead.")
    return Parsed(lesson, title, sorted(chosen.values(), key=lambda t: t[2]), notes, notebook=nb)


# --------------------------------------------------------------------------------------
# Hidden tests
# --------------------------------------------------------------------------------------

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
            if HIDDEN_TEST_TAG in tags:
                target = str(meta.get("hidden_test") or current or "")
                if target:
                    tests.setdefault(target, []).append(HiddenTest(target, _source(cell), f"{path.name} cell {i}"))
    return tests
