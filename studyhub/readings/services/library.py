"""Writing, scheduling and publishing readings; a committee's columns.

A reading's status follows from two instants and the clock: a draft has never
been published; a scheduled one is published from a future instant (the start
of its day, for the reading of the day); a published one is visible now; an
unpublished one was taken down (receipts and comments stay).
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org import services as org_services
from studyhub.org.models import OrgUnit
from studyhub.readings.models import Reading, ReadingColumn, Tag, Upload
from studyhub.readings.services import content

# The columns a committee starts with (栏目); names are data, not interface text.
DEFAULT_COLUMNS = ("党务指南", "党建活动大讲堂", "党建e时代", "党建e风采", "党史今天")
COLUMN_NAME_MAX = 50
TAG_NAME_MAX = 30
MEDIA_KINDS = ("video", "audio")
MEDIA_SECONDS_MAX = 4 * 3600
MEDIA_SHARE = 0.8  # an audio-visual reading is studied once played for this share of it
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")


class ReadingStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


def reading_status(reading: Reading, now: datetime) -> ReadingStatus:
    """Where ``reading`` stands at ``now`` (see the module's docstring)."""
    if reading.unpublished_at is not None:
        return ReadingStatus.UNPUBLISHED
    if reading.published_at is None:
        return ReadingStatus.DRAFT
    if as_utc(reading.published_at) > now:
        return ReadingStatus.SCHEDULED
    return ReadingStatus.PUBLISHED


def split_tags(text: str | None) -> list[str]:
    """Tags typed as one string: separated by commas (either width), 、 or semicolons."""
    return [t.strip() for t in _TAG_SEPARATORS.split(text or "") if t.strip()]


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
    media_kind: str | None = None  # "video" or "audio": studied by playing it (视听学习)
    media_seconds: int | None = None  # the media's length, for an audio-visual reading


def _check(
    session: Session, committee_id: int, fields: ReadingFields, *, current_column_id: int | None
) -> ReadingFields:
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
    media_kind = fields.media_kind or None
    if media_kind is not None:
        if media_kind not in MEDIA_KINDS or not media_url:
            raise InvalidInput(_l("An audio-visual reading needs its audio or video link."))
        if not fields.media_seconds or not 0 < fields.media_seconds <= MEDIA_SECONDS_MAX:
            raise InvalidInput(_l("Give the length of the audio or video (up to 4 hours)."))
    if fields.column_id is not None:
        column = session.get(ReadingColumn, fields.column_id)
        if column is None or column.committee_id != committee_id:
            raise InvalidInput(_l("Choose one of your committee's columns."))
        if not column.is_active and column.id != current_column_id:
            raise InvalidInput(_l("The column %(name)s is closed.", name=column.name))
    if fields.cover_upload_id is not None:
        cover = session.get(Upload, fields.cover_upload_id)
        if cover is None or cover.committee_id != committee_id:
            raise InvalidInput(_l("Choose one of your committee's images as the cover."))
    tags = sorted({t.strip() for t in fields.tags if t.strip()})
    for tag in tags:
        if len(tag) > TAG_NAME_MAX:
            raise InvalidInput(
                _l(
                    "The tag %(tag)s is too long (%(n)d characters at most).",
                    tag=tag,
                    n=TAG_NAME_MAX,
                )
            )
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
        media_kind=media_kind,
        media_seconds=fields.media_seconds if media_kind else None,
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
    reading.media_kind = fields.media_kind
    reading.media_seconds = fields.media_seconds
    if fields.media_kind and fields.media_seconds:
        # Studied once played for the share a live lesson asks of its viewers.
        reading.min_seconds = math.ceil(fields.media_seconds * MEDIA_SHARE)
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
    fields = _check(session, committee.id, fields, current_column_id=None)
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
    fields = _check(session, reading.committee_id, fields, current_column_id=reading.column_id)
    _apply(session, reading, fields, timing)
    reading.updated_at = now
    session.flush()


def publish_now(reading: Reading, *, now: datetime) -> None:
    """Make ``reading`` visible from ``now`` (a reading of the day keeps its day)."""
    reading.published_at = now
    reading.unpublished_at = None
    reading.updated_at = now  # its version: members' home pages show it at once


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
        raise _day_taken(session, clash, day)
    reading.daily_on = day
    reading.published_at = start_of_day(day, timezone)
    reading.unpublished_at = None
    reading.updated_at = now  # its version: members' home pages show it at once
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # someone else took the day between our check and our write
        raise Conflict(_l("Another reading is already the reading of that day.")) from None


def _day_taken(session: Session, reading_id: int, day: date) -> Conflict:
    title = session.scalar(select(Reading.title).where(Reading.id == reading_id))
    return Conflict(
        _l(
            "%(day)s already has a reading of the day: %(title)s.",
            day=day.isoformat(),
            title=title,
        )
    )


def unpublish(reading: Reading, *, now: datetime) -> None:
    """Hide a reading from members (receipts and comments are kept).

    A reading of the day gives its day up, so another reading can take it.
    """
    reading.unpublished_at = now
    reading.daily_on = None
    reading.updated_at = now  # its version: members' home pages drop it at once


# Columns (栏目) ----------------------------------------------------------------


def ensure_default_columns(session: Session, committee: OrgUnit) -> list[ReadingColumn]:
    """The committee's columns, creating the default ones when it has none yet."""
    columns = list(session.scalars(_columns_of(committee.id)))
    if columns:
        return columns
    try:
        with session.begin_nested():
            for order, name in enumerate(DEFAULT_COLUMNS, start=1):
                session.add(ReadingColumn(committee_id=committee.id, name=name, sort_order=order))
            session.flush()
    except IntegrityError:  # another request created them at the same moment
        pass
    return list(session.scalars(_columns_of(committee.id)))


def columns_of(session: Session, committee: OrgUnit) -> list[ReadingColumn]:
    """The committee's columns (a committee gets the default ones when it is created)."""
    return list(session.scalars(_columns_of(committee.id)))


if ensure_default_columns not in org_services.COMMITTEE_DEFAULTS:
    org_services.COMMITTEE_DEFAULTS.append(ensure_default_columns)


def _columns_of(committee_id: int):
    return (
        select(ReadingColumn)
        .where(ReadingColumn.committee_id == committee_id)
        .order_by(ReadingColumn.sort_order, ReadingColumn.id)
    )


def _column_name(session: Session, committee_id: int, name: str, *, column_id: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_l("A column needs a name."))
    if len(name) > COLUMN_NAME_MAX:
        raise InvalidInput(
            _l("The column name is too long (%(n)d characters at most).", n=COLUMN_NAME_MAX)
        )
    taken = session.scalar(
        select(ReadingColumn.id).where(
            ReadingColumn.committee_id == committee_id,
            ReadingColumn.name == name,
            ReadingColumn.id != (column_id or 0),
        )
    )
    if taken is not None:
        raise Conflict(_l("There is already a column called %(name)s.", name=name))
    return name


def create_column(
    session: Session, committee: OrgUnit, *, name: str, description: str = ""
) -> ReadingColumn:
    """A new column, placed last."""
    name = _column_name(session, committee.id, name, column_id=None)
    last = session.scalar(
        select(func.max(ReadingColumn.sort_order)).where(ReadingColumn.committee_id == committee.id)
    )
    column = ReadingColumn(
        committee_id=committee.id,
        name=name,
        description=(description or "").strip()[:200],
        sort_order=(last or 0) + 1,
        is_active=True,
    )
    session.add(column)
    session.flush()
    return column


def update_column(
    session: Session, column: ReadingColumn, *, name: str, description: str = ""
) -> None:
    """Rename a column or change its description; its readings follow it."""
    column.name = _column_name(session, column.committee_id, name, column_id=column.id)
    column.description = (description or "").strip()[:200]
    session.flush()


def move_column(session: Session, column: ReadingColumn, *, offset: int) -> None:
    """Move a column ``offset`` places up (negative) or down (positive) in the order."""
    columns = list(session.scalars(_columns_of(column.committee_id)))
    index = columns.index(column)
    target = max(0, min(len(columns) - 1, index + offset))
    columns.insert(target, columns.pop(index))
    for order, each in enumerate(columns, start=1):
        each.sort_order = order
    session.flush()


def set_column_active(column: ReadingColumn, *, is_active: bool) -> None:
    """An inactive column takes no new readings; the readings in it stay where they are."""
    column.is_active = is_active
