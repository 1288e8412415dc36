"""A quiz's settings: checked, created, changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.org.models import OrgUnit
from studyhub.quizzes.models import (
    GradingMethod,
    Quiz,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services.quizzes.common import (
    INSTRUCTIONS_MAX,
    MAX_ATTEMPTS,
    MAX_TIME_LIMIT_SECONDS,
    TITLE_MAX,
    record_change,
)


@dataclass(frozen=True, kw_only=True)
class QuizFields:
    """A quiz's settings as staff set them (times aware, in UTC)."""

    title: str
    instructions: str = ""
    mode: QuizMode = QuizMode.EXAM
    time_limit_seconds: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    attempts_allowed: int | None = 1  # None: unlimited
    grading_method: GradingMethod = GradingMethod.HIGHEST
    pass_percent: Decimal = Decimal(60)
    shuffle_questions: bool = False
    shuffle_options: bool = False
    multiple_partial_credit: bool = False
    review_score: ReviewTiming = ReviewTiming.IMMEDIATELY
    review_correctness: ReviewTiming = ReviewTiming.AFTER_CLOSE
    review_answers: ReviewTiming = ReviewTiming.AFTER_CLOSE
    review_explanations: ReviewTiming = ReviewTiming.AFTER_CLOSE


def _clean(fields: QuizFields) -> dict[str, Any]:
    title = " ".join(fields.title.split())
    if not title:
        raise InvalidInput(_l("Enter a title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_l("The title is too long."))
    instructions = fields.instructions.replace("\r\n", "\n").strip()
    if len(instructions) > INSTRUCTIONS_MAX:
        raise InvalidInput(_l("The instructions are too long."))
    limit = fields.time_limit_seconds
    if limit is not None and not 0 < limit <= MAX_TIME_LIMIT_SECONDS:
        raise InvalidInput(_l("The time limit must be between 1 second and 24 hours."))
    if (
        fields.opens_at is not None
        and fields.closes_at is not None
        and as_utc(fields.closes_at) <= as_utc(fields.opens_at)
    ):
        raise InvalidInput(_l("The quiz must close after it opens."))
    allowed = fields.attempts_allowed
    if allowed is not None and not 0 < allowed <= MAX_ATTEMPTS:
        raise InvalidInput(_l("Allow between 1 and %(n)d attempts, or any number.", n=MAX_ATTEMPTS))
    if not Decimal(0) <= fields.pass_percent <= Decimal(100):
        raise InvalidInput(_l("The pass mark is a percentage from 0 to 100."))
    return {
        "title": title,
        "instructions": instructions,
        "mode": fields.mode,
        "time_limit_seconds": limit,
        "opens_at": fields.opens_at,
        "closes_at": fields.closes_at,
        "attempts_allowed": allowed,
        "grading_method": fields.grading_method,
        "pass_percent": fields.pass_percent,
        "shuffle_questions": fields.shuffle_questions,
        "shuffle_options": fields.shuffle_options,
        "multiple_partial_credit": fields.multiple_partial_credit,
        "review_score": fields.review_score,
        "review_correctness": fields.review_correctness,
        "review_answers": fields.review_answers,
        "review_explanations": fields.review_explanations,
    }


def fields_of(quiz: Quiz) -> QuizFields:
    """A quiz's settings, to fill the edit form."""
    return QuizFields(
        title=quiz.title,
        instructions=quiz.instructions,
        mode=quiz.mode,
        time_limit_seconds=quiz.time_limit_seconds,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        attempts_allowed=quiz.attempts_allowed,
        grading_method=quiz.grading_method,
        pass_percent=quiz.pass_percent,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_options=quiz.shuffle_options,
        multiple_partial_credit=quiz.multiple_partial_credit,
        review_score=quiz.review_score,
        review_correctness=quiz.review_correctness,
        review_answers=quiz.review_answers,
        review_explanations=quiz.review_explanations,
    )


def create_quiz(
    session: Session,
    committee: OrgUnit,
    fields: QuizFields,
    *,
    by_user_id: int | None,
    now: datetime,
) -> Quiz:
    """A new, unpublished quiz of ``committee`` without questions yet."""
    quiz = Quiz(
        committee_id=committee.id,
        created_by_id=by_user_id,
        created_at=now,
        updated_at=now,
        **_clean(fields),
    )
    session.add(quiz)
    session.flush()
    return quiz


def update_quiz(
    session: Session, quiz: Quiz, fields: QuizFields, *, actor_id: int | None, now: datetime
) -> None:
    """Change a quiz's settings; attempts already started keep their deadline.

    A change to a published quiz is recorded in the audit log with its fields before and after.
    """
    values = _clean(fields)
    before = {key: getattr(quiz, key) for key in values}
    for key, value in values.items():
        setattr(quiz, key, value)
    quiz.updated_at = now
    session.flush()
    changed = diff(before, values)
    if changed:
        record_change(session, quiz, actor_id=actor_id, now=now, changes=changed)
