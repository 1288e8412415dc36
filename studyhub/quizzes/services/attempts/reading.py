"""An attempt's items as shown, and a member's standing on a quiz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.errors import Closed
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Quiz,
)
from studyhub.quizzes.services import grading, overrides, review
from studyhub.quizzes.services.attempts.common import DEFAULT_GRACE
from studyhub.quizzes.services.attempts.starting import _check_window, attempts_left
from studyhub.quizzes.services.overrides import Settings


def load_items(session: Session, attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items in order with their versions (one query)."""
    return list(session.scalars(queries.attempt_items(attempt.id)).unique())


def item_views(
    session: Session, attempt: Attempt, *, now: datetime
) -> tuple[review.Visibility, list[review.ItemView]]:
    """The attempt's questions as the member may see them now, and the attempt's visibility."""
    quiz = attempt.quiz
    # "After the quiz closes" is after the member's own close (an exception may move it).
    closes_at = overrides.effective(session, quiz, user_id=attempt.user_id).closes_at
    shown = review.attempt_visibility(
        review.ReviewPolicy.of(quiz),
        mode=quiz.mode,
        state=attempt.state,
        closes_at=closes_at,
        now=now,
    )
    views = [
        review.present_item(
            item,
            item.version,
            review.item_visibility(shown, mode=quiz.mode, is_graded=item.score is not None),
        )
        for item in load_items(session, attempt)
    ]
    return shown, views


@dataclass(frozen=True)
class Overview:
    """A member's standing on a quiz: attempts so far, the one in progress, what is left."""

    attempts: list[Attempt]
    current: Attempt | None
    left: int | None  # None: no limit
    grade: Decimal | None
    closed_reason: str | None  # why no new attempt can start now; None: one can
    settings: Settings | None = None  # the quiz's settings with the member's overrides

    @property
    def can_start(self) -> bool:
        return self.current is None and self.closed_reason is None


def overview(
    session: Session, quiz: Quiz, *, user_id: int, now: datetime, grace: timedelta = DEFAULT_GRACE
) -> Overview:
    """The quiz page's facts (it writes nothing: an attempt in progress whose time is up is
    still the current one; its page leads to submitting it, or the scheduler's job does)."""
    found = list(session.scalars(queries.attempts_of(quiz.id, user_id)))
    current = next((a for a in found if a.state == AttemptState.IN_PROGRESS), None)
    reason = None
    rules = overrides.effective(session, quiz, user_id=user_id)  # the member's exceptions
    try:
        _check_window(rules, now)
    except Closed as exc:
        reason = str(exc)
    left = attempts_left(rules, max((a.number for a in found), default=0))
    if reason is None and left == 0:
        reason = str(_l("You have used all your attempts."))
    return Overview(
        attempts=found,
        current=current,
        left=left,
        grade=final_grade(session, quiz, user_id=user_id),
        closed_reason=reason,
        settings=rules,
    )


def final_grade(session: Session, quiz: Quiz, *, user_id: int) -> Decimal | None:
    """The member's grade for the quiz by its grading method (percent), ``None`` before any."""
    row = session.execute(
        queries.final_grades(quiz.id, quiz.grading_method, user_id=user_id)
    ).first()
    if row is None or row[1] is None:
        return None
    return Decimal(str(row[1])).quantize(grading.PERCENT_PLACES)
