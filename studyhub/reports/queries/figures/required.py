"""What is required of members in a window: the readings of the day, the plans' materials
and tests (per target unit), the daily quiz, and whether attendance was taken."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    String,
    and_,
    func,
    select,
)
from sqlalchemy.orm import aliased

from studyhub.meetings import queries as meetings
from studyhub.org.models import OrgUnit
from studyhub.org.queries import under
from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
from studyhub.quizzes.models import Quiz, QuizMode
from studyhub.readings.models import Reading
from studyhub.readings.queries import is_visible
from studyhub.reports.queries.figures.window import Window


def _upper(path: ColumnElement[str]) -> ColumnElement[str]:
    """SQL for ``path[:-1] + "0"``: the end of ``path``'s range (see ``org.queries.under``)."""
    return func.substr(path, 1, func.length(path) - 1, type_=String) + "0"


def _quarter_plans(w: Window) -> list[ColumnElement[bool]]:
    return [
        StudyPlan.committee_id == w.committee_id,
        StudyPlan.published_at.is_not(None),
        StudyPlan.published_at <= w.now,
        StudyPlan.due_on >= w.since,
        StudyPlan.due_on <= w.through,
    ]


def daily_reading_ids(w: Window) -> Select[tuple[int]]:
    """The quarter's readings of the day up to ``last_day``: required of the whole committee."""
    return select(Reading.id).where(
        Reading.committee_id == w.committee_id,
        Reading.daily_on >= w.since,
        Reading.daily_on <= w.last_day,
        is_visible(w.now),
    )


def plan_materials(w: Window, daily_ids: list[int]) -> Select[tuple[int, str]]:
    """(reading id, target unit path) of the materials of the plans due in the quarter,
    leaving out readings of the day (already required of everyone)."""
    target = aliased(OrgUnit, name="target_unit")
    return (
        select(PlanMaterial.reading_id, target.path)
        .join(StudyPlan, StudyPlan.id == PlanMaterial.plan_id)
        .join(PlanTarget, PlanTarget.plan_id == StudyPlan.id)
        .join(target, target.id == PlanTarget.unit_id)
        .join(Reading, Reading.id == PlanMaterial.reading_id)
        .where(*_quarter_plans(w), is_visible(w.now), PlanMaterial.reading_id.not_in(daily_ids))
    )


def material_ids(materials: Select[tuple[int, str]]) -> Select[tuple[int]]:
    """The distinct reading ids of :func:`plan_materials` (a few)."""
    rows = materials.subquery("materials")
    return select(rows.c.reading_id).distinct()


def plan_quiz_ids(w: Window) -> Select[tuple[int]]:
    """The tests of the plans due in the quarter (a few ids, given to :func:`member_figures`)."""
    return select(StudyPlan.quiz_id).where(*_quarter_plans(w), StudyPlan.quiz_id.is_not(None))


def required_tests(w: Window) -> Select[tuple[int, str]]:
    """(quiz id, path of the target units) of the tests of the plans due in the quarter."""
    target = aliased(OrgUnit, name="target_unit")
    return (
        select(StudyPlan.quiz_id, target.path)
        .join(PlanTarget, PlanTarget.plan_id == StudyPlan.id)
        .join(target, target.id == PlanTarget.unit_id)
        .where(*_quarter_plans(w), StudyPlan.quiz_id.is_not(None))
    )


def _per_unit(required: Any, key: str, scope_path: str, name: str) -> CTE:
    """Distinct (unit path, ``key``) for every unit under ``scope_path`` that a required
    row's path covers: a range join on the unit path index."""
    rows = required.subquery()
    return (
        select(OrgUnit.path.label("path"), rows.c[key].label(key))
        .join(rows, and_(OrgUnit.path >= rows.c.path, OrgUnit.path < _upper(rows.c.path)))
        .where(under(OrgUnit.path, scope_path))
        .distinct()
        .cte(name)
    )


def daily_quiz_ids(committee_id: int) -> Select[tuple[int]]:
    return select(Quiz.id).where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.DAILY)


def has_attendance(w: Window) -> Select[tuple[int]] | None:
    """One row when a meeting of the committee held in the quarter has an attendance list
    (None while the meetings domain offers no attendance query)."""
    attendance = getattr(meetings, "attendance_by_member", None)
    if attendance is None:
        return None
    rows = attendance(w.committee_path, w.starts_at, w.ends_at).subquery("attendance")
    return select(rows.c.user_id).limit(1)
