"""The lead-reader (领读人) rota, daily assignments and reflections.

A branch keeps an ordered rota of members. Each day is one turn: the scheduler
gives it to the next member in rota order after the last one, skipping members
who are inactive or have left the branch, and skipping days the secretary
marked off (no turn is used on those). The secretary may give a day to someone
else (a manual assignment); that day still uses its turn, so a swap of two days
leaves everybody else's days where they were.

``lead_assignment`` has one row per branch and day (a unique constraint), so
reassigning updates that row and assigning twice finds it: never two readers
for a day, even when two processes race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import local_date
from studyhub.core.errors import Closed, Conflict, InvalidInput, NotAllowed, NotFound
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.readings import queries
from studyhub.readings.models import (
    AssignmentSource,
    LeadAssignment,
    LeadDayOff,
    LeadRotaEntry,
    Reading,
)

REFLECTION_MAX_CHARS = 500


# --- the rota ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RotaEntry:
    """One member's place in a rota, with whether the scheduler will give them turns."""

    member_id: int
    name: str
    position: int
    is_active: bool
    is_in_branch: bool

    @property
    def is_eligible(self) -> bool:
        return self.is_active and self.is_in_branch


def committee_timezone(session: Session, unit: OrgUnit) -> str:
    """The time zone of ``unit``'s committee: lead-reader days are the committee's days."""
    committee = session.get(OrgUnit, unit.committee_id) if unit.committee_id else None
    return (committee or unit).timezone


def branch_today(session: Session, branch: OrgUnit, now: datetime) -> date:
    return local_date(now, committee_timezone(session, branch))


def rota_entries(session: Session, branch: OrgUnit) -> list[RotaEntry]:
    """The branch's rota in turn order (members who left or were deactivated included)."""
    rows = session.execute(
        select(
            LeadRotaEntry.member_id,
            User.name,
            LeadRotaEntry.position,
            Member.is_active,
            Member.branch_id,
        )
        .join(Member, Member.id == LeadRotaEntry.member_id)
        .join(User, User.id == Member.user_id)
        .where(LeadRotaEntry.branch_id == branch.id)
        .order_by(LeadRotaEntry.position, LeadRotaEntry.id)
    ).all()
    return [
        RotaEntry(
            member_id=member_id,
            name=name,
            position=position,
            is_active=is_active,
            is_in_branch=branch_id == branch.id,
        )
        for member_id, name, position, is_active, branch_id in rows
    ]


def _require_branch(branch: OrgUnit) -> None:
    if branch.kind != UnitKind.BRANCH:
        raise InvalidInput(_l("Lead readers take turns within a branch."))


def _require_eligible(branch: OrgUnit, member: Member) -> None:
    if member.branch_id != branch.id:
        raise InvalidInput(_l("%(name)s is not a member of this branch.", name=member.user.name))
    if not member.is_active:
        raise InvalidInput(_l("%(name)s is not an active member.", name=member.user.name))


def add_to_rota(session: Session, branch: OrgUnit, member: Member) -> LeadRotaEntry:
    """Put an active member of the branch at the end of its rota."""
    _require_branch(branch)
    _require_eligible(branch, member)
    exists = session.scalar(
        select(LeadRotaEntry.id).where(
            LeadRotaEntry.branch_id == branch.id, LeadRotaEntry.member_id == member.id
        )
    )
    if exists is not None:
        raise Conflict(_l("%(name)s is on the rota already.", name=member.user.name))
    last = session.scalar(
        select(func.max(LeadRotaEntry.position)).where(LeadRotaEntry.branch_id == branch.id)
    )
    entry = LeadRotaEntry(branch_id=branch.id, member_id=member.id, position=(last or 0) + 1)
    session.add(entry)
    session.flush()
    return entry


def add_all_to_rota(session: Session, branch: OrgUnit) -> int:
    """Add every active member of the branch not on the rota yet (by name); returns how many."""
    _require_branch(branch)
    on_rota = select(LeadRotaEntry.member_id).where(LeadRotaEntry.branch_id == branch.id)
    member_ids = session.scalars(
        select(Member.id)
        .join(User, User.id == Member.user_id)
        .where(
            Member.branch_id == branch.id,
            Member.is_active.is_(True),
            Member.id.not_in(on_rota),
        )
        .order_by(User.name, Member.id)
    ).all()
    last = session.scalar(
        select(func.max(LeadRotaEntry.position)).where(LeadRotaEntry.branch_id == branch.id)
    )
    session.add_all(
        LeadRotaEntry(branch_id=branch.id, member_id=member_id, position=(last or 0) + i)
        for i, member_id in enumerate(member_ids, start=1)
    )
    session.flush()
    return len(member_ids)


def set_rota(session: Session, branch: OrgUnit, member_ids: Sequence[int]) -> None:
    """Replace the branch's rota with ``member_ids`` in this order (all active, all its own)."""
    _require_branch(branch)
    if len(set(member_ids)) != len(member_ids):
        raise InvalidInput(_l("A member can be on the rota only once."))
    valid = set(
        session.scalars(
            select(Member.id).where(
                Member.id.in_(member_ids),
                Member.branch_id == branch.id,
                Member.is_active.is_(True),
            )
        )
    )
    if valid != set(member_ids):
        raise InvalidInput(_l("Only active members of this branch can be on its rota."))
    session.execute(delete(LeadRotaEntry).where(LeadRotaEntry.branch_id == branch.id))
    session.add_all(
        LeadRotaEntry(branch_id=branch.id, member_id=member_id, position=i)
        for i, member_id in enumerate(member_ids, start=1)
    )
    session.flush()


def branch_members(session: Session, branch: OrgUnit) -> list[tuple[int, str]]:
    """(member id, name) of the branch's active members, by name: who can lead a day."""
    return [
        (member_id, name)
        for member_id, name in session.execute(
            select(Member.id, User.name)
            .join(User, User.id == Member.user_id)
            .where(Member.branch_id == branch.id, Member.is_active.is_(True))
            .order_by(User.name, Member.id)
        )
    ]


def rota_candidates(session: Session, branch: OrgUnit) -> list[tuple[int, str]]:
    """Active members of the branch who are not on its rota yet, by name."""
    on_rota = select(LeadRotaEntry.member_id).where(LeadRotaEntry.branch_id == branch.id)
    return [
        (member_id, name)
        for member_id, name in session.execute(
            select(Member.id, User.name)
            .join(User, User.id == Member.user_id)
            .where(
                Member.branch_id == branch.id,
                Member.is_active.is_(True),
                Member.id.not_in(on_rota),
            )
            .order_by(User.name, Member.id)
        )
    ]


def _entry(session: Session, branch: OrgUnit, member_id: int) -> LeadRotaEntry:
    entry = session.scalar(
        select(LeadRotaEntry).where(
            LeadRotaEntry.branch_id == branch.id, LeadRotaEntry.member_id == member_id
        )
    )
    if entry is None:
        raise NotFound(_l("This member is not on the rota."))
    return entry


def remove_from_rota(session: Session, branch: OrgUnit, member_id: int) -> None:
    """Take a member off the rota; days already given to them stay theirs."""
    session.delete(_entry(session, branch, member_id))
    session.flush()


def move_in_rota(session: Session, branch: OrgUnit, member_id: int, *, offset: int) -> None:
    """Move a member one place earlier (``offset=-1``) or later (``+1``) in the rota."""
    if offset not in (-1, 1):
        raise InvalidInput(_l("A member moves one place at a time."))
    entry = _entry(session, branch, member_id)
    stmt = select(LeadRotaEntry).where(LeadRotaEntry.branch_id == branch.id)
    if offset < 0:
        stmt = stmt.where(LeadRotaEntry.position < entry.position).order_by(
            LeadRotaEntry.position.desc()
        )
    else:
        stmt = stmt.where(LeadRotaEntry.position > entry.position).order_by(LeadRotaEntry.position)
    neighbour = session.scalars(stmt.limit(1)).first()
    if neighbour is None:
        return
    entry.position, neighbour.position = neighbour.position, entry.position
    session.flush()


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


# --- reflections (领读心得) --------------------------------------------------------------


def post_reflection(
    session: Session, assignment: LeadAssignment, *, member_id: int, text: str, now: datetime
) -> None:
    """The lead reader writes (or rewrites) the day's reflection; plain text, short."""
    if assignment.member_id != member_id:
        raise NotAllowed(_l("Only the lead reader of the day can post its reflection."))
    branch = session.get(OrgUnit, assignment.branch_id)
    if branch is None or assignment.day > branch_today(session, branch, now):
        raise Closed(_l("You can post your reflection on the day you lead the reading."))
    text = _plain(text)
    if not text:
        raise InvalidInput(_l("Write a few words first."))
    if len(text) > REFLECTION_MAX_CHARS:
        raise InvalidInput(
            _l(
                "A reflection is at most %(max)d characters (this one has %(count)d).",
                max=REFLECTION_MAX_CHARS,
                count=len(text),
            )
        )
    assignment.reflection = text
    assignment.reflection_at = now
    session.flush()


def _plain(text: str) -> str:
    """Text as typed: line breaks normalised, control characters dropped, ends trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable() or ch == " ").strip()


def assignment_for(session: Session, branch_id: int, day: date) -> LeadAssignment | None:
    return _assignment(session, branch_id, day)


# Every visit to a reading of the day asks it: built once, given values per call.
_BRANCH_LEAD_OF_DAY = (
    select(LeadAssignment, User.name)
    .join(Member, Member.id == LeadAssignment.member_id)
    .join(User, User.id == Member.user_id)
    .where(
        LeadAssignment.branch_id == bindparam("branch_id"),
        LeadAssignment.day == bindparam("day"),
    )
)


def reflection_section(
    session: Session, reading: Reading, *, branch_id: int | None, viewer_member_id: int | None
) -> dict[str, Any]:
    """What ``templates/readings/_reflection.html`` needs to show under a reading.

    The reflection belongs to the branch's lead reader of the reading's day
    (``reading.daily_on``); only the viewer's own branch is shown.
    """
    if reading.daily_on is None or branch_id is None:
        return {"is_shown": False}
    row = session.execute(
        _BRANCH_LEAD_OF_DAY, {"branch_id": branch_id, "day": reading.daily_on}
    ).first()
    if row is None:
        return {"is_shown": False}
    assignment, name = row
    is_lead = viewer_member_id is not None and assignment.member_id == viewer_member_id
    return {
        "is_shown": True,
        "reading_id": reading.id,
        "day": reading.daily_on,
        "lead_name": name,
        "is_lead": is_lead,
        "reflection": assignment.reflection,
        "reflection_at": assignment.reflection_at,
        "can_post": is_lead,
        "max_length": REFLECTION_MAX_CHARS,
    }


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
