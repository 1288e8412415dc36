"""Writing, scheduling and publishing readings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.models import OrgUnit
from studyhub.readings.models import Reading, ReadingColumn, Tag
from studyhub.readings.services import content


@dataclass(frozen=True)
class StudyTiming:
    """How the minimum study time follows from a reading's length (from the config)."""

    fraction: float = 0.5
    floor: int = 20
    ceiling: int = 300


@dataclass(frozen=True)
class ReadingFields:
    title: str
    body_markdown: str
    column_id: int | None = None
    author: str = ""
    source: str = ""
    summary: str = ""
    media_url: str | None = None
    cover_upload_id: int | None = None
    tags: list[str] = field(default_factory=list)


def _check(session: Session, committee_id: int, fields: ReadingFields) -> ReadingFields:
    title = " ".join(fields.title.split())
    if not title:
        raise InvalidInput(_l("A reading needs a title."))
    if len(title) > 200:
        raise InvalidInput(_l("The title is too long (200 characters at most)."))
    if not fields.body_markdown.strip():
        raise InvalidInput(_l("A reading needs a text."))
    media_url = (fields.media_url or "").strip() or None
    if media_url and not media_url.startswith(("https://", "http://", "/")):
        raise InvalidInput(_l("The audio or video link must start with https://."))
    if fields.column_id is not None:
        column = session.get(ReadingColumn, fields.column_id)
        if column is None or column.committee_id != committee_id:
            raise InvalidInput(_l("Choose one of your committee's columns."))
    tags = sorted({t.strip()[:30] for t in fields.tags if t.strip()})
    return ReadingFields(
        title=title,
        body_markdown=fields.body_markdown,
        column_id=fields.column_id,
        author=fields.author.strip()[:100],
        source=fields.source.strip()[:200],
        summary=fields.summary.strip()[:300],
        media_url=media_url,
        cover_upload_id=fields.cover_upload_id,
        tags=tags,
    )


def _tags(session: Session, committee_id: int, names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = {
        t.name: t
        for t in session.scalars(
            select(Tag).where(Tag.committee_id == committee_id, Tag.name.in_(names))
        )
    }
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(committee_id=committee_id, name=name)
            session.add(tag)
        tags.append(tag)
    return tags


def _apply(session: Session, reading: Reading, fields: ReadingFields, timing: StudyTiming) -> None:
    html = content.render_markdown(fields.body_markdown)
    text = content.plain_text(html)
    length = content.measure(text)
    reading.title = fields.title
    reading.body_markdown = fields.body_markdown
    reading.body_html = html
    reading.body_text = text
    reading.column_id = fields.column_id
    reading.author = fields.author
    reading.source = fields.source
    reading.summary = fields.summary or text[:120]
    reading.media_url = fields.media_url
    reading.cover_upload_id = fields.cover_upload_id
    reading.char_count = length.char_count
    reading.reading_seconds = length.reading_seconds
    reading.min_seconds = content.minimum_seconds(
        length.reading_seconds, fraction=timing.fraction, floor=timing.floor, ceiling=timing.ceiling
    )
    reading.tags = _tags(session, reading.committee_id, fields.tags)


def create_reading(
    session: Session,
    committee: OrgUnit,
    fields: ReadingFields,
    *,
    by_user_id: int | None,
    now: datetime,
    timing: StudyTiming,
) -> Reading:
    """A new draft reading of ``committee``; publish or schedule it separately."""
    fields = _check(session, committee.id, fields)
    reading = Reading(
        committee_id=committee.id, created_by_id=by_user_id, created_at=now, updated_at=now
    )
    session.add(reading)
    _apply(session, reading, fields, timing)
    session.flush()
    return reading


def update_reading(
    session: Session, reading: Reading, fields: ReadingFields, *, now: datetime, timing: StudyTiming
) -> None:
    """Edit a reading; members see the new text, read receipts stay."""
    fields = _check(session, reading.committee_id, fields)
    _apply(session, reading, fields, timing)
    reading.updated_at = now
    session.flush()


def publish_now(reading: Reading, *, now: datetime) -> None:
    reading.published_at = now
    reading.unpublished_at = None


def start_of_day(day: date, timezone: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``timezone``."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def schedule_daily(
    session: Session, reading: Reading, *, day: date, timezone: str, now: datetime
) -> None:
    """Make ``reading`` the reading of ``day`` (每日一读), visible from that day's start."""
    clash = session.scalar(
        select(Reading.id).where(
            Reading.committee_id == reading.committee_id,
            Reading.daily_on == day,
            Reading.id != reading.id,
        )
    )
    if clash is not None:
        raise Conflict(_l("Another reading is already the reading of that day."))
    reading.daily_on = day
    reading.published_at = start_of_day(day, timezone)
    reading.unpublished_at = None
    session.flush()


def unpublish(reading: Reading, *, now: datetime) -> None:
    """Hide a reading from members (receipts and comments are kept)."""
    reading.unpublished_at = now
