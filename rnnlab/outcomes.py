"""Names shared by the checks, the grader and the authoring tools: outcomes, cell tags, metadata keys.

A leaf module (it imports nothing from rnnlab), so every layer can use it.
"""
from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """The outcome of one exercise, in a notebook check or in the grader's `grades.csv`."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"
    ERROR = "error"                  # the code did not run (or crashed the process)
    TIMEOUT = "timeout"              # grader only: the exercise did not finish in time

    def __str__(self) -> str:        # "passed", as written in grades.csv and in check lines
        return self.value


STATUSES = tuple(Status)

HIDDEN_TEST_TAG = "hidden-test"          # a solution cell the grader runs and lessons/ never contain
CHECK_OUTPUT_TAG = "nbval-check-output"  # a cell whose output nbval compares
RAISES_TAG = "raises-exception"          # a cell expected to raise
METADATA_KEY = "rnnlab"                  # notebook and cell metadata: {"rnnlab": {"lesson": "02"}}, {"exercise": "2.1"}
