"""Per-lesson default timeouts, from each lesson's measured exercise times.

`timings.json` (next to this module, committed) holds, per lesson, the seconds each exercise of
the solution notebook took to grade (its cell, its check and its hidden tests) on the course's
2-core reference machine. `python -m rnnlab build` stamps `grade_timeout` (seconds per exercise)
into each built lesson's metadata (`rnnlab.grade_timeout`); the grader takes a submission's
default timeout from the course's own lessons/NN_*.ipynb (never from the submission, which the
learner could edit), then from `timings.json`, then `DEFAULT_TIMEOUT`. `--timeout` overrides.

Re-measure after changing a lesson's exercises or checks (grades solutions/*.ipynb, a few minutes):

    .venv/bin/python -m rnnlab.grading.measure           # rewrites rnnlab/grading/timings.json
    .venv/bin/python -m rnnlab build                      # stamps the new defaults into lessons/
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from ..session import course_root
from .options import DEFAULT_TIMEOUT

TIMINGS = Path(__file__).with_name("timings.json")
MARGIN, SLACK, FLOOR = 4.0, 10.0, 15.0    # timeout = max(FLOOR, MARGIN * slowest exercise + SLACK)


def measured(path: Path | None = None) -> dict:
    """{lesson: {exercise: seconds}} from timings.json ({} when it is missing or unreadable)."""
    try:
        data = json.loads((path or TIMINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): {str(e): float(t) for e, t in v.items()} for k, v in data.get("lessons", {}).items()}


def timeout_from(times: dict) -> float:
    """The default seconds per exercise for a lesson whose exercises took `times` ({id: seconds})."""
    return float(max(FLOOR, math.ceil(MARGIN * max(times.values(), default=0.0) + SLACK)))


def stamped_timeout(lesson: str, root: Path | None = None) -> float | None:
    """`rnnlab.grade_timeout` of the course's built lesson NN (lessons/NN_*.ipynb), if any."""
    for p in sorted(((root or course_root()) / "lessons").glob(f"{lesson}_*.ipynb")):
        try:
            value = json.loads(p.read_text(encoding="utf-8"))["metadata"]["rnnlab"].get("grade_timeout")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return float(value) if isinstance(value, (int, float)) and value > 0 else None
    return None


def default_timeout(lesson: str | None) -> float:
    """Seconds per exercise for a submission of `lesson` when --timeout is not given."""
    if lesson is None or lesson == "?":
        return DEFAULT_TIMEOUT
    stamped = stamped_timeout(lesson)
    if stamped is not None:
        return stamped
    times = measured().get(lesson)
    return timeout_from(times) if times else DEFAULT_TIMEOUT


def exercise_seconds(lesson: str, exercise: str) -> float | None:
    return measured().get(lesson, {}).get(exercise)
