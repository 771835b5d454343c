"""What every layer of the grader shares: the options of a run, the rows and reports it produces,
the columns of grades.csv, the defaults. The status names are `rnnlab.outcomes.Status`."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from ..outcomes import Status

HEADER = ["submission", "learner", "lesson", "exercise", "points", "max_points", "status"]    # grades.csv
MANIFEST = "submissions.json"   # DIR/submissions.json: per submission its learner, lesson, file time, flags
DEFAULT_MEMORY_MB = 4096
DEFAULT_TIMEOUT = 120.0         # only when a lesson has no measured time (see `timing`)
RUN_TOKEN_ENV = "RNNLAB_GRADE_RUN"     # in every child's environment: finds the processes a submission left


@dataclasses.dataclass
class Options:
    timeout: float = DEFAULT_TIMEOUT     # seconds per exercise (phase 2) and per cell (phase 1)
    timeout_given: bool = False          # --timeout was given: it overrides the lessons' defaults
    memory_mb: int = DEFAULT_MEMORY_MB
    execute: bool = False                # phase 1: run the whole notebook with nbclient
    landlock: bool = True                # use Landlock when the kernel has it
    run_token: str = ""


@dataclasses.dataclass
class Row:
    """One exercise of one submission: a row of grades.csv and a section of its feedback."""
    exercise: str
    name: str
    status: Status
    points: int
    max_points: int
    line: str                 # the check's one-line verdict, as in the notebook
    detail: str = ""
    seconds: float = 0.0      # the exercise's cell, check and hidden tests


@dataclasses.dataclass
class Report:
    """One submission, graded."""
    path: Path
    name: str
    lesson: str
    title: str
    rows: list[Row]
    notes: list[str]
    error: str | None = None
    run: dict | None = None              # phase 1: what happened when the whole notebook ran
    seconds: float = 0.0
    feedback_name: str = ""
    learner: str = ""                    # the sub-folder of ROOT/<learner>/, else the file's stem
    mtime: str = ""                      # the file's modification time, ISO 8601 UTC
    flags: list = dataclasses.field(default_factory=list)   # for the instructor; never change points
    timeout: float = 0.0                 # seconds per exercise used for this submission
