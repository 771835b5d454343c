"""What can go wrong between the grader and a child: a message that is not valid, and the outcomes
that end an exercise early (they carry the status the exercise gets and the hint the feedback gives)."""
from __future__ import annotations

from ..outcomes import Status


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


class Stop(BaseException):
    """Base of the outcomes that end an exercise early (never caught by `checks.evaluate`).

    A BaseException on purpose: the checks catch Exception from the learner's function, and
    none of these must ever turn into a check's verdict."""
    status = Status.ERROR

    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint


class Timeout(Stop):
    """The exercise did not finish within its deadline (the child is killed)."""
    status = Status.TIMEOUT


class Died(Stop):
    """The child crashed or exited."""


class OutOfMemory(Stop):
    """The child went over its memory limit (MemoryError, or resident memory watched from outside)."""


class Broken(Stop):
    """The child could not be started, sent garbage, or sent something the grader cannot rebuild."""
