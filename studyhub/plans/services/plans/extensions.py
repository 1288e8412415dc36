"""Deadline overrides: a later due date for a branch or a member, and revoking it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput, NotFound
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.plans import queries
from studyhub.plans.models import PlanExtension, StudyPlan
from studyhub.plans.services.plans.editing import REASON_MAX, _record

# Deadline overrides --------------------------------------------------------------------------


def find_member(session: Session, plan: StudyPlan, identifier: str) -> Member:
    """An active member the plan is for, by phone number or member number."""
    text = identifier.strip()
    member = (
        session.scalars(
            select(Member)
            .join(User, User.id == Member.user_id)
            .where(
                Member.committee_id == plan.committee_id,
                Member.is_active.is_(True),
                or_(User.phone == text, User.member_no == text),
                queries.is_targeted(plan.id, Member.org_path),
            )
        ).first()
        if text
        else None
    )
    if member is None:
        raise NotFound(_l("No member of the plan's units has this phone or member number."))
    return member


def _covered(session: Session, plan: StudyPlan, path: str) -> bool:
    return any(path.startswith(u.path) for u in session.scalars(queries.targets_of(plan.id)))


def grant_extension(
    session: Session,
    plan: StudyPlan,
    *,
    due_on: date,
    reason: str,
    by_user_id: int | None,
    now: datetime,
    branch: OrgUnit | None = None,
    member: Member | None = None,
) -> PlanExtension:
    """A later due date for one branch or one member (replacing an earlier one for them)."""
    if (branch is None) == (member is None):
        raise InvalidInput(_l("Choose a branch or a member."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_l("Give the reason for the extension."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long (at most %(n)d characters).", n=REASON_MAX))
    if due_on <= plan.due_on:
        raise InvalidInput(
            _l(
                "An extension must end after the plan's due date (%(date)s).",
                date=format_date(plan.due_on),
            )
        )
    if branch is not None:
        if branch.kind != UnitKind.BRANCH or branch.committee_id != plan.committee_id:
            raise NotFound(_l("Choose a branch of the plan's committee."))
        if not _covered(session, plan, branch.path):
            raise InvalidInput(_l("The plan is not given to this branch."))
        stmt = queries.extension_for(plan.id, unit_id=branch.id)
    else:
        assert member is not None
        if member.committee_id != plan.committee_id or not _covered(session, plan, member.org_path):
            raise InvalidInput(_l("The plan is not given to this member."))
        stmt = queries.extension_for(plan.id, user_id=member.user_id)
    extension = session.scalars(stmt).first()
    before = extension.due_on if extension is not None else plan.due_on
    if extension is None:
        extension = PlanExtension(
            plan_id=plan.id,
            unit_id=branch.id if branch is not None else None,
            user_id=member.user_id if member is not None else None,
        )
        session.add(extension)
    extension.due_on = due_on
    extension.reason = reason
    extension.granted_by_id = by_user_id
    extension.granted_at = now
    session.flush()
    _record_extension(
        session,
        plan,
        extension,
        "plan.extension_granted",
        changes={"due_on": [before, due_on]},
        actor_id=by_user_id,
        now=now,
    )
    return extension


def _record_extension(
    session: Session,
    plan: StudyPlan,
    extension: PlanExtension,
    kind: str,
    *,
    changes: dict[str, list[Any]],
    actor_id: int | None,
    now: datetime,
) -> None:
    """An extension in the log of the branch it is for (a member's: their branch's)."""
    if extension.unit_id is not None:
        unit = session.get_one(OrgUnit, extension.unit_id)
        details: dict[str, Any] = {"branch": unit.name}
    else:
        member = session.scalars(
            select(Member).where(
                Member.user_id == extension.user_id, Member.committee_id == plan.committee_id
            )
        ).one()
        unit = member.branch
        details = {"member": member.user.name, "member_id": member.id}
    _record(
        session,
        plan,
        kind,
        actor_id=actor_id,
        now=now,
        unit=unit,
        changes=changes,
        details={**details, "reason": extension.reason},
    )


def revoke_extension(
    session: Session,
    plan: StudyPlan,
    extension_id: int,
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Withdraw an extension (recorded with the due date it gave and the plan's)."""
    extension = session.get(PlanExtension, extension_id)
    if extension is None or extension.plan_id != plan.id:
        raise NotFound(_l("This extension does not exist."))
    _record_extension(
        session,
        plan,
        extension,
        "plan.extension_revoked",
        changes={"due_on": [extension.due_on, plan.due_on]},
        actor_id=actor_id,
        now=now,
    )
    session.delete(extension)
    session.flush()
