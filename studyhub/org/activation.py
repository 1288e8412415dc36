"""Activation codes given out in a branch: a sheet of slips, or a new code for one member.

The codes themselves (random, stored hashed, single use, expiring, limited tries)
are the accounts domain's. Here they are handed to a branch's members by whoever
:mod:`studyhub.org.access` allows: printing a branch's slips issues a fresh code
to every member who has not activated their account yet (or to every member),
and a new code for one member is how a forgotten password is reset. Each code
issued is recorded in the branch's audit log, never the code itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, contains_eager

from studyhub.accounts import services as accounts
from studyhub.accounts.models import User
from studyhub.org.access import MANAGER_ROLES
from studyhub.org.auditing import record_in
from studyhub.org.models import Member, OrgUnit, RoleAssignment
from studyhub.org.queries import under


@dataclass(frozen=True)
class Slip:
    """One member's activation slip: what is printed, and shown only in this response."""

    member: Member
    login: str
    code: str

    @property
    def printed_code(self) -> str:
        return accounts.format_activation_code(self.code)


def login_of(user: User) -> str:
    """What the member logs in with, as the slip prints it: the phone, else the member number."""
    return user.phone or user.member_no or ""


def _slip_conditions(branch: OrgUnit, *, everyone: bool, issuer_id: int) -> list:
    manager = exists().where(
        RoleAssignment.user_id == Member.user_id, RoleAssignment.role.in_(MANAGER_ROLES)
    )
    conditions = [
        under(Member.org_path, branch.path),
        Member.is_active.is_(True),
        Member.user_id != issuer_id,
        User.is_admin.is_(False),
        ~manager,
    ]
    if not everyone:
        conditions.append(User.password_hash.startswith(accounts.UNUSABLE_PASSWORD_PREFIX))
    return conditions


def slip_members(branch: OrgUnit, *, everyone: bool, issuer_id: int) -> Select[tuple[Member]]:
    """The branch's active members who get a slip: those not activated yet, or everyone.

    Never the issuer, and never a system admin or a holder of a staff or admin role:
    their passwords are reset one at a time by someone allowed to (see
    ``access.can_issue_code``), not from a branch's sheet.
    """
    return (
        select(Member)
        .join(Member.user)
        .where(*_slip_conditions(branch, everyone=everyone, issuer_id=issuer_id))
        .options(contains_eager(Member.user))
        .order_by(User.name, Member.id)
    )


def issue_slips(
    session: Session,
    branch: OrgUnit,
    *,
    everyone: bool,
    actor_id: int,
    now: datetime,
    valid_for: timedelta,
    key: str,
) -> list[Slip]:
    """Issue a fresh code to each member of :func:`slip_members`; returns their slips.

    A member's earlier code stops working. Passwords are left alone: a member who
    has activated keeps theirs, and may use the slip's code to choose a new one.
    """
    members = list(session.scalars(slip_members(branch, everyone=everyone, issuer_id=actor_id)))
    codes = accounts.issue_activation_codes(
        session, [m.user for m in members], by_id=actor_id, now=now, valid_for=valid_for, key=key
    )
    for member in members:
        _record(
            session, branch, member, "account.code_issued", actor_id, now, valid_for, flush=False
        )
    session.flush()
    return [Slip(member=m, login=login_of(m.user), code=codes[m.user_id]) for m in members]


def reset_with_code(
    session: Session,
    member: Member,
    *,
    actor_id: int,
    now: datetime,
    valid_for: timedelta,
    key: str,
) -> Slip:
    """Give one member a new code, shown once; their password (if any) stops working and
    every session of theirs ends. How a forgotten password is reset without e-mail."""
    activated = accounts.has_usable_password(member.user)
    codes = accounts.issue_activation_codes(
        session, [member.user], by_id=actor_id, now=now, valid_for=valid_for, key=key, reset=True
    )
    kind = "account.password_reset" if activated else "account.code_issued"
    _record(session, member.branch, member, kind, actor_id, now, valid_for)
    return Slip(member=member, login=login_of(member.user), code=codes[member.user_id])


def _record(
    session: Session,
    branch: OrgUnit,
    member: Member,
    kind: str,
    actor_id: int,
    now: datetime,
    valid_for: timedelta,
    *,
    flush: bool = True,
) -> None:
    record_in(
        session,
        branch,
        kind,
        actor_id=actor_id,
        now=now,
        object_type="member",
        object_id=member.id,
        summary=member.user.name,
        details={"user_id": member.user_id, "expires_at": now + valid_for},
        flush=flush,
    )


def count_slips(session: Session, branch: OrgUnit, *, everyone: bool, issuer_id: int) -> int:
    """How many slips :func:`issue_slips` would print."""
    stmt = (
        select(func.count(Member.id))
        .join(Member.user)
        .where(*_slip_conditions(branch, everyone=everyone, issuer_id=issuer_id))
    )
    return session.scalar(stmt) or 0


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline SVG that scales to its box."""
    return segno.make(url, error="m").svg_inline(
        border=2, omitsize=True, svgclass="qr", lineclass=None
    )
