"""The lead reader on the home pages: a member's duty today and each branch's reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import local_date
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.readings import queries
from studyhub.readings.models import (
    LeadAssignment,
    Reading,
)
from studyhub.readings.services.rota.members import branch_today

# --- the home page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    """The member leads today's reading; ``reading_id`` when it is published.

    ``cross_day``: the day (today or tomorrow) the member leads on the committee's rota
    across branches, whose reading they prepare on their branch's (``cross_branch_id``)
    write page; ``leads_branch`` is False when that is their only duty.
    """

    day: date
    reading_id: int | None
    has_reflection: bool
    leads_branch: bool = True
    cross_day: date | None = None
    cross_branch_id: int | None = None


# Asked on every member's home page: built once, given values per call.
_DUTY_TODAY = (
    select(LeadAssignment.reflection, Reading.id)
    .outerjoin(
        Reading,
        and_(
            Reading.committee_id == bindparam("committee_id"),
            Reading.daily_on == LeadAssignment.day,
            queries.is_visible(bindparam("now", type_=Reading.published_at.type)),
        ),
    )
    .where(
        LeadAssignment.branch_id == bindparam("branch_id"),
        LeadAssignment.day == bindparam("today", type_=LeadAssignment.day.type),
        LeadAssignment.member_id == bindparam("member_id"),
    )
)


def cross_duty_day(member_id_param, committee_id_param, today_param, tomorrow_param):
    """The day (today, else tomorrow) the member leads on the committee's rota across
    branches (its rows' unit is the committee), as a scalar subquery of the given params."""
    return (
        select(func.min(LeadAssignment.day))
        .where(
            LeadAssignment.branch_id == committee_id_param,
            LeadAssignment.member_id == member_id_param,
            LeadAssignment.day >= today_param,
            LeadAssignment.day <= tomorrow_param,
        )
        .scalar_subquery()
    )


_CROSS_DAY = select(
    cross_duty_day(
        bindparam("member_id"),
        bindparam("committee_id"),
        bindparam("today", type_=LeadAssignment.day.type),
        bindparam("tomorrow", type_=LeadAssignment.day.type),
    )
)


def duty_today(
    session: Session,
    *,
    member_id: int,
    branch_id: int,
    committee_id: int,
    timezone: str,
    now: datetime,
) -> Duty | None:
    """Whether the member leads their branch's reading today, or the committee's on its
    rota across branches today or tomorrow (two queries; the home page asks both in the
    member's own statement instead, see ``today.today_for``)."""
    today = local_date(now, timezone)
    row = session.execute(
        _DUTY_TODAY,
        {
            "committee_id": committee_id,
            "branch_id": branch_id,
            "member_id": member_id,
            "today": today,
            "now": now,
        },
    ).first()
    cross_day = session.scalar(
        _CROSS_DAY,
        {
            "member_id": member_id,
            "committee_id": committee_id,
            "today": today,
            "tomorrow": today + timedelta(days=1),
        },
    )
    return make_duty(
        today,
        leads_branch=row is not None,
        reading_id=row.id if row is not None else None,
        has_reflection=bool(row.reflection) if row is not None else False,
        cross_day=cross_day,
        branch_id=branch_id,
    )


def make_duty(
    day: date,
    *,
    leads_branch: bool,
    reading_id: int | None,
    has_reflection: bool,
    cross_day: date | None,
    branch_id: int,
) -> Duty | None:
    """The member's duty (None when they lead nothing today or tomorrow)."""
    if not leads_branch and cross_day is None:
        return None
    return Duty(
        day=day,
        reading_id=reading_id if leads_branch else None,
        has_reflection=has_reflection,
        leads_branch=leads_branch,
        cross_day=cross_day,
        cross_branch_id=branch_id if cross_day is not None else None,
    )


def lead_today(session: Session, branch: OrgUnit, now: datetime) -> str | None:
    """The name of the branch's lead reader today, if assigned."""
    return session.scalar(
        select(User.name)
        .join(Member, Member.user_id == User.id)
        .join(LeadAssignment, LeadAssignment.member_id == Member.id)
        .where(
            LeadAssignment.branch_id == branch.id,
            LeadAssignment.day == branch_today(session, branch, now),
        )
    )


@dataclass(frozen=True)
class BranchLead:
    branch_id: int
    branch_name: str
    lead_name: str | None


def lead_readers_today(session: Session, paths: Sequence[str], now: datetime) -> list[BranchLead]:
    """Today's lead reader of every active branch under ``paths`` (a secretary's branches)."""
    if not paths:
        return []
    branches = list(
        session.scalars(
            select(OrgUnit)
            .where(
                or_(*(under(OrgUnit.path, p) for p in paths)),
                OrgUnit.kind == UnitKind.BRANCH,
                OrgUnit.is_active.is_(True),
            )
            .order_by(OrgUnit.path)
            .limit(20)
        )
    )
    if not branches:
        return []
    days = {b.id: branch_today(session, b, now) for b in branches}
    leads = {
        branch_id: name
        for branch_id, day, name in session.execute(
            select(LeadAssignment.branch_id, LeadAssignment.day, User.name)
            .join(Member, Member.id == LeadAssignment.member_id)
            .join(User, User.id == Member.user_id)
            .where(
                LeadAssignment.branch_id.in_(days),
                LeadAssignment.day.in_(set(days.values())),
            )
        )
        if days[branch_id] == day
    }
    return [BranchLead(b.id, b.name, leads.get(b.id)) for b in branches]
