"""Flags for the instructor (they never change points): what a submission's exercise cells did that
a person should look at.

- `reference`: an exercise cell imports the reference implementation (`import rnnlab.reference`,
  `from rnnlab import reference`, `from rnnlab.reference import <a function>`, `__import__` or
  `importlib` with that name). Importing what the lesson's own stub imports (e.g. the cache
  classes `RNNStepCache`) is not flagged.
- `solutions`: an exercise cell names the course's `solutions/` folder (a string with that path
  part), or the sandbox's audit hook saw it open a file there.
- `tampering`: the sandbox's audit hook saw an attempt to write, delete or rename a file outside
  the submission's own folder (Landlock blocked it), or, without Landlock, the course guard found
  changed course files and restored them.
- `does not run` (with `--execute`): the notebook stopped before its last cell.
"""
from __future__ import annotations

import ast
import json
import re

from ..session import course_root

REFERENCE = "rnnlab.reference"
_SOLUTIONS = re.compile(r"(^|[/\\])solutions([/\\]|$)")


def _stub_imports(lesson: str, exercise: str) -> set[str]:
    """Names the lesson's own stub cell of `exercise` imports from rnnlab.reference (allowed)."""
    for p in sorted((course_root() / "lessons").glob(f"{lesson}_*.ipynb")):
        try:
            nb = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        for c in nb.get("cells", []):
            if str(c.get("metadata", {}).get("rnnlab", {}).get("exercise")) == exercise:
                src = c.get("source", "")
                src = "".join(src) if isinstance(src, list) else src
                return {name for name, _ in _reference_uses(src)}
    return set()


def _reference_uses(source: str) -> list[tuple[str, int]]:
    """(what, line) for every use of rnnlab.reference in `source`: "*" for the module itself."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return [("*", 0)] if REFERENCE in source else []
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            uses += [("*", node.lineno) for a in node.names if a.name == REFERENCE or a.name.startswith(REFERENCE + ".")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == REFERENCE or node.module.startswith(REFERENCE + "."):
                uses += [(a.name, node.lineno) for a in node.names]
            elif node.module == "rnnlab":
                uses += [("*", node.lineno) for a in node.names if a.name == "reference"]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and REFERENCE in node.value:
            uses.append(("*", node.lineno))
        elif isinstance(node, ast.Attribute) and node.attr == "reference" and \
                isinstance(node.value, ast.Name) and node.value.id == "rnnlab":
            uses.append(("*", node.lineno))
    return uses


def _names_solutions(source: str) -> int | None:
    """The line of a string naming the solutions/ folder, or None."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return 0 if _SOLUTIONS.search(source) else None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SOLUTIONS.search(node.value):
            return node.lineno
    return None


def cell_flags(lesson: str, cells: list) -> list[str]:
    """Flags from the exercise cells' source: [(exercise id, source, cell index from 0)] -> texts."""
    flags = []
    for ex_id, source, index in cells:
        allowed = _stub_imports(lesson, ex_id)
        bad = [(name, line) for name, line in _reference_uses(source) if name == "*" or name not in allowed]
        if bad:
            what = ", ".join(sorted({n for n, _ in bad if n != "*"})) or "the module"
            flags.append(f"reference: exercise {ex_id} (cell {index + 1}, line {bad[0][1]}) imports "
                         f"rnnlab.reference ({what})")
        line = _names_solutions(source)
        if line is not None:
            flags.append(f"solutions: exercise {ex_id} (cell {index + 1}, line {line}) names the solutions/ folder")
    return flags


def audit_flags(events: list[str], blocked: bool = True) -> list[str]:
    """Flags from the sandbox's audit events ("write /path", "read /path", "remove /path", ...)."""
    root = str(course_root())
    flags, seen = [], set()
    for e in events:
        op, _, path = e.partition(" ")
        shown = path.replace(root + "/", "") if path.startswith(root + "/") else path
        kind = "solutions" if op == "read" else "tampering"
        text = (f"solutions: opened {shown}" if op == "read"
                else f"tampering: tried to {op} {shown} (outside its folder"
                + ("; isolation blocked it)" if blocked else ")"))
        if (kind, shown) not in seen:
            seen.add((kind, shown))
            flags.append(text)
    return flags[:10]
