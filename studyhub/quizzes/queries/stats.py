"""Queries of item analysis: moments, ranks and response counts over counted attempts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    cast,
    exists,
    func,
    select,
)
from sqlalchemy.orm import aliased

from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
)


def _counted(quiz_id: int, first_only: bool) -> list[ColumnElement[bool]]:
    """The attempts item analysis counts: submitted and marked (an essay waiting for its
    marker would count as 0), and only each member's first if asked."""
    conditions = [
        Attempt.quiz_id == quiz_id,
        Attempt.state == AttemptState.SUBMITTED,
        Attempt.is_marking_pending.is_(False),
    ]
    if first_only:
        earlier = aliased(Attempt)
        conditions.append(
            ~exists().where(
                earlier.quiz_id == Attempt.quiz_id,
                earlier.user_id == Attempt.user_id,
                earlier.state == AttemptState.SUBMITTED,
                earlier.number < Attempt.number,
            )
        )
    return conditions


def _mark_and_other() -> tuple[ColumnElement[Decimal], ColumnElement[Decimal]]:
    mark = func.coalesce(AttemptItem.score, 0)
    return mark, func.coalesce(Attempt.score, 0) - mark


def item_moments(
    quiz_id: int, first_only: bool
) -> Select[tuple[int, int, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]]:
    """Per question: (id, n, Σx, Σx², Σy, Σy², Σxy, max points), x its mark, y the other marks."""
    x, y = _mark_and_other()
    return (
        select(
            AttemptItem.question_id,
            func.count(AttemptItem.id),
            func.sum(x),
            func.sum(x * x),
            func.sum(y),
            func.sum(y * y),
            func.sum(x * y),
            func.max(AttemptItem.points),
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(*_counted(quiz_id, first_only))
        .group_by(AttemptItem.question_id)
    )


def item_sorted_products(quiz_id: int, first_only: bool) -> Select[tuple[int, Decimal]]:
    """Per question: Σ x₍ᵢ₎·y₍ᵢ₎, the i-th smallest mark times the i-th smallest other marks
    (what the covariance would be if the item ranked members as the rest of the exam does).
    """
    x, y = _mark_and_other()
    ranked = (
        select(
            AttemptItem.question_id.label("question_id"),
            x.label("x"),
            y.label("y"),
            func.row_number()
            .over(partition_by=AttemptItem.question_id, order_by=(x, AttemptItem.id))
            .label("rx"),
            func.row_number()
            .over(partition_by=AttemptItem.question_id, order_by=(y, AttemptItem.id))
            .label("ry"),
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(*_counted(quiz_id, first_only))
        .cte("ranked")
    )
    a, b = ranked.alias("a"), ranked.alias("b")
    return (
        select(a.c.question_id, func.sum(a.c.x * b.c.y))
        .join(b, and_(b.c.question_id == a.c.question_id, b.c.ry == a.c.rx))
        .group_by(a.c.question_id)
    )


def percent_sums(quiz_id: int, first_only: bool) -> Select[tuple[int, Decimal, Decimal]]:
    """(attempts, Σ percent, Σ percent²) of the counted attempts."""
    percent = func.coalesce(Attempt.percent, 0)
    return select(func.count(Attempt.id), func.sum(percent), func.sum(percent * percent)).where(
        *_counted(quiz_id, first_only)
    )


def percents_ordered(quiz_id: int, first_only: bool) -> Select[tuple[Decimal]]:
    """The counted attempts' percentages, lowest first (the median is in the middle)."""
    percent = func.coalesce(Attempt.percent, 0)
    return select(percent).where(*_counted(quiz_id, first_only)).order_by(percent, Attempt.id)


def response_counts(quiz_id: int, first_only: bool) -> Select[tuple[int, str | None, int]]:
    """(question, response as JSON text, how many) over the counted attempts."""
    text = cast(AttemptItem.response, Text)
    return (
        select(AttemptItem.question_id, text, func.count(AttemptItem.id))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(*_counted(quiz_id, first_only))
        .group_by(AttemptItem.question_id, text)
    )
