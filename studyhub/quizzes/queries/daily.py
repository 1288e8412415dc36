"""Queries of the daily quiz: the quiz, the day's attempt, streaks and the home summary."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Select,
    and_,
    exists,
    func,
    select,
)

from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Bank,
    Question,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.queries.mistakes import mistake_due_count


def daily_quiz(committee_id: int) -> Select[tuple[Quiz]]:
    """The committee's daily quiz (there is one)."""
    return (
        select(Quiz)
        .where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.DAILY)
        .order_by(Quiz.id)
    )


def has_live_questions(committee_id: int) -> Select[tuple[bool]]:
    """Whether any of the committee's banks holds a question that is not retired."""
    return select(
        exists().where(
            Question.bank_id == Bank.id,
            Bank.committee_id == committee_id,
            Question.is_retired.is_(False),
        )
    )


def daily_attempt(quiz_id: int, user_id: int, day: date) -> Select[tuple[Attempt]]:
    return select(Attempt).where(
        Attempt.quiz_id == quiz_id, Attempt.user_id == user_id, Attempt.daily_on == day
    )


def daily_seen(quiz_id: int, user_id: int, since: date) -> Select[tuple[int, date]]:
    """(question, last day given) of the member's daily quizzes from ``since``."""
    return (
        select(AttemptItem.question_id, func.max(Attempt.daily_on))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(
            Attempt.quiz_id == quiz_id,
            Attempt.user_id == user_id,
            Attempt.daily_on >= since,
        )
        .group_by(AttemptItem.question_id)
    )


def daily_done_days(quiz_id: int, user_id: int, since: date, until: date) -> Select[tuple[date]]:
    """The days from ``since`` to ``until`` on which the member finished the daily quiz."""
    return select(Attempt.daily_on).where(
        Attempt.quiz_id == quiz_id,
        Attempt.user_id == user_id,
        Attempt.daily_on >= since,
        Attempt.daily_on <= until,
        Attempt.state == AttemptState.SUBMITTED,
        Attempt.is_auto_submitted.is_(False),
    )


def member_committee(user_id: int) -> Select[tuple[int, str]]:
    """(committee id, its time zone) of the user's active membership."""
    return (
        select(Member.committee_id, OrgUnit.timezone)
        .join(OrgUnit, OrgUnit.id == Member.committee_id)
        .where(Member.user_id == user_id, Member.is_active.is_(True))
    )


def daily_summary(
    committee_id: int, user_id: int, day: date, now: datetime
) -> Select[tuple[int, datetime | None, int | None, AttemptState | None, int, int, int, int]]:
    """For the home page, in one row: the daily quiz (id, published), the member's attempt of
    ``day`` (id, state, questions, answered, right) and the mistake book's due count.
    """
    return (
        select(
            Quiz.id,
            Quiz.published_at,
            Attempt.id,
            Attempt.state,
            func.count(AttemptItem.id),
            func.count(AttemptItem.score),
            func.count(AttemptItem.id).filter(AttemptItem.is_correct.is_(True)),
            mistake_due_count(user_id, now).scalar_subquery(),
        )
        .outerjoin(
            Attempt,
            and_(Attempt.quiz_id == Quiz.id, Attempt.user_id == user_id, Attempt.daily_on == day),
        )
        .outerjoin(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.DAILY)
        .group_by(Quiz.id, Quiz.published_at, Attempt.id, Attempt.state)
        .order_by(Quiz.id)
        .limit(1)
    )
