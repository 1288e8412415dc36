"""Read receipts: opening a reading, time spent, reaching the end, studied, streaks.

Time spent comes from small beacons the page sends while it is visible. A
beacon's seconds are never believed beyond the wall time since the time
already credited (plus a little slack for timers and latency), so a forged or
replayed beacon cannot add more time than has passed. A reading counts as
studied once the member reached its end and spent its minimum time on it, or
pressed "已学习" after that minimum; the study is recorded once and its points
credited once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc, local_date
from studyhub.core.errors import InvalidInput
from studyhub.org.models import Member, OrgUnit
from studyhub.points import queries as point_queries
from studyhub.points import services as points
from studyhub.readings import queries
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.web.pagination import Page

# Beacons may report a little more than the server saw pass (timers, latency).
SLACK_SECONDS = 5
# One stretch of time is never credited beyond this (a tab left open overnight).
MAX_STRETCH_SECONDS = 30 * 60
STREAK_WINDOW_DAYS = 366


@dataclass(frozen=True)
class Reader:
    """A member as a reader: whose readings they see and their committee's local day."""

    user_id: int
    member_id: int
    committee_id: int
    branch_id: int
    timezone: str

    def today(self, now: datetime) -> date:
        return local_date(now, self.timezone)


@dataclass(frozen=True)
class Progress:
    """Where a receipt stands after a page view, a beacon or the "已学习" button."""

    receipt: ReadReceipt
    remaining: int  # seconds still needed before it can count as studied
    newly_studied: bool  # this call recorded the study
    points: int  # points credited by this call

    @property
    def is_studied(self) -> bool:
        return self.receipt.studied_at is not None


_READER = (
    select(Member.id, Member.committee_id, Member.branch_id, OrgUnit.timezone)
    .join(OrgUnit, OrgUnit.id == Member.committee_id)
    .where(Member.user_id == bindparam("user_id"), Member.is_active.is_(True))
)


def _reader(user_id: int, row: Row) -> Reader:
    return Reader(
        user_id=user_id,
        member_id=row[0],
        committee_id=row[1],
        branch_id=row[2],
        timezone=row[3],
    )


def reader_of(session: Session, user_id: int) -> Reader | None:
    """The user's active membership with the committee's time zone, in one query."""
    row = session.execute(_READER, {"user_id": user_id}).first()
    return _reader(user_id, row) if row is not None else None


def _uncredited(receipt: ReadReceipt, now: datetime) -> int:
    """Wall time since the credited time, as the "已学习" button would count it."""
    elapsed = int((now - as_utc(receipt.last_seen_at)).total_seconds())
    return max(0, min(elapsed, MAX_STRETCH_SECONDS))


def remaining_seconds(reading: Reading, receipt: ReadReceipt | None, *, now: datetime) -> int:
    """Seconds still to spend before "已学习" is accepted (0 once studied)."""
    if receipt is None:
        return reading.min_seconds
    if receipt.studied_at is not None:
        return 0
    if reading.media_kind is not None:  # only played seconds count, never the time on the page
        return max(0, reading.min_seconds - receipt.seconds_spent)
    return max(0, reading.min_seconds - receipt.seconds_spent - _uncredited(receipt, now))


def receipt_of(session: Session, reading: Reading, *, user_id: int) -> ReadReceipt | None:
    """The user's receipt for ``reading``, if they opened it before (it writes nothing)."""
    key = {"reading_id": reading.id, "user_id": user_id}
    return session.scalars(queries.receipt_of(), key).first()


def open_reading(
    session: Session, reading: Reading, *, user_id: int, now: datetime
) -> tuple[ReadReceipt, bool]:
    """The user's receipt for ``reading`` and whether this call created it (one per user).

    A later visit changes nothing: time since the last credited moment is
    counted by the next beacon (up to what the page reports) or by "已学习".
    """
    key = {"reading_id": reading.id, "user_id": user_id}
    receipt = session.scalars(queries.receipt_of(), key).first()
    if receipt is not None:
        return receipt, False
    receipt = ReadReceipt(
        reading_id=reading.id,
        user_id=user_id,
        opened_at=now,
        last_seen_at=now,
        seconds_spent=0,
        reached_end=False,
    )
    try:
        with session.begin_nested():
            session.add(receipt)
    except IntegrityError:  # the same member opened it twice at once
        return session.scalars(queries.receipt_of(), key).one(), False
    return receipt, True


def _locked_receipt(
    session: Session, reading: Reading, *, user_id: int, now: datetime
) -> ReadReceipt:
    """The receipt, locked for this transaction (so concurrent beacons add up, not race)."""
    receipt = session.scalars(
        queries.receipt_of().with_for_update().execution_options(populate_existing=True),
        {"reading_id": reading.id, "user_id": user_id},
    ).first()
    if receipt is None:  # a beacon without a page view (e.g. the receipt was lost): open now
        receipt, _ = open_reading(session, reading, user_id=user_id, now=now)
    return receipt


def clamp_credit(
    last_seen_at: datetime, seconds: int, *, now: datetime, slack: int = SLACK_SECONDS
) -> tuple[int, datetime]:
    """Up to ``seconds`` to credit, but no more than the wall time since the credited
    time ``last_seen_at``; returns them and the new credited time.

    Also the rule of a live lesson's watch time (``studyhub.live``).
    """
    last = as_utc(last_seen_at)
    # Negative while the credited time runs ahead of the clock (by the slack at most).
    elapsed = math.floor((now - last).total_seconds())
    added = max(0, min(seconds, elapsed + slack, MAX_STRETCH_SECONDS))
    # The credited time may run ahead of the clock by the slack, never more: a
    # stream of small forged beacons gains the slack once, not once per beacon.
    return added, max(now, last + timedelta(seconds=added))


def _credit(receipt: ReadReceipt, seconds: int, *, now: datetime, slack: int) -> None:
    """Add up to ``seconds``, but no more than the wall time since the credited time."""
    added, receipt.last_seen_at = clamp_credit(receipt.last_seen_at, seconds, now=now, slack=slack)
    receipt.seconds_spent += added


def _study(
    session: Session, reading: Reading, receipt: ReadReceipt, *, now: datetime
) -> tuple[bool, int]:
    """Record the study once and credit its points once; returns (newly studied, points)."""
    if receipt.studied_at is not None:
        return False, 0
    committee = session.get(OrgUnit, reading.committee_id)
    timezone = committee.timezone if committee is not None else "Asia/Shanghai"
    studied_on = local_date(now, timezone)
    session.flush()
    # Only one request wins the update, even when two beacons cross the line together.
    won = session.execute(
        update(ReadReceipt)
        .where(ReadReceipt.id == receipt.id, ReadReceipt.studied_at.is_(None))
        .values(studied_at=now, studied_on=studied_on)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(receipt)
    if not won:
        return False, 0
    rule = points.rule_for(session, reading.committee_id, points.READING)
    credited = points.award(
        session,
        user_id=receipt.user_id,
        committee_id=reading.committee_id,
        kind=points.READING,
        source_key=f"reading:{reading.id}",
        points=rule.points,
        daily_cap=rule.daily_cap,
        on=studied_on,
        now=now,
    )
    return True, credited


def record_progress(
    session: Session,
    reading: Reading,
    *,
    user_id: int,
    seconds: int,
    reached_end: bool,
    now: datetime,
) -> Progress:
    """A beacon: add the reported seconds (clamped), latch ``reached_end``, maybe study."""
    receipt = _locked_receipt(session, reading, user_id=user_id, now=now)
    _credit(receipt, seconds, now=now, slack=SLACK_SECONDS)
    if reached_end:
        receipt.reached_end = True
    newly, credited = False, 0
    # An audio-visual reading's beacons count played seconds only: enough of them is studied.
    finished = receipt.reached_end or reading.media_kind is not None
    if finished and receipt.seconds_spent >= reading.min_seconds:
        newly, credited = _study(session, reading, receipt, now=now)
    session.flush()
    return Progress(
        receipt=receipt,
        remaining=remaining_seconds(reading, receipt, now=now),
        newly_studied=newly,
        points=credited,
    )


def mark_studied(session: Session, reading: Reading, *, user_id: int, now: datetime) -> Progress:
    """The "已学习" button: counts the time since the last beacon, then studies if enough.

    Without JavaScript there are no beacons, so the time since the page was
    opened is what counts. Too early raises :class:`InvalidInput` saying how
    long is left.
    """
    receipt = _locked_receipt(session, reading, user_id=user_id, now=now)
    if receipt.studied_at is not None:
        return Progress(receipt=receipt, remaining=0, newly_studied=False, points=0)
    remaining = remaining_seconds(reading, receipt, now=now)
    if remaining > 0:
        raise InvalidInput(
            _l(
                "Please read a little longer: %(seconds)d more seconds before it counts "
                "as studied.",
                seconds=remaining,
            )
        )
    if reading.media_kind is None:
        _credit(receipt, MAX_STRETCH_SECONDS, now=now, slack=0)
    newly, credited = _study(session, reading, receipt, now=now)
    session.flush()
    return Progress(receipt=receipt, remaining=0, newly_studied=newly, points=credited)


def streak(session: Session, *, user_id: int, today: date) -> int:
    """Consecutive local days with a study, ending today (or yesterday while today is open)."""
    days = set(
        session.scalars(
            queries.studied_days(),
            {
                "user_id": user_id,
                "since": today - timedelta(days=STREAK_WINDOW_DAYS),
                "until": today,
            },
        )
    )
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class StudyRow:
    """One member of a branch in the secretary's table."""

    member_id: int
    name: str
    studied_today: bool
    studied_this_week: int


@dataclass(frozen=True)
class BranchStudy:
    today: date
    week_start: date
    week_end: date
    today_reading: Reading | None
    week_readings: int  # readings of the day visible so far this week
    rows: list[StudyRow]


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of ``day``'s week."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def branch_study(session: Session, branch: OrgUnit, *, now: datetime) -> BranchStudy:
    """Who in the branch studied today's reading and how many of this week's (3 queries)."""
    committee_id = branch.committee_id or branch.id
    committee = session.get(OrgUnit, committee_id)
    today = local_date(now, committee.timezone if committee is not None else "Asia/Shanghai")
    week_start, week_end = week_of(today)
    rows = [
        StudyRow(member_id=r[0], name=r[1], studied_today=bool(r[2]), studied_this_week=r[3])
        for r in session.execute(
            queries.branch_study(branch.path, committee_id, today, week_start, week_end)
        )
    ]
    return BranchStudy(
        today=today,
        week_start=week_start,
        week_end=week_end,
        today_reading=session.scalars(queries.daily_reading(committee_id, today, now)).first(),
        week_readings=session.scalar(queries.daily_count(committee_id, week_start, today, now))
        or 0,
        rows=rows,
    )


def history_page(session: Session, reader: Reader, *, page: int, per_page: int) -> Page:
    """The member's receipts with their readings, last opened first (items: (reading, receipt))."""
    total = (
        session.scalar(
            select(func.count(ReadReceipt.id)).where(ReadReceipt.user_id == reader.user_id)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    rows = session.execute(
        queries.receipts_of(reader.user_id).limit(per_page).offset((page - 1) * per_page)
    )
    return Page(items=[tuple(r) for r in rows], page=page, per_page=per_page, total=total)


@dataclass(frozen=True)
class PointsSummary:
    total: int
    today: int
    by_day: list[tuple[date, int]]  # the last week, days with points only


def points_summary(session: Session, reader: Reader, *, now: datetime) -> PointsSummary:
    day = reader.today(now)
    by_day = [
        (d, p)
        for d, p in session.execute(
            point_queries.by_day(reader.user_id, day - timedelta(days=6), day)
        )
    ]
    return PointsSummary(
        total=session.scalar(point_queries.total_of(reader.user_id)) or 0,
        today=dict(by_day).get(day, 0),
        by_day=by_day,
    )
