"""Verdict lines: a claim a lesson makes, whether its output bears it out, and the numbers behind it.

A cell tagged `nbval-check-output` is compared line by line on every machine, so a line it
prints must hold on any machine, seed and thread count. `verdict` prints the claim and its
truth (compared) with the measured numbers in brackets after `measured` (shown to the learner,
not compared: `tests/nbval_sanitize.cfg` masks them, and `python -m rnnlab robust` too):

    >>> verdict("without clipping the loss diverges", True, "reached 3.1e+05, started at 0.69")
    without clipping the loss diverges: True (measured: reached 3.1e+05, started at 0.69)
"""
from __future__ import annotations

import re

# what nbval and `rnnlab robust` replace before comparing a line (keep in step with tests/nbval_sanitize.cfg)
MEASURED = re.compile(r"\(measured: [^()]*(?:\([^()]*\)[^()]*)*\)")
MASK = "(measured: ...)"


def verdict_line(claim: str, ok, measured: str | None = None) -> str:
    line = f"{claim}: {bool(ok)}"
    if measured:
        line += f" (measured: {measured})"
    return line


def verdict(claim: str, ok, measured: str | None = None) -> None:
    """Print `claim: True|False (measured: ...)`."""
    print(verdict_line(claim, ok, measured))


def mask_measured(text: str) -> str:
    """The text with every `(measured: ...)` part replaced by a fixed mask."""
    return MEASURED.sub(MASK, text)
