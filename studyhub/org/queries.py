"""Reusable queries over the tree; each returns a ``Select`` scoped to a path."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, contains_eager

from studyhub.accounts.models import User
from studyhub.org.models import Member, OrgUnit, RoleAssignment, UnitKind


def under(column: InstrumentedAttribute[str], path: str) -> ColumnElement[bool]:
    """``column`` lies at ``path`` or below it, as an index range (not LIKE).

    Paths end in "/", and "0" is the character after "/", so every path that
    starts with ``path`` sorts at or after it and before ``path[:-1] + "0"``.
    """
    return and_(column >= path, column < path[:-1] + "0")


def path_range(path: str) -> dict[str, str]:
    """The values of the statements built once over a path's range (see :func:`under`)."""
    return {"path_from": path, "path_to": path[:-1] + "0"}


def _under_bound(column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """:func:`under` with the range given at execution by :func:`path_range`."""
    return and_(column >= bindparam("path_from"), column < bindparam("path_to"))


def members_under(path: str, *, active_only: bool = True) -> Select[tuple[Member]]:
    """Members at or below the unit with ``path``, ordered by name."""
    return _members(under(Member.org_path, path), active_only=active_only)


def _members(where: ColumnElement[bool], *, active_only: bool) -> Select[tuple[Member]]:
    # contains_eager: the user comes from this join, not from a second (joined-load) one.
    stmt = select(Member).join(Member.user).options(contains_eager(Member.user)).where(where)
    if active_only:
        stmt = stmt.where(Member.is_active.is_(True))
    return stmt.order_by(User.name, Member.id)


def named_members_under(path: str) -> Subquery:
    """The active members at or below ``path`` with their names, as a subquery with the
    columns ``member_id``, ``user_id`` and ``name``: other domains' per-member tables join
    it on ``user_id`` (and order by ``name``) without joining accounts' ``User`` themselves.
    """
    return (
        select(
            Member.id.label("member_id"),
            Member.user_id.label("user_id"),
            User.name.label("name"),
        )
        .join(User, User.id == Member.user_id)
        .where(under(Member.org_path, path), Member.is_active.is_(True))
        .subquery("named_members")
    )


def count_members_under(path: str) -> Select[tuple[int]]:
    return _count_active(under(Member.org_path, path))


def _count_active(where: ColumnElement[bool]) -> Select[tuple[int]]:
    return select(func.count(Member.id)).where(where, Member.is_active.is_(True))


@dataclass(frozen=True)
class UnitPage:
    """The statements of a unit's page, built once (it is a secretary's page, opened often):
    execute ``roster`` and ``roster_count`` with :func:`path_range`, ``children`` and
    ``role_holders`` with ``unit_id``, ``ancestors`` with ``ids``; ``family`` (the
    children and the ancestors in one statement) with ``unit_id`` and ``ids``.
    """

    roster: Select[tuple[Member]]  # active members, by name (members_under)
    roster_count: Select[tuple[int]]
    children: Select[tuple[OrgUnit]]
    ancestors: Select[tuple[OrgUnit]]
    role_holders: Select[tuple[RoleAssignment]]  # with their users
    family: Select[tuple[OrgUnit]]  # children and ancestors by name: split by parent_id


@functools.cache
def unit_page() -> UnitPage:
    unit_id = bindparam("unit_id")
    return UnitPage(
        roster=_members(_under_bound(Member.org_path), active_only=True),
        roster_count=_count_active(_under_bound(Member.org_path)),
        children=children_of(unit_id),
        ancestors=select(OrgUnit)
        .where(OrgUnit.id.in_(bindparam("ids", expanding=True)))
        .order_by(OrgUnit.path),
        role_holders=role_holders(unit_id).options(contains_eager(RoleAssignment.user)),
        family=select(OrgUnit)
        .where(
            or_(
                OrgUnit.parent_id == unit_id,
                OrgUnit.id.in_(bindparam("ids", expanding=True)),
            )
        )
        .order_by(OrgUnit.name),
    )


def units_under(path: str, *kinds: UnitKind) -> Select[tuple[OrgUnit]]:
    """Units strictly below ``path`` (optionally of some kinds), in tree order."""
    stmt = select(OrgUnit).where(under(OrgUnit.path, path), OrgUnit.path != path)
    if kinds:
        stmt = stmt.where(OrgUnit.kind.in_(kinds))
    return stmt.order_by(OrgUnit.path)


def branch_sizes_under(path: str) -> Select[tuple[int, int]]:
    """(branch id, active member count) for every branch under ``path``."""
    return (
        select(Member.branch_id, func.count(Member.id))
        .where(under(Member.org_path, path), Member.is_active.is_(True))
        .group_by(Member.branch_id)
    )


def committees() -> Select[tuple[OrgUnit]]:
    return (
        select(OrgUnit)
        .where(OrgUnit.parent_id.is_(None), OrgUnit.kind == UnitKind.COMMITTEE)
        .order_by(OrgUnit.name)
    )


def roles_of(user_id: int) -> Select[tuple[RoleAssignment]]:
    return select(RoleAssignment).where(RoleAssignment.user_id == user_id)


def role_holders(unit_id: int) -> Select[tuple[RoleAssignment]]:
    return (
        select(RoleAssignment)
        .join(RoleAssignment.user)
        .where(RoleAssignment.unit_id == unit_id)
        .order_by(RoleAssignment.role, User.name)
    )


def member_of_user(user_id: int) -> Select[tuple[Member]]:
    return select(Member).where(Member.user_id == user_id)


# Every page reads the viewer's grants: the statement below is built once and executed
# with ``{"user_id": …}`` (building a statement costs more than running it).


@functools.cache
def grant_rows() -> CompoundSelect:
    """The user's active membership and roles on active units, in one statement.

    First, if the user is an active member, one row (None, None, None, the member's
    org path, None, 0); then one row per role: (role, unit_id, name, path, kind, position),
    in the order given.
    """
    user_id = bindparam("user_id")
    roles = (
        select(
            RoleAssignment.role,
            OrgUnit.id.label("unit_id"),
            OrgUnit.name,
            OrgUnit.path,
            OrgUnit.kind,
            RoleAssignment.id.label("position"),
        )
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.user_id == user_id, OrgUnit.is_active.is_(True))
    )
    membership = select(null(), null(), null(), Member.org_path, null(), literal(0, Integer)).where(
        Member.user_id == user_id, Member.is_active.is_(True)
    )
    # The first select names the columns and gives their types (the role's enum).
    return union_all(roles, membership).order_by("position")


def search_members(
    path: str, text: str | None, *, active_only: bool = True
) -> Select[tuple[Member]]:
    """Members under ``path`` whose name, phone or member number contains ``text``."""
    stmt = members_under(path, active_only=active_only)
    text = (text or "").strip()
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(User.name.like(pattern), User.phone.like(pattern), User.member_no.like(pattern))
        )
    return stmt


def children_of(unit_id: int) -> Select[tuple[OrgUnit]]:
    return select(OrgUnit).where(OrgUnit.parent_id == unit_id).order_by(OrgUnit.name)


def groups_of(branch_id: int) -> Select[tuple[OrgUnit]]:
    return children_of(branch_id).where(OrgUnit.kind == UnitKind.GROUP)


def units_by_ids(ids: list[int]) -> Select[tuple[OrgUnit]]:
    return select(OrgUnit).where(OrgUnit.id.in_(ids)).order_by(OrgUnit.path)
