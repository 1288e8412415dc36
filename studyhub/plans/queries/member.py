"""SQL for a member's own plans: their plans and to-do, the plans testing with a quiz and a
plan's materials with what the member studied."""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    bindparam,
    exists,
    literal,
    select,
)

from studyhub.org.models import Member
from studyhub.plans.models import (
    PlanMaterial,
    StudyPlan,
)
from studyhub.plans.queries.progress import _pairs, _progress
from studyhub.readings.models import Reading, ReadReceipt


def my_plans(user_id: int, *, due_by: date | None = None) -> Select:
    """The member's published plans with their progress, by due date — one statement.

    The progress columns of :func:`member_progress` plus title, starts_on,
    quiz_id and next_reading_id (the first material not studied yet, in order).
    ``due_by`` keeps only unfinished plans that have started by then (the home page).
    """
    return _my_plans(user_id, due_by)


@functools.cache
def my_todo() -> Select:
    """:func:`my_plans` with ``due_by``, built once: execute it with ``{"user_id": …,
    "due_by": …}``.

    The home page asks for it on every request; building this statement costs far more
    than running it, and one object keeps SQLAlchemy's compiled cache warm.
    """
    return _my_plans(
        bindparam("user_id", type_=Member.user_id.type),
        bindparam("due_by", type_=StudyPlan.starts_on.type),
    )


def _my_plans(
    user_id: int | ColumnElement[int], due_by: date | ColumnElement[date] | None
) -> Select:
    pairs = (
        _pairs().where(Member.user_id == user_id, StudyPlan.published_at.is_not(None)).cte("pairs")
    )
    rows = _progress(pairs).subquery("progress")
    next_reading = (
        select(PlanMaterial.reading_id)
        .where(
            PlanMaterial.plan_id == StudyPlan.id,
            ~exists().where(
                ReadReceipt.reading_id == PlanMaterial.reading_id,
                ReadReceipt.user_id == user_id,
                ReadReceipt.studied_at.is_not(None),
            ),
        )
        .order_by(PlanMaterial.position)
        .limit(1)
        .correlate(StudyPlan)
        .scalar_subquery()
    )
    stmt = (
        select(
            StudyPlan.title,
            StudyPlan.starts_on,
            StudyPlan.quiz_id,
            next_reading.label("next_reading_id"),
            *rows.c,
        )
        .join(rows, rows.c.plan_id == StudyPlan.id)
        .order_by(rows.c.due_on, StudyPlan.id)
    )
    if due_by is not None:
        stmt = stmt.where(rows.c.is_complete.is_(False), StudyPlan.starts_on <= due_by)
    return stmt


def plans_testing_with(quiz_id: int, user_id: int) -> Select[tuple[int, str]]:
    """(id, title) of the user's published plans whose test is ``quiz_id``, by due date."""
    return (
        _pairs()
        .with_only_columns(StudyPlan.id, StudyPlan.title)
        .where(
            Member.user_id == user_id,
            StudyPlan.published_at.is_not(None),
            StudyPlan.quiz_id == quiz_id,
        )
        .order_by(StudyPlan.due_on, StudyPlan.id)
    )


def plan_materials(plan_id: int, user_id: int | None = None) -> Select:
    """The plan's materials in order: (position, reading, studied_at of ``user_id`` or NULL)."""
    studied = (
        select(ReadReceipt.studied_at)
        .where(ReadReceipt.reading_id == PlanMaterial.reading_id, ReadReceipt.user_id == user_id)
        .correlate(PlanMaterial)
        .scalar_subquery()
        if user_id is not None
        else literal(None, DateTime(timezone=True))
    )
    return (
        select(PlanMaterial.position, Reading, studied.label("studied_at"))
        .join(Reading, Reading.id == PlanMaterial.reading_id)
        .where(PlanMaterial.plan_id == plan_id)
        .order_by(PlanMaterial.position)
    )
