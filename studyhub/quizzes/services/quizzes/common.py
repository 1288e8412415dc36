"""What the quiz modules share: limits, the audit record, totals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from studyhub.org.auditing import in_committee, record_in
from studyhub.quizzes.models import (
    Attempt,
    Quiz,
)

TITLE_MAX = 200
INSTRUCTIONS_MAX = 5000
MAX_TIME_LIMIT_SECONDS = 24 * 3600
MAX_ATTEMPTS = 100
MAX_RULE_COUNT = 200
MAX_QUESTIONS = 300  # per attempt; also bounds the draw's recursion
MAX_POINTS = Decimal(1000)
PUBLISH_CHECK_SEED = 0


def record(
    session: Session,
    quiz: Quiz,
    kind: str,
    *,
    actor_id: int | None,
    now: datetime,
    changes: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An act on a quiz in its committee's audit log."""
    record_in(
        session,
        in_committee(session, quiz.committee_id),
        kind,
        actor_id=actor_id,
        now=now,
        object_type="quiz",
        object_id=quiz.id,
        summary=quiz.title,
        changes=changes,
        details=details,
    )


def record_change(
    session: Session,
    quiz: Quiz,
    *,
    actor_id: int | None,
    now: datetime,
    changes: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """A change to a published quiz in the audit log (a draft's changes are not recorded)."""
    if quiz.published_at is not None:
        record(
            session,
            quiz,
            "quiz.changed",
            actor_id=actor_id,
            now=now,
            changes=changes,
            details=details,
        )


def has_attempts(session: Session, quiz: Quiz) -> bool:
    return bool(session.scalar(select(exists().where(Attempt.quiz_id == quiz.id))))


def max_score(quiz: Quiz) -> Decimal:
    return sum((slot.points * slot.count for slot in quiz.slots), Decimal(0))


def question_count(quiz: Quiz) -> int:
    return sum(slot.count for slot in quiz.slots)


def ancestor_ids(path: str) -> list[int]:
    """The ids in a materialised path, the unit itself last (``/1/5/9/`` → 1, 5, 9)."""
    return [int(part) for part in path.strip("/").split("/") if part]
