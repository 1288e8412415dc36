"""Operations on the tree, the roster and appointments. Callers commit."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.accounts.services import end_all_sessions, unusable_password
from studyhub.audit.services import diff as audit_diff
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import (
    ALLOWED_CHILDREN,
    Member,
    MemberStatus,
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
)
from studyhub.org.queries import under

# What every new committee starts with, from the domains above org (they add to it when
# they are imported: readings adds the default columns), so that no page has to make a
# committee's defaults the first time someone looks (pages never write on GET).
COMMITTEE_DEFAULTS: list[Callable[[Session, OrgUnit], object]] = []

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
MEMBER_NO_RE = re.compile(r"^[0-9A-Za-z\-]{1,32}$")

# Roles that only make sense on some kinds of unit.
ROLE_UNIT_KINDS: dict[Role, tuple[UnitKind, ...]] = {
    Role.SECRETARY: (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH),
    Role.BRANCH_COMMITTEE: (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH),
    Role.STAFF: (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH),
    Role.ADMIN: (UnitKind.COMMITTEE,),
    Role.GROUP_LEADER: (UnitKind.GROUP,),
}


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_l("The name may not be empty."))
    if len(name) > 100:
        raise InvalidInput(_l("The name is too long (100 characters at most)."))
    return name


def _set_path(unit: OrgUnit) -> None:
    parent_path = unit.parent.path if unit.parent else "/"
    unit.path = f"{parent_path}{unit.id}/"


def create_committee(session: Session, name: str, *, now: datetime, timezone: str) -> OrgUnit:
    name = _clean_name(name)
    exists = session.scalar(
        select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.name == name)
    )
    if exists:
        raise Conflict(_l("A committee named %(name)s exists already.", name=name))
    unit = OrgUnit(kind=UnitKind.COMMITTEE, name=name, timezone=timezone, created_at=now)
    session.add(unit)
    session.flush()
    unit.committee_id = unit.id
    _set_path(unit)
    session.flush()
    for seed in COMMITTEE_DEFAULTS:
        seed(session, unit)
    return unit


def create_unit(
    session: Session,
    parent: OrgUnit,
    *,
    kind: UnitKind,
    name: str,
    now: datetime,
    actor_id: int | None = None,
) -> OrgUnit:
    """Add a general branch, branch or group under ``parent`` (recorded in the new unit's log)."""
    name = _clean_name(name)
    if kind not in ALLOWED_CHILDREN[parent.kind]:
        raise InvalidInput(_l("This kind of unit cannot be placed there."))
    if session.scalar(
        select(OrgUnit.id).where(OrgUnit.parent_id == parent.id, OrgUnit.name == name)
    ):
        raise Conflict(_l("%(name)s exists already there.", name=name))
    unit = OrgUnit(
        kind=kind,
        name=name,
        parent=parent,
        committee_id=parent.committee_id,
        timezone=parent.timezone,
        created_at=now,
    )
    session.add(unit)
    session.flush()
    _set_path(unit)
    session.flush()
    record_in(
        session,
        unit,
        "unit.created",
        actor_id=actor_id,
        now=now,
        object_type="org_unit",
        object_id=unit.id,
        summary=f"{parent.name} / {name}",
        changes={"name": [None, name]},
        details={"kind": kind, "parent": parent.name},
    )
    return unit


def rename_unit(
    session: Session,
    unit: OrgUnit,
    *,
    name: str,
    actor_id: int | None = None,
    now: datetime,
) -> None:
    """Rename a unit (recorded in its log with the name before and after)."""
    name = _clean_name(name)
    if name == unit.name:
        return
    clash = select(OrgUnit.id).where(OrgUnit.name == name, OrgUnit.id != unit.id)
    clash = clash.where(
        OrgUnit.parent_id == unit.parent_id
        if unit.parent_id is not None
        else OrgUnit.parent_id.is_(None)
    )
    if session.scalar(clash):
        raise Conflict(_l("%(name)s exists already there.", name=name))
    before = unit.name
    unit.name = name
    session.flush()
    record_in(
        session,
        unit,
        "unit.renamed",
        actor_id=actor_id,
        now=now,
        object_type="org_unit",
        object_id=unit.id,
        summary=f"{before} → {name}",
        changes={"name": [before, name]},
    )


@dataclass(frozen=True)
class MemberFields:
    """Typed values for a member, as a form or an import row gives them."""

    name: str
    phone: str | None
    member_no: str | None
    status: MemberStatus
    joined_on: date | None
    position: str | None = None


def check_member_fields(fields: MemberFields) -> MemberFields:
    """Normalise and check one member's values; raises ``InvalidInput``."""
    name = _clean_name(fields.name)
    phone = "".join((fields.phone or "").split()).replace("-", "") or None
    member_no = (fields.member_no or "").strip() or None
    if phone is None and member_no is None:
        raise InvalidInput(_l("A member needs a phone number or a member number to log in."))
    if phone is not None and not PHONE_RE.match(phone):
        raise InvalidInput(_l("%(phone)s is not a mainland mobile number.", phone=phone))
    if member_no is not None and not MEMBER_NO_RE.match(member_no):
        raise InvalidInput(
            _l("The member number may hold only letters, digits and dashes (32 at most).")
        )
    position = (fields.position or "").strip() or None
    return MemberFields(name, phone, member_no, fields.status, fields.joined_on, position)


def _check_unique_login(
    session: Session, fields: MemberFields, *, except_user_id: int | None
) -> None:
    for column, value, message in (
        (User.phone, fields.phone, _l("The phone number %(v)s belongs to someone else.")),
        (User.member_no, fields.member_no, _l("The member number %(v)s belongs to someone else.")),
    ):
        if value is None:
            continue
        stmt = select(User.id).where(column == value)
        if except_user_id is not None:
            stmt = stmt.where(User.id != except_user_id)
        if session.scalar(stmt) is not None:
            raise Conflict(str(message) % {"v": value})


@contextmanager
def _unique_login_guard(session: Session) -> Iterator[None]:
    """Flush in a savepoint: a login taken meanwhile (a double submit) becomes a Conflict.

    The check above reads first; two requests at once can both pass it, and then
    the unique constraint decides. Changes must be made inside the block, since
    opening the savepoint flushes what is pending.
    """
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        raise Conflict(_l("The phone number or member number belongs to someone else.")) from exc


def _placement(branch: OrgUnit, group: OrgUnit | None) -> str:
    if branch.kind != UnitKind.BRANCH:
        raise InvalidInput(_l("Members belong to a branch."))
    if group is not None:
        if group.kind != UnitKind.GROUP or group.parent_id != branch.id:
            raise InvalidInput(_l("The Party group must be in the member's branch."))
        return group.path
    return branch.path


def add_member(
    session: Session,
    branch: OrgUnit,
    fields: MemberFields,
    *,
    group: OrgUnit | None = None,
    now: datetime,
    password_hash: str | None = None,
    actor_id: int | None = None,
    audited: bool = True,
) -> Member:
    """Create a member and their account.

    The account has no usable password (unless ``password_hash`` gives one, as the
    demo and tests do): the member activates it with a code from their secretary
    (``studyhub.org.activation``). Nothing someone else knows opens it.
    The addition is recorded in the branch's audit log, unless ``audited`` is false
    (a roster import records itself once, with its counts).
    """
    fields = check_member_fields(fields)
    org_path = _placement(branch, group)
    _check_unique_login(session, fields, except_user_id=None)
    user = User(
        name=fields.name,
        phone=fields.phone,
        member_no=fields.member_no,
        password_hash=password_hash or unusable_password(),
        must_change_password=True,
        created_at=now,
    )
    member = Member(
        user=user,
        committee_id=branch.committee_id,
        branch_id=branch.id,
        group_id=group.id if group else None,
        org_path=org_path,
        status=fields.status,
        joined_on=fields.joined_on,
        position=fields.position,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    with _unique_login_guard(session):
        session.add_all([user, member])
        session.flush()
    if audited:
        record_in(
            session,
            branch,
            "member.added",
            actor_id=actor_id,
            now=now,
            object_type="member",
            object_id=member.id,
            summary=fields.name,
            changes=audit_diff(
                {},
                {
                    **dict(zip(MEMBER_FIELDS, _audited_values(fields), strict=True)),
                    "group": group.name if group else None,
                },
            ),
        )
    return member


MEMBER_FIELDS = ("name", "phone", "member_no", "status", "joined_on", "position")


def _audited_values(fields: MemberFields) -> tuple[Any, ...]:
    """The values of ``MEMBER_FIELDS`` (in that order) that ``fields`` gives."""
    return tuple(getattr(fields, name) for name in MEMBER_FIELDS)


def _require_not_erased(member: Member) -> None:
    """An erased member's record stays as erasure left it (see ``org.erasure``)."""
    if member.erased_at is not None:
        raise Conflict(_l("This member's personal data was erased: the record cannot change."))


def update_member(
    session: Session,
    member: Member,
    fields: MemberFields,
    *,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Change a member's details; returns whether anything changed (and records what did)."""
    _require_not_erased(member)
    fields = check_member_fields(fields)
    _check_unique_login(session, fields, except_user_id=member.user_id)
    user = member.user
    before = (
        user.name,
        user.phone,
        user.member_no,
        member.status,
        member.joined_on,
        member.position,
    )
    after = _audited_values(fields)
    if before == after:
        return False
    with _unique_login_guard(session):
        user.name, user.phone, user.member_no = fields.name, fields.phone, fields.member_no
        member.status, member.joined_on, member.position = (
            fields.status,
            fields.joined_on,
            fields.position,
        )
        member.updated_at = now
        session.flush()
    record_in(
        session,
        member.branch,
        "member.updated",
        actor_id=actor_id,
        now=now,
        object_type="member",
        object_id=member.id,
        summary=user.name,
        changes=audit_diff(
            dict(zip(MEMBER_FIELDS, before, strict=True)),
            dict(zip(MEMBER_FIELDS, after, strict=True)),
        ),
    )
    return True


def move_member(
    session: Session,
    member: Member,
    branch: OrgUnit,
    *,
    group: OrgUnit | None,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Place a member in another branch or group (same committee); returns whether it moved.

    The entry is recorded in the branch the member leaves and in the one they join
    (when they differ), so both branches' logs show the move.
    """
    _require_not_erased(member)
    if branch.committee_id != member.committee_id:
        raise InvalidInput(_l("Members move only within their committee."))
    org_path = _placement(branch, group)
    new_group_id = group.id if group else None
    if (member.branch_id, member.group_id) == (branch.id, new_group_id):
        return False
    if member.branch_id != branch.id:
        # Branch roles do not travel with the member.
        session.execute(
            RoleAssignment.__table__.delete().where(
                RoleAssignment.user_id == member.user_id,
                RoleAssignment.unit_id == member.branch_id,
                RoleAssignment.role.in_([Role.SECRETARY, Role.BRANCH_COMMITTEE]),
            )
        )
    old_branch, old_group = member.branch, member.group
    changes = audit_diff(
        {"branch": old_branch.name, "group": old_group.name if old_group else None},
        {"branch": branch.name, "group": group.name if group else None},
    )
    member.branch_id = branch.id
    member.group_id = new_group_id
    member.org_path = org_path
    member.updated_at = now
    session.flush()
    session.expire(member, ["branch", "group"])
    for unit in (old_branch, branch) if old_branch.id != branch.id else (branch,):
        record_in(
            session,
            unit,
            "member.moved",
            actor_id=actor_id,
            now=now,
            object_type="member",
            object_id=member.id,
            summary=f"{member.user.name}: {old_branch.name} → {branch.name}",
            changes=changes,
        )
    return True


def set_member_active(
    member: Member, *, is_active: bool, actor_id: int | None, now: datetime
) -> None:
    """Deactivate (moved away, deceased…) or reactivate; history is kept, login follows.

    Deactivating ends every login of the member at once (all devices).
    """
    if member.is_active == is_active:
        return
    if is_active and member.erased_at is not None:
        raise Conflict(_l("This member's personal data was erased: they cannot come back."))
    member.is_active = is_active
    member.user.is_enabled = is_active
    member.updated_at = now
    if not is_active:
        end_all_sessions(member.user, now=now, reason="deactivated")
    session = Session.object_session(member)
    assert session is not None
    record_in(
        session,
        member.branch,
        "member.reactivated" if is_active else "member.deactivated",
        actor_id=actor_id,
        now=now,
        object_type="member",
        object_id=member.id,
        summary=member.user.name,
        changes={"is_active": [not is_active, is_active]},
    )


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


def move_unit(
    session: Session,
    unit: OrgUnit,
    new_parent: OrgUnit,
    *,
    actor_id: int | None = None,
    now: datetime,
) -> None:
    """Re-hang a unit (and everything below it) under another parent in the same committee.

    Recorded in the unit's log under its old place and under its new one.
    """
    if new_parent.path.startswith(unit.path):
        raise InvalidInput(_l("A unit cannot be moved below itself."))
    if unit.kind not in ALLOWED_CHILDREN[new_parent.kind]:
        raise InvalidInput(_l("This kind of unit cannot be placed there."))
    if new_parent.committee_id != unit.committee_id:
        raise InvalidInput(_l("Units move only within their committee."))
    old_parent = unit.parent
    if old_parent is not None and old_parent.id == new_parent.id:
        return
    old_path = unit.path
    new_path = f"{new_parent.path}{unit.id}/"
    changes = {"parent": [old_parent.name if old_parent else None, new_parent.name]}

    def record_move(place: OrgUnit) -> None:
        """The move in the log of ``unit`` at ``place`` (where it was, then where it is)."""
        record_in(
            session,
            place,
            "unit.moved",
            actor_id=actor_id,
            now=now,
            object_type="org_unit",
            object_id=place.id,
            summary=f"{place.name}: {changes['parent'][0]} → {new_parent.name}",
            changes=changes,
            details={"path": [old_path, new_path]},
        )

    record_move(unit)
    cut = len(old_path) + 1
    for model, column in ((OrgUnit, OrgUnit.path), (Member, Member.org_path)):
        session.execute(
            update(model)
            .where(under(column, old_path))
            .values({column.key: literal(new_path, String).concat(func.substr(column, cut))})
            .execution_options(synchronize_session=False)
        )
    unit.parent_id = new_parent.id
    session.flush()
    session.expire_all()
    record_move(session.get_one(OrgUnit, unit.id))
