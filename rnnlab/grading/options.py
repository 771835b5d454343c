"""What every layer of the grader shares: the options of a run, the rows and reports it produces,
the columns of grades.csv, the defaults. The status names are `rnnlab.outcomes.Status`."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from ..outcomes import Status

HEADER = ["submission", "lesson", "exercise", "points", "max_points", "status"]    # grades.csv
DEFAULT_MEMORY_MB = 4096
DEFAULT_TIMEOUT = 120.0
RUN_TOKEN_ENV = "RNNLAB_GRADE_RUN"     # in every child's environment: finds the processes a submission left


@dataclasses.dataclass
class Options:
    timeout: float = DEFAULT_TIMEOUT     # seconds per exercise (phase 2) and per cell (phase 1)
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
