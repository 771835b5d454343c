"""`python -m rnnlab.grading.measure`: grade every solution notebook and write each exercise's
time into `timings.json`, from which lessons get their default timeout (`timing`). Then run
`python -m rnnlab build` to stamp the new defaults into lessons/."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from ..session import course_root
from .batch import grade
from .options import Options
from .timing import TIMINGS, timeout_from


def measure(out: Path = TIMINGS) -> dict:
    """Grade every solution notebook (with a generous timeout) and write the exercises' times."""
    root = course_root()
    paths = sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        reports = grade(paths, Path(tmp) / "out", 1, Options(timeout=300.0, timeout_given=True))
    lessons = {}
    for rep in reports:
        times = {r.exercise: round(r.seconds, 2) for r in rep.rows if r.exercise != "*"}
        if times and all(r.status == "passed" for r in rep.rows):
            lessons[rep.lesson] = times
        elif times:
            print(f"lesson {rep.lesson}: not every exercise of the solution passed; not measured", file=sys.stderr)
    data = {"note": "seconds to grade each exercise of solutions/NN (cell + check + hidden tests); "
                    "python -m rnnlab.grading.timing re-measures", "lessons": lessons}
    out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return data


if __name__ == "__main__":
    data = measure()
    for lesson, times in sorted(data["lessons"].items()):
        print(f"lesson {lesson}: slowest exercise {max(times.values()):.1f} s -> default timeout "
              f"{timeout_from(times):g} s")
