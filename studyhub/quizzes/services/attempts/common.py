"""What every part of an attempt shares: the grace, the deadline arithmetic, closing."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed
from studyhub.quizzes.models import (
    Attempt,
    QuestionType,
)

DEFAULT_GRACE = timedelta(seconds=60)


MAX_SEQ = 2**31 - 1


SHUFFLED_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


class AttemptClosed(Closed):
    """The attempt no longer takes answers; ``was_submitted_now`` if this call submitted it."""

    def __init__(self, message: Any, *, was_submitted_now: bool) -> None:
        super().__init__(message)
        self.was_submitted_now = was_submitted_now


def remaining_seconds(attempt: Attempt, *, now: datetime) -> int | None:
    """Seconds to the deadline, rounded up (0 once past it); ``None`` without a deadline."""
    return seconds_to(attempt.deadline_at, now)


def seconds_to(deadline_at: datetime | None, now: datetime) -> int | None:
    """Seconds from ``now`` to ``deadline_at``, rounded up (0 once past); ``None`` without one."""
    if deadline_at is None:
        return None
    return max(0, math.ceil((as_utc(deadline_at) - as_utc(now)).total_seconds()))


def is_expired(attempt: Attempt, *, now: datetime, grace: timedelta) -> bool:
    """Past the deadline and the grace: no more answers, it is due to be submitted."""
    return attempt.deadline_at is not None and is_past(attempt.deadline_at, now=now, grace=grace)


def is_past(deadline_at: datetime, *, now: datetime, grace: timedelta) -> bool:
    """Whether ``now`` is past ``deadline_at`` and the grace."""
    return as_utc(now) > as_utc(deadline_at) + grace
