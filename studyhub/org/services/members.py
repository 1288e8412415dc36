"""Operations on the roster: a member's fields checked, members added, updated, moved,
deactivated and reactivated. Callers commit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.accounts.services import end_all_sessions, unusable_password
from studyhub.audit.services import diff as audit_diff
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import (
    Member,
    MemberStatus,
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
)
from studyhub.org.services.units import _clean_name

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
MEMBER_NO_RE = re.compile(r"^[0-9A-Za-z\-]{1,32}$")


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
