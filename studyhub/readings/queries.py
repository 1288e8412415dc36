"""Reusable queries over readings; each returns a ``Select`` scoped to a committee or a user."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from studyhub.accounts.models import User
from studyhub.org.models import Member
from studyhub.org.queries import under
from studyhub.readings.models import HistoryEntry, Reading, ReadingColumn, ReadReceipt


def is_visible(now: datetime) -> ColumnElement[bool]:
    """SQL for :meth:`Reading.is_visible`: published, the time has come, not unpublished."""
    return and_(
        Reading.published_at.is_not(None),
        Reading.published_at <= now,
        Reading.unpublished_at.is_(None),
    )


def daily_reading(committee_id: int, day: date, now: datetime) -> Select[tuple[Reading]]:
    """The committee's reading of ``day``, if it is visible at ``now``."""
    return (
        select(Reading)
        .options(joinedload(Reading.column))
        .where(Reading.committee_id == committee_id, Reading.daily_on == day, is_visible(now))
    )


def daily_with_receipt(
    committee_id: int, day: date, user_id: int, now: datetime
) -> Select[tuple[Reading, datetime | None]]:
    """The committee's visible reading of ``day`` with when ``user_id`` studied it (or None)."""
    return (
        select(Reading, ReadReceipt.studied_at)
        .outerjoin(
            ReadReceipt,
            and_(ReadReceipt.reading_id == Reading.id, ReadReceipt.user_id == user_id),
        )
        .options(joinedload(Reading.column))
        .where(Reading.committee_id == committee_id, Reading.daily_on == day, is_visible(now))
    )


def daily_archive(committee_id: int, now: datetime) -> Select[tuple[Reading]]:
    """Visible readings of the day (每日一读), newest day first."""
    return (
        select(Reading)
        .options(joinedload(Reading.column))
        .where(
            Reading.committee_id == committee_id,
            Reading.daily_on.is_not(None),
            is_visible(now),
        )
        .order_by(Reading.daily_on.desc(), Reading.id.desc())
    )


def column_archive(committee_id: int, column_id: int, now: datetime) -> Select[tuple[Reading]]:
    """Visible readings of one column, newest first."""
    return (
        select(Reading)
        .options(joinedload(Reading.column))
        .where(
            Reading.committee_id == committee_id,
            Reading.column_id == column_id,
            is_visible(now),
        )
        .order_by(Reading.published_at.desc(), Reading.id.desc())
    )


def archive_columns(committee_id: int, now: datetime) -> Select[tuple[ReadingColumn, int]]:
    """The committee's active columns that hold visible readings, with how many."""
    return (
        select(ReadingColumn, func.count(Reading.id))
        .join(Reading, Reading.column_id == ReadingColumn.id)
        .where(
            ReadingColumn.committee_id == committee_id,
            ReadingColumn.is_active.is_(True),
            Reading.committee_id == committee_id,
            is_visible(now),
        )
        .group_by(ReadingColumn.id)
        .order_by(ReadingColumn.sort_order, ReadingColumn.name)
    )


def studied_among(user_id: int, reading_ids: list[int]) -> Select[tuple[int]]:
    """Which of ``reading_ids`` the user has studied."""
    return select(ReadReceipt.reading_id).where(
        ReadReceipt.user_id == user_id,
        ReadReceipt.reading_id.in_(reading_ids),
        ReadReceipt.studied_at.is_not(None),
    )


def history_on(committee_id: int, month: int, day: int) -> Select[tuple[HistoryEntry]]:
    """党史今天: the entries of a month and day shared by everyone or the committee's own."""
    return (
        select(HistoryEntry)
        .where(
            HistoryEntry.month == month,
            HistoryEntry.day == day,
            or_(HistoryEntry.committee_id.is_(None), HistoryEntry.committee_id == committee_id),
        )
        .order_by(HistoryEntry.year, HistoryEntry.id)
    )


def receipt_of(reading_id: int, user_id: int) -> Select[tuple[ReadReceipt]]:
    return select(ReadReceipt).where(
        ReadReceipt.reading_id == reading_id, ReadReceipt.user_id == user_id
    )


def receipts_of(user_id: int) -> Select[tuple[Reading, ReadReceipt]]:
    """A user's own receipts with their readings, last opened first."""
    return (
        select(Reading, ReadReceipt)
        .join(ReadReceipt, ReadReceipt.reading_id == Reading.id)
        .where(ReadReceipt.user_id == user_id)
        .order_by(ReadReceipt.opened_at.desc(), ReadReceipt.id.desc())
    )


def studied_days(user_id: int, since: date, until: date) -> Select[tuple[date]]:
    """The distinct local days between ``since`` and ``until`` on which the user studied."""
    return (
        select(ReadReceipt.studied_on)
        .where(
            ReadReceipt.user_id == user_id,
            ReadReceipt.studied_on >= since,
            ReadReceipt.studied_on <= until,
        )
        .distinct()
        .order_by(ReadReceipt.studied_on.desc())
    )


def branch_study(
    branch_path: str, committee_id: int, today: date, week_start: date, week_end: date
) -> Select[tuple[int, str, int, int]]:
    """Per active member under ``branch_path``: (member id, name, studied today's reading
    (0/1), how many of the week's readings of the day they studied) — one grouped query.
    """
    daily = (
        select(ReadReceipt.user_id, Reading.daily_on)
        .join(Reading, Reading.id == ReadReceipt.reading_id)
        .where(
            Reading.committee_id == committee_id,
            Reading.daily_on >= week_start,
            Reading.daily_on <= week_end,
            ReadReceipt.studied_at.is_not(None),
        )
        .subquery()
    )
    return (
        select(
            Member.id,
            User.name,
            func.count(case((daily.c.daily_on == today, 1))),
            func.count(daily.c.daily_on),
        )
        .join(User, User.id == Member.user_id)
        .outerjoin(daily, daily.c.user_id == Member.user_id)
        .where(under(Member.org_path, branch_path), Member.is_active.is_(True))
        .group_by(Member.id, User.name)
        .order_by(User.name, Member.id)
    )


def daily_count(committee_id: int, since: date, until: date, now: datetime) -> Select[tuple[int]]:
    """How many visible readings of the day fall between ``since`` and ``until``."""
    return select(func.count(Reading.id)).where(
        Reading.committee_id == committee_id,
        Reading.daily_on >= since,
        Reading.daily_on <= until,
        is_visible(now),
    )
