"""The staff's library: readings by search and status, columns, tags, uploads, the schedule."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from studyhub.readings.models import (
    Reading,
    ReadingColumn,
    Tag,
    Upload,
    reading_tag,
)
from studyhub.readings.queries.common import like_pattern


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
