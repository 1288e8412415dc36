"""The request's member context: who is asking, as a member, read once per request.

Every page needs the same few facts about the logged-in user: their active
membership (member id, committee, branch, group, the committee's time zone),
their grants (roles on units) and, for the header, their unread count. ``org``
adds them to the request's first statement (the login check,
:mod:`studyhub.accounts.requests`), so they cost no statement of their own, and
keeps them for the request; domains ask :func:`member` and
:func:`studyhub.org.access.grants` instead of reading the member's row again in
their own shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import Flask, g
from flask_login import current_user
from sqlalchemy import Row, Select, and_, bindparam, select
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.accounts.requests import FirstStatementPart, add_to_first_statement
from studyhub.core.clock import local_date
from studyhub.extensions import db
from studyhub.notify.queries import unread_count
from studyhub.org.access import Grants, Scope
from studyhub.org.models import Member, OrgUnit, RoleAssignment


@dataclass(frozen=True)
class MemberRow:
    """A user's active membership in the shape every domain uses."""

    user_id: int
    member_id: int
    committee_id: int
    branch_id: int
    group_id: int | None
    org_path: str
    timezone: str  # the committee's

    def today(self, now: datetime) -> date:
        """The committee's local date at ``now``."""
        return local_date(now, self.timezone)


_committee = aliased(OrgUnit, name="member_committee")
_role_unit = aliased(OrgUnit, name="role_unit")


def _extend(statement: Select) -> Select:
    """The login statement with the membership, the roles (a row each) and the unread count."""
    return (
        statement.add_columns(
            unread_count().scalar_subquery().label("unread_count"),
            Member.id.label("member_id"),
            Member.committee_id.label("member_committee_id"),
            Member.branch_id.label("member_branch_id"),
            Member.group_id.label("member_group_id"),
            Member.org_path.label("member_org_path"),
            _committee.timezone.label("member_timezone"),
            RoleAssignment.role.label("grant_role"),
            _role_unit.id.label("grant_unit_id"),
            _role_unit.name.label("grant_unit_name"),
            _role_unit.path.label("grant_unit_path"),
            _role_unit.kind.label("grant_unit_kind"),
        )
        .outerjoin(Member, and_(Member.user_id == User.id, Member.is_active.is_(True)))
        .outerjoin(_committee, _committee.id == Member.committee_id)
        .outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)
        .outerjoin(
            _role_unit,
            and_(_role_unit.id == RoleAssignment.unit_id, _role_unit.is_active.is_(True)),
        )
        .order_by(RoleAssignment.id)
    )


def _receive(user: User, rows: Sequence[Row]) -> None:
    first = rows[0]._mapping
    member = (
        MemberRow(
            user_id=user.id,
            member_id=first["member_id"],
            committee_id=first["member_committee_id"],
            branch_id=first["member_branch_id"],
            group_id=first["member_group_id"],
            org_path=first["member_org_path"],
            timezone=first["member_timezone"],
        )
        if first["member_id"] is not None
        else None
    )
    g.member_row = member
    g.unread_count = first["unread_count"] or 0
    g.grants = Grants(
        user_id=user.id,
        is_admin=user.is_admin,
        scopes=tuple(
            Scope(
                role=row.grant_role,
                unit_id=row.grant_unit_id,
                unit_name=row.grant_unit_name,
                path=row.grant_unit_path,
                kind=row.grant_unit_kind,
            )
            for row in rows
            if row.grant_unit_id is not None
        ),
        member_path=member.org_path if member is not None else None,
    )


_MEMBER_ROW = (
    select(
        Member.id,
        Member.committee_id,
        Member.branch_id,
        Member.group_id,
        Member.org_path,
        _committee.timezone,
    )
    .join(_committee, _committee.id == Member.committee_id)
    .where(Member.user_id == bindparam("user_id"), Member.is_active.is_(True))
)


def member() -> MemberRow | None:
    """The logged-in user's active membership (None for anonymous users and non-members).

    Given by the request's first statement; read here only when the user was
    logged in by this very request (the login form, activation).
    """
    if "member_row" not in g:
        if not current_user.is_authenticated:
            return None
        found = db.session.execute(_MEMBER_ROW, {"user_id": current_user.id}).first()
        g.member_row = (
            MemberRow(current_user.id, found[0], found[1], found[2], found[3], found[4], found[5])
            if found is not None
            else None
        )
    return g.member_row


def unread() -> int | None:
    """The header's unread count of the logged-in user (None when anonymous)."""
    if "unread_count" not in g:
        if not current_user.is_authenticated:
            return None
        g.unread_count = db.session.scalar(unread_count(), {"user_id": current_user.id}) or 0
    return g.unread_count


def init_member_context(app: Flask) -> None:
    """Read the member context in every request's first statement."""
    add_to_first_statement(app, FirstStatementPart(extend=_extend, receive=_receive))
