"""Who a plan is for, what stops it being published, and publishing it (members told, the
test assigned)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from studyhub.core.errors import DomainError, InvalidInput, NotFound
from studyhub.notify import services as notify
from studyhub.org.models import OrgUnit
from studyhub.plans import queries
from studyhub.plans.models import PlanTarget, StudyPlan
from studyhub.plans.services.plans.editing import (
    PUBLISHED_KIND,
    _assign_test,
    _check_test,
    _record,
    _record_change,
)

# Targets and publishing ---------------------------------------------------------------------


def set_targets(
    session: Session,
    plan: StudyPlan,
    unit_ids: list[int],
    *,
    now: datetime,
    email: bool = False,
    actor_id: int | None = None,
) -> None:
    """Give the plan to these units (each with everything under it) instead of the old ones.

    Units must be active units of the plan's committee. For a published plan the
    members newly covered are told, and the test is given to the new units.
    """
    ids = sorted(set(unit_ids))
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))) if ids else []
    if len(units) != len(ids) or any(
        not u.is_active or (u.committee_id or u.id) != plan.committee_id for u in units
    ):
        raise NotFound(_l("Choose units of the plan's committee."))
    if plan.published_at is not None and not units:
        raise InvalidInput(_l("A published plan must be given to at least one unit."))
    before = sorted(u.name for u in session.scalars(queries.targets_of(plan.id)))
    session.execute(
        delete(PlanTarget).where(PlanTarget.plan_id == plan.id, PlanTarget.unit_id.not_in(ids))
    )
    have = set(session.scalars(select(PlanTarget.unit_id).where(PlanTarget.plan_id == plan.id)))
    session.add_all(PlanTarget(plan_id=plan.id, unit_id=i) for i in ids if i not in have)
    plan.updated_at = now
    session.flush()
    session.expire(plan, ["targets"])
    if plan.published_at is not None:
        after = sorted(u.name for u in units)
        if after != before:
            _record_change(session, plan, {"targets": [before, after]}, actor_id=actor_id, now=now)
        _notify_published(session, plan, now=now, email=email)
        _assign_test(session, plan, now=now)


def publish_problems(session: Session, plan: StudyPlan) -> list[str]:
    """Why the plan cannot be published yet (empty when it can)."""
    problems: list[str] = []
    materials = list(session.execute(queries.plan_materials(plan.id)))
    if not materials and plan.quiz_id is None:
        problems.append(str(_l("Add at least one material or a test.")))
    if plan.due_on <= plan.starts_on:
        problems.append(str(_l("The due date must be after the start date.")))
    has_targets = session.scalar(
        select(func.count()).select_from(PlanTarget).where(PlanTarget.plan_id == plan.id)
    )
    if not has_targets:
        problems.append(str(_l("Choose the units the plan is for.")))
    for _position, reading, _studied in materials:
        if reading.published_at is None or reading.unpublished_at is not None:
            problems.append(str(_l("Material “%(title)s” is not published.", title=reading.title)))
    try:
        _check_test(session, plan)
    except DomainError as exc:
        problems.append(str(exc))
    return problems


def publish_plan(
    session: Session,
    plan: StudyPlan,
    *,
    now: datetime,
    email: bool = False,
    actor_id: int | None = None,
) -> int:
    """Publish the plan: tell every member concerned (once) and give them the test.

    Returns how many members were told now; publishing again tells nobody twice
    (and is not recorded again).
    """
    problems = publish_problems(session, plan)
    if problems:
        raise InvalidInput(" ".join(problems))
    first = plan.published_at is None
    if first:
        plan.published_at = now
        plan.updated_at = now
    session.flush()
    told = _notify_published(session, plan, now=now, email=email)
    _assign_test(session, plan, now=now)
    if first:
        _record(
            session,
            plan,
            "plan.published",
            actor_id=actor_id,
            now=now,
            changes={"published_at": [None, now]},
            details={
                "targets": sorted(u.name for u in session.scalars(queries.targets_of(plan.id))),
                "told": told,
            },
        )
    return told


def _notify_published(session: Session, plan: StudyPlan, *, now: datetime, email: bool) -> int:
    return notify.send_many(
        session,
        queries.targeted_members(plan),
        kind=PUBLISHED_KIND,
        subject=gettext("New study plan: %(title)s", title=plan.title),
        body=gettext("Due on %(date)s.", date=format_date(plan.due_on, "long")),
        link=f"/plans/{plan.id}",
        dedupe_key=f"plan-published:{plan.id}",
        now=now,
        email=email,
        params={"title": plan.title, "due_on": plan.due_on.isoformat()},
    )
