"""Queries of the mistake book: a member's cards, due counts, the book page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    select,
)
from sqlalchemy.orm import contains_eager

from studyhub.quizzes.models import (
    MistakeCard,
    Question,
    QuestionType,
    QuestionVersion,
)


def mistake_cards_of(user_id: int, question_ids: list[int]) -> Select[tuple[MistakeCard]]:
    return select(MistakeCard).where(
        MistakeCard.user_id == user_id, MistakeCard.question_id.in_(question_ids)
    )


def _live_card(user_id: int) -> list[ColumnElement[bool]]:
    """A member's cards still in the queue whose question is not retired."""
    return [
        MistakeCard.user_id == user_id,
        MistakeCard.is_mastered.is_(False),
        Question.is_retired.is_(False),
    ]


def mistakes_due(user_id: int, now: datetime | None) -> Select[tuple[MistakeCard]]:
    """The member's cards due at ``now`` (all queued ones for ``None``), longest overdue first."""
    stmt = (
        select(MistakeCard)
        .join(Question, Question.id == MistakeCard.question_id)
        .where(*_live_card(user_id))
        .order_by(MistakeCard.due_at, MistakeCard.id)
    )
    return stmt if now is None else stmt.where(MistakeCard.due_at <= now)


def mistake_due_count(user_id: int, now: datetime) -> Select[tuple[int]]:
    return (
        select(func.count(MistakeCard.id))
        .join(Question, Question.id == MistakeCard.question_id)
        .where(*_live_card(user_id), MistakeCard.due_at <= now)
    )


def mistake_counts(user_id: int, now: datetime) -> Select[tuple[int, int, int]]:
    """(cards, due now, mastered) of a member's book, retired questions left out."""
    queued = MistakeCard.is_mastered.is_(False)
    return (
        select(
            func.count(MistakeCard.id),
            func.count(MistakeCard.id).filter(queued, MistakeCard.due_at <= now),
            func.count(MistakeCard.id).filter(MistakeCard.is_mastered.is_(True)),
        )
        .join(Question, Question.id == MistakeCard.question_id)
        .where(MistakeCard.user_id == user_id, Question.is_retired.is_(False))
    )


def mistake_card_with_version(
    card_id: int, user_id: int
) -> Select[tuple[MistakeCard, QuestionVersion]]:
    """One of the member's cards with its question's current version (and the question)."""
    return (
        select(MistakeCard, QuestionVersion)
        .join(Question, Question.id == MistakeCard.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .options(contains_eager(QuestionVersion.question))
        .where(MistakeCard.id == card_id, MistakeCard.user_id == user_id)
    )


def mistake_book(user_id: int) -> Select[tuple[MistakeCard, QuestionType, str]]:
    """The member's cards with each question's type and current stem; queued first, by due."""
    return (
        select(MistakeCard, Question.qtype, QuestionVersion.stem_html)
        .join(Question, Question.id == MistakeCard.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(MistakeCard.user_id == user_id, Question.is_retired.is_(False))
        .order_by(MistakeCard.is_mastered, MistakeCard.due_at, MistakeCard.id)
    )
