"""The lead reader on the home pages: a member's duty today and each branch's reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, or_, select
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
    """The member leads today's reading; ``reading_id`` when it is published."""

    day: date
    reading_id: int | None
    has_reflection: bool


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


def duty_today(
    session: Session,
    *,
    member_id: int,
    branch_id: int,
    committee_id: int,
    timezone: str,
    now: datetime,
) -> Duty | None:
    """Whether the member leads their branch's reading today (one query)."""
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
    if row is None:
        return None
    return Duty(day=today, reading_id=row.id, has_reflection=bool(row.reflection))


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
