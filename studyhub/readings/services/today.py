"""The home page's "today" for a member: one statement of their own, the rest shared.

What is the same for every member of a committee (today's reading in brief,
党史今天 of the coming days) is prepared once per process and reused
(:class:`studyhub.core.versioned.VersionedCache`); what is the member's own
(points, streak, whether today's reading is studied, the lead-reader duty)
comes in one statement, which also reads the version of today's reading: its id
and ``updated_at``, from the committee's unique (committee, day) row. Editing,
publishing, scheduling or unpublishing a reading changes that version (the
services set ``updated_at``), so every process of every machine shows the change
on the next page view.
Visibility by time (a reading scheduled for 06:00) is judged on every view from
the kept ``published_at``/``unpublished_at``, not cached. Nothing is kept longer
than :data:`KEEP_AT_MOST` (a renamed column shows within it); 党史今天 has no
version, so that is its limit (and this process forgets it when it imports or
edits entries, :func:`forget_history`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, bindparam, cast, exists, func, select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.versioned import MISSING, VersionedCache
from studyhub.points.models import PointEntry
from studyhub.readings import queries
from studyhub.readings.models import LeadAssignment, Reading, ReadingColumn, ReadReceipt
from studyhub.readings.services.rota.home import Duty, cross_duty_day, make_duty
from studyhub.readings.services.tracking import STREAK_WINDOW_DAYS, Reader

KEEP_AT_MOST = timedelta(minutes=10)

_readings = VersionedCache()
_history = VersionedCache()


def forget_history() -> None:
    """党史今天 changed: prepare it afresh (this process; others within KEEP_AT_MOST)."""
    _history.clear()


def clear() -> None:
    """Forget everything kept (tests, whose rolled-back databases reuse ids)."""
    _readings.clear()
    _history.clear()


@dataclass(frozen=True)
class TodayReading:
    id: int
    title: str
    min_seconds: int  # the honest wait, also the reading time shown (the study_time filter)
    column_name: str | None


@dataclass(frozen=True)
class TodayEntry:
    year: int
    title: str


@dataclass(frozen=True)
class Today:
    """What a member's home page shows about today."""

    day: date
    reading: TodayReading | None
    is_studied: bool
    history: list[TodayEntry]
    streak: int
    total_points: int
    # The day ``history`` is of: today, or the next day with an entry when today has none.
    history_day: date | None = None
    # The member's lead-reader duty today, when they are on duty (the lead panel shows it).
    duty: Duty | None = None

    @property
    def history_is_ahead(self) -> bool:
        return self.history_day is not None and self.history_day != self.day


@dataclass(frozen=True)
class _DayReading:
    """A committee's reading of a day as kept: the brief and when it is visible."""

    brief: TodayReading
    published_at: datetime | None
    unpublished_at: datetime | None

    def is_visible(self, now: datetime) -> bool:
        return (
            self.published_at is not None
            and as_utc(self.published_at) <= now
            and self.unpublished_at is None
        )


def _of_day(column):
    """``column`` of the committee's reading of the day (at most one: a unique pair)."""
    return (
        select(column)
        .where(
            Reading.committee_id == bindparam("committee_id"),
            Reading.daily_on == bindparam("day"),
        )
        .scalar_subquery()
    )


_days = (
    select(ReadReceipt.studied_on)
    .where(
        ReadReceipt.user_id == bindparam("user_id"),
        ReadReceipt.studied_on >= bindparam("since"),
        ReadReceipt.studied_on <= bindparam("day"),
    )
    .distinct()
    .subquery()
)

# The member leads their branch's reading today (the lead panel's question, asked here).
_ON_DUTY = (
    LeadAssignment.branch_id == bindparam("branch_id"),
    LeadAssignment.day == bindparam("day"),
    LeadAssignment.member_id == bindparam("member_id"),
)

_MINE = select(
    select(func.coalesce(func.sum(PointEntry.points), 0))
    .where(PointEntry.user_id == bindparam("user_id"))
    .scalar_subquery(),
    _of_day(Reading.id),
    _of_day(Reading.updated_at),
    select(ReadReceipt.studied_at)
    .join(Reading, Reading.id == ReadReceipt.reading_id)
    .where(
        Reading.committee_id == bindparam("committee_id"),
        Reading.daily_on == bindparam("day"),
        ReadReceipt.user_id == bindparam("user_id"),
    )
    .scalar_subquery(),
    select(func.aggregate_strings(cast(_days.c.studied_on, String), ",")).scalar_subquery(),
    exists().where(*_ON_DUTY),
    select(LeadAssignment.reflection).where(*_ON_DUTY).scalar_subquery(),
    # The day (today or tomorrow) the member leads on the committee's rota across branches.
    cross_duty_day(
        bindparam("member_id"),
        bindparam("committee_id"),
        bindparam("day"),
        bindparam("tomorrow", type_=LeadAssignment.day.type),
    ),
)

_DAY_READING = (
    select(
        Reading.id,
        Reading.title,
        Reading.min_seconds,
        ReadingColumn.name,
        Reading.published_at,
        Reading.unpublished_at,
    )
    .outerjoin(ReadingColumn, ReadingColumn.id == Reading.column_id)
    .where(Reading.committee_id == bindparam("committee_id"), Reading.daily_on == bindparam("day"))
)


def _streak(days: set[date], today: date) -> int:
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def _day_reading(
    session: Session, committee_id: int, day: date, version, now: datetime
) -> _DayReading | None:
    kept = _readings.get((committee_id, day), version, now=now)
    if kept is not MISSING:
        return kept
    row = session.execute(_DAY_READING, {"committee_id": committee_id, "day": day}).first()
    found = (
        _DayReading(TodayReading(*row[:4]), published_at=row[4], unpublished_at=row[5])
        if row is not None
        else None
    )
    return _readings.put((committee_id, day), version, found, until=now + KEEP_AT_MOST)


def _history_soon(session: Session, committee_id: int, day: date, now: datetime):
    kept = _history.get((committee_id, day), None, now=now)
    if kept is not MISSING:
        return kept
    soon = session.execute(
        queries.history_soon(), queries.history_soon_params(committee_id, day)
    ).all()
    ahead = soon[0][0] if soon else 0
    entries = [TodayEntry(year, title) for offset, year, title in soon if offset == ahead]
    found = (entries[: queries.HISTORY_BRIEF_LIMIT], day + timedelta(days=ahead))
    return _history.put((committee_id, day), None, found, until=now + KEEP_AT_MOST)


def _as_date(value) -> date | None:
    """A day from a scalar subquery (SQLite's min() may hand back its text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def today_for(session: Session, reader: Reader, *, now: datetime) -> Today:
    """Today's reading and whether it is studied, 党史今天, the streak and the points.

    One statement of the member's own; today's reading in brief and 党史今天
    come from what this process keeps for the committee (a statement each when
    not kept yet or changed). 党史今天 falls back to the nearest coming day with
    an entry (up to :data:`queries.HISTORY_LOOKAHEAD_DAYS` ahead).
    """
    day = reader.today(now)
    (
        points,
        reading_id,
        version,
        studied_at,
        days,
        on_duty,
        reflection,
        cross_day,
    ) = session.execute(
        _MINE,
        {
            "user_id": reader.user_id,
            "committee_id": reader.committee_id,
            "branch_id": reader.branch_id,
            "member_id": reader.member_id,
            "day": day,
            "tomorrow": day + timedelta(days=1),
            "since": day - timedelta(days=STREAK_WINDOW_DAYS),
        },
    ).one()
    reading = (
        _day_reading(session, reader.committee_id, day, (reading_id, version), now)
        if reading_id is not None
        else None
    )
    visible = reading is not None and reading.is_visible(now)
    history, history_day = _history_soon(session, reader.committee_id, day, now)
    studied_days = {date.fromisoformat(text[:10]) for text in (days or "").split(",") if text}
    return Today(
        day=day,
        reading=reading.brief if visible and reading is not None else None,
        is_studied=visible and studied_at is not None,
        history=history,
        streak=_streak(studied_days, day),
        total_points=int(points or 0),
        history_day=history_day if history else None,
        duty=make_duty(
            day,
            leads_branch=bool(on_duty),
            reading_id=reading.brief.id if visible and reading is not None else None,
            has_reflection=bool(reflection),
            cross_day=_as_date(cross_day),
            branch_id=reader.branch_id,
        ),
    )
