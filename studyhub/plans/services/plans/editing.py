"""A plan's fields: checked, created, updated, and each change recorded in the audit log
(a published plan's new test checked and given to its units)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.errors import InvalidInput, NotFound
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans import queries
from studyhub.plans.models import StudyPlan
from studyhub.quizzes.models import Quiz, QuizMode
from studyhub.quizzes.services import quizzes as quiz_services
from studyhub.readings.services.content import render_markdown

TITLE_MAX = 200
GUIDANCE_MAX = 20000
REASON_MAX = 300
MIN_YEAR, MAX_YEAR = 2000, 2100
PUBLISHED_KIND = "plan_published"


@dataclass(frozen=True)
class PlanFields:
    """What staff type for a plan; materials and targets are set separately."""

    title: str
    year: int
    quarter: int
    starts_on: date
    due_on: date
    guidance_markdown: str = ""
    quiz_id: int | None = None


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of a date: calendar quarters, Q1 = January–March."""
    return day.year, (day.month - 1) // 3 + 1


def default_title(year: int, quarter: int) -> str:
    """The customary title, e.g. 2026年第四季度主题学习 (data, not interface text)."""
    numerals = "一二三四"
    return f"{year}年第{numerals[quarter - 1]}季度主题学习"


def _exam(session: Session, committee_id: int, quiz_id: int | None) -> Quiz | None:
    if quiz_id is None:
        return None
    quiz = session.get(Quiz, quiz_id)
    if quiz is None or quiz.committee_id != committee_id:
        raise NotFound(_l("This test is not one of the committee's quizzes."))
    if quiz.mode != QuizMode.EXAM:
        raise InvalidInput(_l("The test of a plan must be an exam."))
    return quiz


def _apply(session: Session, plan: StudyPlan, fields: PlanFields) -> None:
    title = fields.title.strip()
    if not title:
        raise InvalidInput(_l("Enter a title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_l("The title is too long (at most %(n)d characters).", n=TITLE_MAX))
    if not MIN_YEAR <= fields.year <= MAX_YEAR:
        raise InvalidInput(_l("Enter a year between %(a)d and %(b)d.", a=MIN_YEAR, b=MAX_YEAR))
    if fields.quarter not in (1, 2, 3, 4):
        raise InvalidInput(_l("The quarter must be 1, 2, 3 or 4."))
    if fields.due_on <= fields.starts_on:
        raise InvalidInput(_l("The due date must be after the start date."))
    if len(fields.guidance_markdown) > GUIDANCE_MAX:
        raise InvalidInput(_l("The guidance is too long."))
    _exam(session, plan.committee_id, fields.quiz_id)
    plan.title = title
    plan.year = fields.year
    plan.quarter = fields.quarter
    plan.starts_on = fields.starts_on
    plan.due_on = fields.due_on
    plan.guidance_markdown = fields.guidance_markdown
    plan.guidance_html = render_markdown(fields.guidance_markdown)
    plan.quiz_id = fields.quiz_id


def fields_of(plan: StudyPlan) -> PlanFields:
    return PlanFields(
        title=plan.title,
        year=plan.year,
        quarter=plan.quarter,
        starts_on=plan.starts_on,
        due_on=plan.due_on,
        guidance_markdown=plan.guidance_markdown,
        quiz_id=plan.quiz_id,
    )


def _record(
    session: Session,
    plan: StudyPlan,
    kind: str,
    *,
    actor_id: int | None,
    now: datetime,
    changes: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
    unit: OrgUnit | None = None,
) -> None:
    """An act on a plan in its committee's audit log (or in ``unit``'s)."""
    record_in(
        session,
        unit or in_committee(session, plan.committee_id),
        kind,
        actor_id=actor_id,
        now=now,
        object_type="study_plan",
        object_id=plan.id,
        summary=plan.title,
        changes=changes,
        details=details,
    )


def _audited_fields(plan: StudyPlan) -> dict[str, Any]:
    """A plan's fields as the log compares them (the guidance by its length only)."""
    return {
        "title": plan.title,
        "year": plan.year,
        "quarter": plan.quarter,
        "starts_on": plan.starts_on,
        "due_on": plan.due_on,
        "guidance_length": len(plan.guidance_markdown or ""),
        "quiz_id": plan.quiz_id,
    }


def _record_change(
    session: Session,
    plan: StudyPlan,
    changes: dict[str, list[Any]],
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """A change to a published plan (a draft's changes are not privileged acts)."""
    if plan.published_at is not None and changes:
        _record(session, plan, "plan.changed", actor_id=actor_id, now=now, changes=changes)


def create_plan(
    session: Session,
    committee: OrgUnit,
    fields: PlanFields,
    *,
    by_user_id: int | None,
    now: datetime,
) -> StudyPlan:
    """A draft plan of ``committee``."""
    if committee.kind != UnitKind.COMMITTEE:
        raise InvalidInput(_l("Plans belong to a committee."))
    plan = StudyPlan(committee_id=committee.id, created_by_id=by_user_id, created_at=now)
    _apply(session, plan, fields)
    plan.updated_at = now
    session.add(plan)
    session.flush()
    return plan


def update_plan(
    session: Session,
    plan: StudyPlan,
    fields: PlanFields,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> None:
    """Change the plan's fields; a published plan with a new test gives it to its units."""
    old_quiz_id = plan.quiz_id
    before = _audited_fields(plan)
    _apply(session, plan, fields)
    plan.updated_at = now
    session.flush()
    _record_change(session, plan, diff(before, _audited_fields(plan)), actor_id=actor_id, now=now)
    if plan.published_at is not None and plan.quiz_id != old_quiz_id:
        _check_test(session, plan)
        _assign_test(session, plan, now=now)


def _check_test(session: Session, plan: StudyPlan) -> None:
    quiz = _exam(session, plan.committee_id, plan.quiz_id)
    if quiz is not None and quiz.published_at is None:
        raise InvalidInput(_l("Publish the test “%(title)s” first.", title=quiz.title))


def _assign_test(session: Session, plan: StudyPlan, *, now: datetime) -> None:
    """Give the plan's test to each target unit that does not have it yet."""
    quiz = _exam(session, plan.committee_id, plan.quiz_id)
    if quiz is None:
        return
    for unit in session.scalars(queries.targets_of(plan.id)):
        # Part of the plan's publication (no one's act on the quiz itself).
        quiz_services.assign_quiz(session, quiz, unit, actor_id=None, now=now)
