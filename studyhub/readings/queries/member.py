"""The member's reading pages: the reading of the day, a reading with the member's receipt,
the archive, their receipts and study days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import defer, joinedload

from studyhub.readings.models import (
    Favourite,
    Reading,
    ReadingAttachment,
    ReadingColumn,
    ReadReceipt,
)
from studyhub.readings.queries.common import is_visible


def daily_reading(committee_id: int, day: date, now: datetime) -> Select[tuple[Reading]]:
    """The committee's reading of ``day``, if it is visible at ``now``."""
    return (
        select(Reading)
        .options(joinedload(Reading.column))
        .where(Reading.committee_id == committee_id, Reading.daily_on == day, is_visible(now))
    )


# The pages every member opens every day run the queries below. Building a
# statement costs more than running it on an index, so each is built once with
# bound parameters, and the caller executes it with the values: ``session.execute(
# queries.daily_summary(), {"committee_id": …})`` (no copy of the statement per call,
# so SQLAlchemy's compiled cache finds it without computing its key again).

_DAILY_SUMMARY = (
    select(
        Reading.id,
        Reading.title,
        Reading.min_seconds,
        ReadingColumn.name,
        ReadReceipt.studied_at,
    )
    .outerjoin(ReadingColumn, ReadingColumn.id == Reading.column_id)
    .outerjoin(
        ReadReceipt,
        and_(ReadReceipt.reading_id == Reading.id, ReadReceipt.user_id == bindparam("user_id")),
    )
    .where(
        Reading.committee_id == bindparam("committee_id"),
        Reading.daily_on == bindparam("day"),
        is_visible(bindparam("now", type_=Reading.published_at.type)),
    )
)


def daily_summary() -> Select[tuple[int, str, int, str | None, datetime | None]]:
    """The committee's visible reading of ``day`` in brief for the home page: (id, title,
    estimated seconds, column name, when ``user_id`` studied it or None).

    Binds ``committee_id``, ``day``, ``user_id`` and ``now``.
    """
    return _DAILY_SUMMARY


_READING_PAGE = (
    select(Reading)
    .options(joinedload(Reading.column), defer(Reading.body_markdown), defer(Reading.body_text))
    .where(Reading.id == bindparam("reading_id"))
)


def reading_page() -> Select[tuple[Reading]]:
    """A reading with its column, without the columns a member's page never shows.

    Binds ``reading_id``.
    """
    return _READING_PAGE


_STARRED = (
    select(Favourite.id)
    .where(Favourite.user_id == bindparam("user_id"), Favourite.reading_id == Reading.id)
    .exists()
    .label("starred")
)
_HAS_ATTACHMENTS = (
    select(ReadingAttachment.id)
    .where(ReadingAttachment.reading_id == Reading.id)
    .exists()
    .label("has_attachments")
)

_READING_PAGE_AND_RECEIPT = (
    select(Reading, ReadReceipt, _STARRED, _HAS_ATTACHMENTS)
    .outerjoin(
        ReadReceipt,
        and_(ReadReceipt.reading_id == Reading.id, ReadReceipt.user_id == bindparam("user_id")),
    )
    .options(joinedload(Reading.column), defer(Reading.body_markdown), defer(Reading.body_text))
    .where(Reading.id == bindparam("reading_id"))
)


def reading_page_and_receipt() -> Select[tuple[Reading, ReadReceipt | None, bool, bool]]:
    """:func:`reading_page`, the user's receipt of it (None before the first open), whether
    the user starred it and whether it has attachments, in one statement (the page loads the
    attachments themselves only when there are some). Binds ``reading_id`` and ``user_id``.
    """
    return _READING_PAGE_AND_RECEIPT


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


_RECEIPT_OF = select(ReadReceipt).where(
    ReadReceipt.reading_id == bindparam("reading_id"),
    ReadReceipt.user_id == bindparam("user_id"),
)


def receipt_of() -> Select[tuple[ReadReceipt]]:
    """The user's receipt of a reading. Binds ``reading_id`` and ``user_id``."""
    return _RECEIPT_OF


def receipts_of(user_id: int) -> Select[tuple[Reading, ReadReceipt]]:
    """A user's own receipts with their readings, last opened first."""
    return (
        select(Reading, ReadReceipt)
        .join(ReadReceipt, ReadReceipt.reading_id == Reading.id)
        .where(ReadReceipt.user_id == user_id)
        .order_by(ReadReceipt.opened_at.desc(), ReadReceipt.id.desc())
    )


_STUDIED_DAYS = (
    select(ReadReceipt.studied_on)
    .where(
        ReadReceipt.user_id == bindparam("user_id"),
        ReadReceipt.studied_on >= bindparam("since"),
        ReadReceipt.studied_on <= bindparam("until"),
    )
    .distinct()
    .order_by(ReadReceipt.studied_on.desc())
)


def studied_days() -> Select[tuple[date]]:
    """The distinct local days between ``since`` and ``until`` on which the user studied.

    Binds ``user_id``, ``since`` and ``until``.
    """
    return _STUDIED_DAYS


def daily_count(committee_id: int, since: date, until: date, now: datetime) -> Select[tuple[int]]:
    """How many visible readings of the day fall between ``since`` and ``until``."""
    return select(func.count(Reading.id)).where(
        Reading.committee_id == committee_id,
        Reading.daily_on >= since,
        Reading.daily_on <= until,
        is_visible(now),
    )
