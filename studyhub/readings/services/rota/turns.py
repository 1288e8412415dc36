"""Each day's turn: the next member after the last one, days off, the secretary's
reassignments and swaps (a day keeps its turn), and the days ahead of a branch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import Closed, Conflict, InvalidInput
from studyhub.org.models import Member, OrgUnit
from studyhub.readings.models import (
    AssignmentSource,
    LeadAssignment,
    LeadDayOff,
    LeadRotaEntry,
)
from studyhub.readings.services.rota.members import (
    RotaEntry,
    _require_branch,
    _require_eligible,
    branch_today,
    rota_entries,
)

# --- turns ------------------------------------------------------------------------------


class _Turns:
    """Whose turn comes next, replaying a branch's days in order.

    ``anchor`` is the last member who led by rota (and is still on it); each
    day given by hand since then used a turn too (``pending``).
    """

    def __init__(self, entries: list[RotaEntry], anchor: int | None, pending: int) -> None:
        self.order = [e.member_id for e in entries]
        self.eligible = {e.member_id for e in entries if e.is_eligible}
        self.anchor = anchor
        self.pending = pending

    def _advance(self, start: int | None, steps: int) -> int | None:
        if not self.eligible:
            return None
        index = self.order.index(start) if start in self.order else -1
        current = start
        for _ in range(steps):
            while True:
                index = (index + 1) % len(self.order)
                if self.order[index] in self.eligible:
                    current = self.order[index]
                    break
        return current

    def peek(self) -> int | None:
        """The member whose turn the next day is (not yet used)."""
        return self._advance(self.anchor, self.pending + 1)

    def take(self) -> int | None:
        member_id = self.peek()
        if member_id is not None:
            self.anchor, self.pending = member_id, 0
        return member_id

    def saw(self, source: AssignmentSource, member_id: int) -> None:
        """An existing assignment: a rota one moves the anchor, a manual one uses a turn."""
        if source == AssignmentSource.MANUAL:
            self.pending += 1
        elif member_id in self.order:
            self.anchor, self.pending = member_id, 0


def _turns_before(session: Session, branch: OrgUnit, day: date, entries: list[RotaEntry]) -> _Turns:
    """The turn state at the start of ``day`` (two queries)."""
    anchor = session.execute(
        select(LeadAssignment.day, LeadAssignment.member_id)
        .join(
            LeadRotaEntry,
            and_(
                LeadRotaEntry.branch_id == LeadAssignment.branch_id,
                LeadRotaEntry.member_id == LeadAssignment.member_id,
            ),
        )
        .where(
            LeadAssignment.branch_id == branch.id,
            LeadAssignment.day < day,
            LeadAssignment.source == AssignmentSource.ROTA,
        )
        .order_by(LeadAssignment.day.desc())
        .limit(1)
    ).first()
    manual = select(func.count(LeadAssignment.id)).where(
        LeadAssignment.branch_id == branch.id,
        LeadAssignment.day < day,
        LeadAssignment.source == AssignmentSource.MANUAL,
    )
    if anchor is not None:
        manual = manual.where(LeadAssignment.day > anchor.day)
    pending = session.scalar(manual) or 0
    return _Turns(entries, anchor.member_id if anchor else None, pending)


def _assignment(session: Session, branch_id: int, day: date) -> LeadAssignment | None:
    return session.scalar(
        select(LeadAssignment).where(
            LeadAssignment.branch_id == branch_id, LeadAssignment.day == day
        )
    )


def is_day_off(session: Session, branch: OrgUnit, day: date) -> bool:
    return (
        session.scalar(
            select(LeadDayOff.id).where(LeadDayOff.branch_id == branch.id, LeadDayOff.day == day)
        )
        is not None
    )


def _insert(session: Session, row: LeadAssignment) -> LeadAssignment | None:
    """Insert in a savepoint; None when another transaction took the day first."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def assign_day(
    session: Session, branch: OrgUnit, day: date, *, now: datetime
) -> LeadAssignment | None:
    """Give ``day`` to the next member in the rota; the existing assignment if there is one.

    None on a day off or when nobody on the rota can lead.
    """
    existing = _assignment(session, branch.id, day)
    if existing is not None:
        return existing
    if is_day_off(session, branch, day):
        return None
    member_id = _turns_before(session, branch, day, rota_entries(session, branch)).peek()
    if member_id is None:
        return None
    row = LeadAssignment(
        branch_id=branch.id,
        day=day,
        member_id=member_id,
        source=AssignmentSource.ROTA,
        assigned_at=now,
    )
    return _insert(session, row) or _assignment(session, branch.id, day)


def _require_changeable(session: Session, branch: OrgUnit, day: date, now: datetime) -> None:
    if day < branch_today(session, branch, now):
        raise Closed(_l("Days that have passed cannot be changed."))


def _require_no_reflection(row: LeadAssignment | None) -> None:
    if row is not None and row.reflection:
        raise Conflict(_l("The lead reader of that day has already posted a reflection."))


def reassign_day(
    session: Session,
    branch: OrgUnit,
    day: date,
    member: Member,
    *,
    by_user_id: int | None,
    now: datetime,
) -> LeadAssignment:
    """Give ``day`` to ``member`` by hand (today or later); updates the day's one row."""
    _require_branch(branch)
    _require_eligible(branch, member)
    _require_changeable(session, branch, day, now)
    if is_day_off(session, branch, day):
        raise Conflict(_l("That day is marked as a day off; make it a working day first."))
    for _attempt in range(2):
        row = _assignment(session, branch.id, day)
        _require_no_reflection(row)
        if row is None:
            row = _insert(
                session,
                LeadAssignment(
                    branch_id=branch.id,
                    day=day,
                    member_id=member.id,
                    source=AssignmentSource.MANUAL,
                    assigned_by_id=by_user_id,
                    assigned_at=now,
                ),
            )
            if row is None:  # the scheduler assigned the day meanwhile: update its row
                continue
            return row
        if row.member_id != member.id:
            row.member_id = member.id
            row.source = AssignmentSource.MANUAL
            row.assigned_by_id = by_user_id
            row.assigned_at = now
            session.flush()
        return row
    raise Conflict(_l("Someone else changed that day at the same time; try again."))


def swap_days(
    session: Session,
    branch: OrgUnit,
    first: date,
    second: date,
    *,
    by_user_id: int | None,
    now: datetime,
) -> None:
    """Exchange the lead readers of two days (assigned or still to come by rota)."""
    if first == second:
        raise InvalidInput(_l("Choose two different days."))
    first, second = sorted((first, second))
    _require_changeable(session, branch, first, now)
    slots = {s.day: s for s in schedule(session, branch, first, (second - first).days + 1)}
    a, b = slots[first], slots[second]
    if a.is_off or b.is_off:
        raise Conflict(_l("A day off cannot be swapped; make it a working day first."))
    if a.member_id is None or b.member_id is None:
        raise InvalidInput(_l("Both days need a lead reader to swap them."))
    if a.member_id == b.member_id:
        return
    if a.has_reflection or b.has_reflection:
        raise Conflict(_l("The lead reader of that day has already posted a reflection."))
    members = {
        m.id: m
        for m in session.scalars(select(Member).where(Member.id.in_([a.member_id, b.member_id])))
    }
    for member in members.values():  # both checked before either day changes
        _require_eligible(branch, member)
    reassign_day(session, branch, first, members[b.member_id], by_user_id=by_user_id, now=now)
    reassign_day(session, branch, second, members[a.member_id], by_user_id=by_user_id, now=now)


def set_day_off(
    session: Session, branch: OrgUnit, day: date, *, is_off: bool, now: datetime
) -> None:
    """Mark ``day`` as a day off (nobody leads; no turn is used) or as a working day again."""
    _require_branch(branch)
    _require_changeable(session, branch, day, now)
    existing = session.scalar(
        select(LeadDayOff).where(LeadDayOff.branch_id == branch.id, LeadDayOff.day == day)
    )
    if not is_off:
        if existing is not None:
            session.delete(existing)
            session.flush()
        return
    if existing is not None:
        return
    row = _assignment(session, branch.id, day)
    _require_no_reflection(row)
    if row is not None:
        session.delete(row)
    try:
        with session.begin_nested():
            session.add(LeadDayOff(branch_id=branch.id, day=day))
    except IntegrityError:
        pass  # marked off by someone else at the same time
    session.flush()


# --- the days ahead ---------------------------------------------------------------------


@dataclass(frozen=True)
class DaySlot:
    """Who leads on a day: assigned already, or whose turn it will be."""

    day: date
    member_id: int | None
    name: str | None
    is_off: bool
    is_assigned: bool
    source: AssignmentSource | None
    has_reflection: bool


def schedule(session: Session, branch: OrgUnit, start: date, days: int) -> list[DaySlot]:
    """The ``days`` days from ``start``: assignments made and the turns the rota will give."""
    end = start + timedelta(days=days)
    entries = rota_entries(session, branch)
    turns = _turns_before(session, branch, start, entries)
    rows = {
        row.day: row
        for row in session.scalars(
            select(LeadAssignment).where(
                LeadAssignment.branch_id == branch.id,
                LeadAssignment.day >= start,
                LeadAssignment.day < end,
            )
        )
    }
    off = set(
        session.scalars(
            select(LeadDayOff.day).where(
                LeadDayOff.branch_id == branch.id, LeadDayOff.day >= start, LeadDayOff.day < end
            )
        )
    )
    names = dict(
        session.execute(
            select(Member.id, User.name)
            .join(User, User.id == Member.user_id)
            .where(
                Member.id.in_({e.member_id for e in entries} | {r.member_id for r in rows.values()})
            )
        ).all()
    )
    slots = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        row = rows.get(day)
        if day in off and row is None:
            slots.append(DaySlot(day, None, None, True, False, None, False))
        elif row is not None:
            turns.saw(row.source, row.member_id)
            slots.append(
                DaySlot(
                    day,
                    row.member_id,
                    names.get(row.member_id),
                    False,
                    True,
                    row.source,
                    bool(row.reflection),
                )
            )
        else:
            member_id = turns.take()
            name = names.get(member_id) if member_id else None
            slots.append(DaySlot(day, member_id, name, False, False, None, False))
    return slots
