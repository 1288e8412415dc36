"""SQL for the committee's own dimensions and the 比学习 competitions' pages."""

from __future__ import annotations

from sqlalchemy import Select, select

from studyhub.accounts.models import User
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.reports.models import Competition, CustomDimension


def branches_of(committee_id: int) -> Select[tuple[int, str]]:
    """(id, name) of the committee's branches in tree order."""
    return (
        select(OrgUnit.id, OrgUnit.name)
        .where(OrgUnit.committee_id == committee_id, OrgUnit.kind == UnitKind.BRANCH)
        .order_by(OrgUnit.path)
    )


def branch_members(committee_id: int, branch_id: int) -> Select[tuple[int, str, str | None]]:
    """(user id, name, member number) of a branch's active members, by name."""
    return (
        select(User.id, User.name, User.member_no)
        .join(Member, Member.user_id == User.id)
        .where(
            Member.branch_id == branch_id,
            Member.committee_id == committee_id,
            Member.is_active.is_(True),
        )
        .order_by(User.name, User.id)
    )


def custom_dimensions_of(committee_id: int) -> Select[tuple[CustomDimension]]:
    """Every scheme's dimensions of the committee, by scheme and position."""
    return (
        select(CustomDimension)
        .where(CustomDimension.committee_id == committee_id)
        .order_by(CustomDimension.scheme, CustomDimension.position, CustomDimension.id)
    )


def competitions_of(committee_id: int) -> Select[tuple[Competition]]:
    """The committee's competitions, latest first."""
    return (
        select(Competition)
        .where(Competition.committee_id == committee_id)
        .order_by(Competition.starts_on.desc(), Competition.id.desc())
    )
