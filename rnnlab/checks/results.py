"""What a check produces: a `Result` with its `Status`, and this kernel's last result per exercise.

The statuses are `rnnlab.outcomes.Status` (a str enumeration: `Status.PASSED == "passed"` and
`str(Status.PASSED) == "passed"`), so results print, compare and store as the plain strings.
`PASSED`, `FAILED`, ... are the enumeration's members under their old names.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..outcomes import Status

PASSED, FAILED, NOT_ATTEMPTED, ERROR, TIMEOUT = (Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED, Status.ERROR,
                                                 Status.TIMEOUT)


@dataclass
class Result:
    exercise: str
    name: str
    status: Status             # a plain string ("passed") is accepted and converted
    hint: str = ""
    points: int = 0
    max_points: int = 1
    detail: str = field(default="", repr=False)

    def __post_init__(self):
        self.status = Status(self.status)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def line(self) -> str:
        head = f"Exercise {self.exercise} {self.name}:"
        if self.status == PASSED:
            return f"{head} passed"
        if self.status == NOT_ATTEMPTED:
            return f"{head} not attempted yet (later cells use the reference implementation)"
        return f"{head} {str(self.status).replace('_', ' ')}. {self.hint}"


_session: dict[str, Result] = {}


def session_result(id: str) -> Result | None:
    """The last result of exercise `id` in this kernel (used to point at an earlier failure)."""
    return _session.get(id)
