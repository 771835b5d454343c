"""Text for learners: one clean line, and the learner's own frames of a traceback (no grader
internals, no interpreter paths; cell lines counted as Jupyter shows them, from 1)."""
from __future__ import annotations

import re

_FRAME = re.compile(r'^\s*File "<(?:exercise [\d.]+|submission)>", line (\d+), in (\S+)\s*$')
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.+@-]+){2,}/?")


def clean_line(text: str) -> str:
    """One line, with no file system path (a path is replaced by its last part)."""
    text = " ".join(str(text).split())
    return _PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def learner_traceback(detail: str, source: str = "") -> str:
    """The frames of a traceback that are the learner's own code, with the cell's line numbers as
    Jupyter numbers them, and its last line; the grader's and the libraries' frames are left out.
    (Frames of `<submission>` count lines from the function's `def`; `source`, the cell, shifts them.)"""
    lines = str(detail).strip().splitlines()
    out = []
    for i, ln in enumerate(lines):
        m = _FRAME.match(ln)
        if not m:
            continue
        line, fn = int(m.group(1)), m.group(2)
        if "<submission>" in ln:
            d = re.search(rf"^def\s+{re.escape(fn)}\s*\(", source, re.M)
            line += source[:d.start()].count("\n") if d else 0
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        code = nxt.strip() if nxt.startswith("    ") and not nxt.lstrip().startswith("File ") else ""
        if not code and source and 1 <= line <= len(source.splitlines()):
            code = source.splitlines()[line - 1].strip()
        where = f"line {line} of your cell" + (f", in {fn}" if fn != "<module>" else "")
        out.append(where + (f": {code}" if code else ""))
    last = next((ln for ln in reversed(lines) if ln.strip() and not ln.startswith(" ")), "")
    if last and not last.startswith("Traceback") and not _FRAME.match(last):
        out.append(clean_line(last))
    return "\n".join(out)
