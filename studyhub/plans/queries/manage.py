"""SQL for managing plans: a committee's plans, targets, extensions, reminders, the
secretaries to tell and the exams a plan may test with."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Select,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.org.models import OrgUnit, Role, RoleAssignment
from studyhub.plans.models import (
    PlanExtension,
    PlanReminder,
    PlanTarget,
    StudyPlan,
)
from studyhub.quizzes.models import Quiz, QuizMode


def plans_of(committee_id: int) -> Select[tuple[StudyPlan]]:
    """A committee's plans for staff, newest quarter first, drafts on top within it."""
    return (
        select(StudyPlan)
        .where(StudyPlan.committee_id == committee_id)
        .order_by(
            StudyPlan.year.desc(),
            StudyPlan.quarter.desc(),
            StudyPlan.published_at.is_not(None),
            StudyPlan.due_on.desc(),
            StudyPlan.id.desc(),
        )
    )


def targets_of(plan_id: int) -> Select[tuple[OrgUnit]]:
    """The units the plan is for, in tree order."""
    return (
        select(OrgUnit)
        .join(PlanTarget, PlanTarget.unit_id == OrgUnit.id)
        .where(PlanTarget.plan_id == plan_id)
        .order_by(OrgUnit.path)
    )


def target_paths(plan_id: int) -> Select[tuple[str]]:
    """The paths of the units the plan is for (see :func:`branch_summary_by_week`)."""
    return (
        select(OrgUnit.path)
        .join(PlanTarget, PlanTarget.unit_id == OrgUnit.id)
        .where(PlanTarget.plan_id == plan_id)
        .order_by(OrgUnit.path)
    )


def extensions_of(plan_id: int) -> Select:
    """The plan's deadline overrides: (extension, unit name, member name, granted by name)."""
    member = aliased(User, name="member_user")
    granter = aliased(User, name="granter")
    return (
        select(PlanExtension, OrgUnit.name, member.name, granter.name)
        .outerjoin(OrgUnit, OrgUnit.id == PlanExtension.unit_id)
        .outerjoin(member, member.id == PlanExtension.user_id)
        .outerjoin(granter, granter.id == PlanExtension.granted_by_id)
        .where(PlanExtension.plan_id == plan_id)
        .order_by(PlanExtension.unit_id.is_(None), OrgUnit.path, member.name)
    )


def extension_for(plan_id: int, *, unit_id: int | None = None, user_id: int | None = None):
    stmt = select(PlanExtension).where(PlanExtension.plan_id == plan_id)
    if unit_id is not None:
        return stmt.where(PlanExtension.unit_id == unit_id)
    return stmt.where(PlanExtension.user_id == user_id)


def last_reminders(plan_id: int, user_ids: list[int]) -> Select[tuple[int, datetime]]:
    """(user id, when the last reminder about the plan went) for those of ``user_ids`` with one."""
    return (
        select(PlanReminder.user_id, func.max(PlanReminder.sent_at))
        .where(PlanReminder.plan_id == plan_id, PlanReminder.user_id.in_(user_ids))
        .group_by(PlanReminder.user_id)
    )


def due_soon_plans(since: date, until: date) -> Select[tuple[StudyPlan, str]]:
    """Published plans whose due date, or one of whose extensions, falls in [since, until],
    with their committee's time zone (for the reminders job)."""
    extended = exists().where(
        PlanExtension.plan_id == StudyPlan.id,
        PlanExtension.due_on >= since,
        PlanExtension.due_on <= until,
    )
    return (
        select(StudyPlan, OrgUnit.timezone)
        .join(OrgUnit, OrgUnit.id == StudyPlan.committee_id)
        .where(
            StudyPlan.published_at.is_not(None),
            OrgUnit.is_active.is_(True),
            or_(and_(StudyPlan.due_on >= since, StudyPlan.due_on <= until), extended),
        )
        .order_by(StudyPlan.id)
    )


def secretaries_of(branch_ids: list[int]) -> Select[tuple[int, int, str | None]]:
    """(user id, branch id, e-mail) of the secretaries of ``branch_ids`` who can log in."""
    return (
        select(RoleAssignment.user_id, RoleAssignment.unit_id, User.email)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.SECRETARY,
            RoleAssignment.unit_id.in_(branch_ids),
            User.is_enabled.is_(True),
        )
        .order_by(RoleAssignment.user_id, RoleAssignment.unit_id)
    )


def exams_of(committee_id: int) -> Select[tuple[Quiz]]:
    """The committee's exams, newest first (the tests a plan may use)."""
    return (
        select(Quiz)
        .where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.EXAM)
        .order_by(Quiz.created_at.desc(), Quiz.id.desc())
    )
