"""Reusable queries over readings; each returns a ``Select`` scoped to a committee or a user."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import defer, joinedload, selectinload

from studyhub.accounts.models import User
from studyhub.org.models import Member
from studyhub.org.queries import under
from studyhub.readings.models import (
    Favourite,
    HistoryEntry,
    Reading,
    ReadingAttachment,
    ReadingColumn,
    ReadReceipt,
    Tag,
    Upload,
    reading_tag,
)


def is_visible(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL for :meth:`Reading.is_visible`: published, the time has come, not unpublished;
    a branch's own readings (``branch_id``) are shown on that branch's page only."""
    return and_(
        Reading.branch_id.is_(None),
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


HISTORY_BRIEF_LIMIT = 2  # on the home page; the day's page lists them all

# When today has no entry, the home page shows the next day that has one, at most this far ahead.
HISTORY_LOOKAHEAD_DAYS = 7


def _history_soon() -> Select[tuple[int, int, str]]:
    offsets = range(HISTORY_LOOKAHEAD_DAYS + 1)
    day_of = {
        offset: and_(
            HistoryEntry.month == bindparam(f"month{offset}"),
            HistoryEntry.day == bindparam(f"day{offset}"),
        )
        for offset in offsets
    }
    offset = case(*((day_of[o], o) for o in offsets)).label("offset")
    return (
        select(offset, HistoryEntry.year, HistoryEntry.title)
        .where(
            or_(*day_of.values()),
            or_(
                HistoryEntry.committee_id.is_(None),
                HistoryEntry.committee_id == bindparam("committee_id"),
            ),
        )
        .order_by(offset, HistoryEntry.year, HistoryEntry.id)
        .limit(HISTORY_BRIEF_LIMIT * (HISTORY_LOOKAHEAD_DAYS + 1))
    )


_HISTORY_SOON = _history_soon()


def history_soon() -> Select[tuple[int, int, str]]:
    """(days ahead, year, title) of the entries of today and the next days, nearest first.

    Binds ``committee_id`` and, for each ``n`` from 0 (today) to
    :data:`HISTORY_LOOKAHEAD_DAYS`, ``month<n>`` and ``day<n>``; use
    :func:`history_soon_params`. At most :data:`HISTORY_BRIEF_LIMIT` rows a
    day are needed; the limit only bounds the whole.
    """
    return _HISTORY_SOON


def history_soon_params(committee_id: int, today: date) -> dict[str, int]:
    params = {"committee_id": committee_id}
    for offset in range(HISTORY_LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        params[f"month{offset}"] = day.month
        params[f"day{offset}"] = day.day
    return params


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


# The library (staff) ------------------------------------------------------------


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE with ``\\`` as the escape, so % and _ match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def status_is(status: str, now: datetime) -> ColumnElement[bool]:
    """SQL for ``library.reading_status(reading, now) == status``."""
    live = Reading.unpublished_at.is_(None)
    if status == "draft":
        return and_(live, Reading.published_at.is_(None))
    if status == "scheduled":
        return and_(live, Reading.published_at > now)
    if status == "published":
        return and_(live, Reading.published_at <= now)
    if status == "unpublished":
        return Reading.unpublished_at.is_not(None)
    raise ValueError(f"unknown reading status {status!r}")


def library_readings(
    committee_id: int,
    *,
    now: datetime,
    text: str | None = None,
    column_id: int | None = None,
    tag_id: int | None = None,
    status: str | None = None,
) -> Select[tuple[Reading]]:
    """The committee's readings for staff, newest first, searched by title and text.

    LIKE works for Chinese, where words are not separated by spaces.
    """
    stmt = (
        select(Reading)
        .options(joinedload(Reading.column), selectinload(Reading.tags))
        .where(Reading.committee_id == committee_id)
    )
    text = (text or "").strip()
    if text:
        pattern = like_pattern(text)
        stmt = stmt.where(
            or_(
                Reading.title.ilike(pattern, escape="\\"),
                Reading.body_text.ilike(pattern, escape="\\"),
            )
        )
    if column_id:
        stmt = stmt.where(Reading.column_id == column_id)
    if tag_id:
        stmt = stmt.where(
            Reading.id.in_(select(reading_tag.c.reading_id).where(reading_tag.c.tag_id == tag_id))
        )
    if status:
        stmt = stmt.where(status_is(status, now))
    return stmt.order_by(
        Reading.daily_on.desc().nulls_last(), Reading.updated_at.desc(), Reading.id.desc()
    )


def columns_of(committee_id: int, *, active_only: bool = False) -> Select[tuple[ReadingColumn]]:
    stmt = select(ReadingColumn).where(ReadingColumn.committee_id == committee_id)
    if active_only:
        stmt = stmt.where(ReadingColumn.is_active.is_(True))
    return stmt.order_by(ReadingColumn.sort_order, ReadingColumn.id)


def column_sizes(committee_id: int) -> Select[tuple[int, int]]:
    """(column id, how many readings) for the committee's columns that hold any."""
    return (
        select(Reading.column_id, func.count(Reading.id))
        .where(Reading.committee_id == committee_id, Reading.column_id.is_not(None))
        .group_by(Reading.column_id)
    )


def tags_of(committee_id: int) -> Select[tuple[Tag]]:
    return select(Tag).where(Tag.committee_id == committee_id).order_by(Tag.name)


def uploads_of(committee_id: int) -> Select[tuple[Upload]]:
    return (
        select(Upload)
        .where(Upload.committee_id == committee_id)
        .order_by(Upload.created_at.desc(), Upload.id.desc())
    )


def upload_by_name(stored_name: str) -> Select[tuple[Upload]]:
    return select(Upload).where(Upload.stored_name == stored_name)


def daily_schedule(committee_id: int, since: date, until: date) -> Select[tuple[Reading]]:
    """Readings of the day from ``since`` to ``until``, visible or not yet (for staff)."""
    return (
        select(Reading)
        .where(
            Reading.committee_id == committee_id,
            Reading.daily_on >= since,
            Reading.daily_on <= until,
        )
        .order_by(Reading.daily_on)
    )


def history_of_month(committee_id: int | None, month: int) -> Select[tuple[HistoryEntry]]:
    """党史今天 entries of a month: everyone's and (with a committee) the committee's own."""
    owner = HistoryEntry.committee_id.is_(None)
    if committee_id is not None:
        owner = or_(owner, HistoryEntry.committee_id == committee_id)
    return (
        select(HistoryEntry)
        .where(HistoryEntry.month == month, owner)
        .order_by(HistoryEntry.day, HistoryEntry.year, HistoryEntry.id)
    )


def history_of_committee(committee_id: int | None) -> Select[tuple[HistoryEntry]]:
    """Every entry of one owner: a committee, or everyone's (None)."""
    owner = (
        HistoryEntry.committee_id.is_(None)
        if committee_id is None
        else HistoryEntry.committee_id == committee_id
    )
    return select(HistoryEntry).where(owner)


def history_entry(
    committee_id: int | None, month: int, day: int, year: int, title: str
) -> Select[tuple[HistoryEntry]]:
    """The entry with this key (NULL committees are not equal in a unique index)."""
    return history_of_committee(committee_id).where(
        HistoryEntry.month == month,
        HistoryEntry.day == day,
        HistoryEntry.year == year,
        HistoryEntry.title == title,
    )
