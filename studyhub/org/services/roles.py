"""Appointments: which roles fit which kind of unit, appointing and revoking. Callers commit."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import (
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
)

# Roles that only make sense on some kinds of unit.
ROLE_UNIT_KINDS: dict[Role, tuple[UnitKind, ...]] = {
    Role.SECRETARY: (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH),
    Role.BRANCH_COMMITTEE: (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH),
    Role.STAFF: (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH),
    Role.ADMIN: (UnitKind.COMMITTEE,),
    Role.GROUP_LEADER: (UnitKind.GROUP,),
    Role.BRANCH_EDITOR: (UnitKind.BRANCH,),
}


def appoint(
    session: Session,
    user: User,
    unit: OrgUnit,
    role: Role,
    *,
    by: User | None,
    now: datetime,
) -> RoleAssignment:
    """Give ``user`` a role on ``unit``; appointing twice is harmless (and recorded once)."""
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise InvalidInput(_l("This role does not exist on this kind of unit."))
    existing = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.unit_id == unit.id,
            RoleAssignment.role == role,
        )
    )
    if existing is not None:
        return existing
    replaced = None
    if role == Role.SECRETARY:
        # One secretary per branch: the new one replaces the old.
        replaced = session.scalar(
            select(User.name)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.unit_id == unit.id, RoleAssignment.role == Role.SECRETARY)
        )
        session.execute(
            RoleAssignment.__table__.delete().where(
                RoleAssignment.unit_id == unit.id, RoleAssignment.role == Role.SECRETARY
            )
        )
    assignment = RoleAssignment(
        user_id=user.id,
        unit_id=unit.id,
        unit=unit,
        role=role,
        appointed_at=now,
        appointed_by_id=by.id if by else None,
    )
    session.add(assignment)
    session.flush()
    record_in(
        session,
        unit,
        "role.appointed",
        actor_id=by.id if by else None,
        now=now,
        object_type="user",
        object_id=user.id,
        summary=f"{user.name}: {role.value} @ {unit.name}",
        changes={"role": [None, role.value]},
        details={"replaced": replaced} if replaced else None,
    )
    return assignment


def revoke(
    session: Session, assignment: RoleAssignment, *, actor_id: int | None, now: datetime
) -> None:
    """End an appointment (recorded in the unit's log)."""
    unit, user, role = assignment.unit, assignment.user, assignment.role
    session.delete(assignment)
    session.flush()
    record_in(
        session,
        unit,
        "role.revoked",
        actor_id=actor_id,
        now=now,
        object_type="user",
        object_id=user.id,
        summary=f"{user.name}: {role.value} @ {unit.name}",
        changes={"role": [role.value, None]},
    )
