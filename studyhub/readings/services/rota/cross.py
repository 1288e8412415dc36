"""A committee's rota across branches (e.g. three branches running the study channel).

The committee chooses the branches and their order; the rota's members are theirs,
interleaved so the branches take turns day by day (A's first member, B's first, C's
first, A's second, …; a branch that runs out of members drops out of the round). Turns,
days off, reassignments and swaps are the branch rota's own (``turns``), with the
committee as the rota's unit. The day before a member's turn they are reminded, once,
to prepare that day's reading and 党史今天 entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import zip_longest

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput
from studyhub.notify import services as notify
from studyhub.notify import texts
from studyhub.org.auditing import record_in
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.readings.models import LeadAssignment, LeadRotaBranch, LeadRotaEntry
from studyhub.readings.services.rota.members import branch_today
from studyhub.readings.services.rota.turns import DaySlot, assign_day, is_day_off, schedule

REMINDER_KIND = "cross_rota_reminder"


def _reminder(p) -> tuple[str, str]:
    day = date.fromisoformat(p["day"])
    return (
        gettext("You lead the reading on %(day)s", day=format_date(day, "long")),
        gettext(
            "On behalf of %(branch)s, prepare that day's reading and its 党史今天 entry.",
            branch=p["branch"],
        ),
    )


texts.register(REMINDER_KIND, _reminder)


def dedupe_key(committee: OrgUnit, day: date) -> str:
    return f"cross-rota:{committee.id}:{day.isoformat()}"


def _require_committee(committee: OrgUnit) -> None:
    if committee.kind != UnitKind.COMMITTEE:
        raise InvalidInput(_l("A rota across branches belongs to a committee."))


def rota_branches(session: Session, committee: OrgUnit) -> list[OrgUnit]:
    """The branches on the committee's rota, in their order."""
    return list(
        session.scalars(
            select(OrgUnit)
            .join(LeadRotaBranch, LeadRotaBranch.branch_id == OrgUnit.id)
            .where(LeadRotaBranch.committee_id == committee.id)
            .order_by(LeadRotaBranch.position)
        )
    )


def _members_by_branch(session: Session, branch_ids: Sequence[int]) -> dict[int, list[int]]:
    rows = session.execute(
        select(Member.branch_id, Member.id)
        .join(User, User.id == Member.user_id)
        .where(Member.branch_id.in_(branch_ids), Member.is_active.is_(True))
        .order_by(User.name, Member.id)
    ).all()
    members: dict[int, list[int]] = {b: [] for b in branch_ids}
    for branch_id, member_id in rows:
        members[branch_id].append(member_id)
    return members


def set_rota_branches(
    session: Session,
    committee: OrgUnit,
    branch_ids: Sequence[int],
    *,
    by_user_id: int | None,
    now: datetime,
) -> int:
    """Make ``branch_ids`` (in this order) the committee's rota; returns its member count.

    Days already assigned keep their reader; the coming turns follow the new order.
    """
    _require_committee(committee)
    if len(set(branch_ids)) != len(branch_ids):
        raise InvalidInput(_l("Choose each branch once."))
    if len(branch_ids) < 2:
        raise InvalidInput(_l("A rota across branches needs two branches or more."))
    valid = set(
        session.scalars(
            select(OrgUnit.id).where(
                OrgUnit.id.in_(branch_ids),
                OrgUnit.kind == UnitKind.BRANCH,
                OrgUnit.committee_id == committee.id,
                OrgUnit.is_active.is_(True),
            )
        )
    )
    if valid != set(branch_ids):
        raise InvalidInput(_l("Choose active branches of this committee."))
    session.execute(delete(LeadRotaBranch).where(LeadRotaBranch.committee_id == committee.id))
    session.execute(delete(LeadRotaEntry).where(LeadRotaEntry.branch_id == committee.id))
    session.add_all(
        LeadRotaBranch(committee_id=committee.id, branch_id=b, position=i)
        for i, b in enumerate(branch_ids, start=1)
    )
    members = _members_by_branch(session, branch_ids)
    order = [m for round_ in zip_longest(*(members[b] for b in branch_ids)) for m in round_ if m]
    session.add_all(
        LeadRotaEntry(branch_id=committee.id, member_id=m, position=i)
        for i, m in enumerate(order, start=1)
    )
    session.flush()
    record_in(
        session,
        committee,
        "rota.branches_set",
        actor_id=by_user_id,
        now=now,
        object_type="org_unit",
        object_id=committee.id,
        details={"branches": list(branch_ids)},
    )
    return len(order)


@dataclass(frozen=True)
class CrossSlot:
    slot: DaySlot
    branch_name: str | None


def days_ahead(session: Session, committee: OrgUnit, start: date, days: int) -> list[CrossSlot]:
    """The rota's days from ``start``, each with the branch on duty (the member's branch)."""
    slots = schedule(session, committee, start, days)
    ids = {s.member_id for s in slots if s.member_id}
    branch_of = dict(
        session.execute(
            select(Member.id, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == Member.branch_id)
            .where(Member.id.in_(ids))
        ).all()
    )
    return [CrossSlot(s, branch_of.get(s.member_id)) for s in slots]


def duty_day(session: Session, member_id: int, committee_id: int, now: datetime) -> date | None:
    """The day (today, else tomorrow) the member leads on the committee's rota across
    branches: the day whose reading they prepare. None when they are not on duty."""
    committee = session.get(OrgUnit, committee_id)
    if committee is None:
        return None
    today = branch_today(session, committee, now)
    return session.scalar(
        select(func.min(LeadAssignment.day)).where(
            LeadAssignment.branch_id == committee.id,
            LeadAssignment.member_id == member_id,
            LeadAssignment.day.in_([today, today + timedelta(days=1)]),
        )
    )


def remind_tomorrow(session: Session, *, now: datetime) -> int:
    """Assign tomorrow on every committee's rota across branches and remind its reader once.

    Safe to run late or twice: the day's one assignment row and the message's dedupe key
    (one per committee and day) make a second run send nothing. Returns messages sent.
    """
    sent = 0
    committees = session.scalars(
        select(OrgUnit)
        .where(
            OrgUnit.kind == UnitKind.COMMITTEE,
            OrgUnit.is_active.is_(True),
            OrgUnit.id.in_(select(LeadRotaBranch.committee_id)),
        )
        .order_by(OrgUnit.id)
    ).all()
    for committee in committees:
        today = branch_today(session, committee, now)
        assign_day(session, committee, today, now=now)  # today's reader, if not yet given
        tomorrow = today + timedelta(days=1)
        if is_day_off(session, committee, tomorrow):
            continue
        row = assign_day(session, committee, tomorrow, now=now)
        if row is None:
            continue
        user_id, branch_id, branch = session.execute(
            select(Member.user_id, OrgUnit.id, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == Member.branch_id)
            .where(Member.id == row.member_id)
        ).one()
        params = {"day": tomorrow.isoformat(), "branch": branch}
        subject, body = _reminder(params)
        message = notify.send(
            session,
            user_id=user_id,
            kind=REMINDER_KIND,
            subject=subject,
            body=body,
            link=f"/branches/{branch_id}/publish/new",
            dedupe_key=dedupe_key(committee, tomorrow),
            now=now,
            params=params,
        )
        sent += message is not None
    return sent
