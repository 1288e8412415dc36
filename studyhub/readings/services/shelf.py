"""A member's shelf: searching the readings they may see, their favourites (收藏), and the
PDF attachments of readings.

Search is a bounded ``LIKE`` over the title and the plain text (``Reading.body_text``), the
same SQL on SQLite and PostgreSQL. Chinese has no spaces between words, so a word index
would need a segmenter; a substring match finds 党章 inside any sentence. A committee's
library holds a few thousand readings at most and the scan is limited to that committee's
visible rows (``committee_id`` is indexed) and to :data:`SEARCH_LIMIT` results; when the
library grows past that, PostgreSQL's ``pg_trgm`` GIN index serves the same ``LIKE``
unchanged.

Attachments are PDFs only, recognised by their bytes (``%PDF-`` at the start and an
``%%EOF`` marker near the end), never by the name or the browser's word, and stored by
their hash like images.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer, joinedload

from studyhub.core.errors import InvalidInput, NotFound
from studyhub.readings.models import Favourite, Reading, ReadingAttachment
from studyhub.readings.queries import like_pattern
from studyhub.readings.services.tracking import Reader
from studyhub.web.files import display_name, read_limited, write_once
from studyhub.web.storage import Storage

SEARCH_LIMIT = 30
QUERY_MAX = 50
PDF_MAGIC = b"%PDF-"
PDF_MIME = "application/pdf"


def visible_to(reader: Reader, now: datetime):
    """SQL: the reading is the reader's committee's, published by now and not withdrawn, and
    the committee's or the reader's own branch's."""
    return and_(
        Reading.committee_id == reader.committee_id,
        Reading.published_at.is_not(None),
        Reading.published_at <= now,
        Reading.unpublished_at.is_(None),
        or_(Reading.branch_id.is_(None), Reading.branch_id == reader.branch_id),
    )


def search_terms(text: str) -> list[str]:
    """The words of a query (split on spaces, at most five, each at least one character)."""
    return [word for word in (text or "")[:QUERY_MAX].split() if word][:5]


def search_readings(reader: Reader, text: str, *, now: datetime) -> Select[tuple[Reading]]:
    """Readings whose title or text holds every word of ``text``, newest first."""
    stmt = (
        select(Reading)
        .options(joinedload(Reading.column), defer(Reading.body_markdown), defer(Reading.body_html))
        .where(visible_to(reader, now))
    )
    for word in search_terms(text):
        pattern = like_pattern(word)
        stmt = stmt.where(
            or_(
                Reading.title.like(pattern, escape="\\"),
                Reading.body_text.like(pattern, escape="\\"),
            )
        )
    return stmt.order_by(Reading.published_at.desc(), Reading.id.desc()).limit(SEARCH_LIMIT)


def favourites_of(reader: Reader, now: datetime) -> Select[tuple[Reading, datetime]]:
    """The reader's favourite readings that they may still see, last starred first."""
    return (
        select(Reading, Favourite.created_at)
        .join(Favourite, Favourite.reading_id == Reading.id)
        .options(joinedload(Reading.column), defer(Reading.body_markdown), defer(Reading.body_html))
        .where(Favourite.user_id == reader.user_id, visible_to(reader, now))
        .order_by(Favourite.created_at.desc(), Favourite.id.desc())
    )


def set_favourite(
    session: Session, reading: Reading, *, reader: Reader, starred: bool, now: datetime
) -> None:
    """Star or unstar; doing either twice is harmless (one row per member and reading)."""
    if not starred:
        session.execute(
            delete(Favourite).where(
                Favourite.user_id == reader.user_id, Favourite.reading_id == reading.id
            )
        )
        return
    values = {"user_id": reader.user_id, "reading_id": reading.id, "created_at": now}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Favourite)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["user_id", "reading_id"])
    )


def attachments_of(reading_id: int) -> Select[tuple[ReadingAttachment]]:
    return (
        select(ReadingAttachment)
        .where(ReadingAttachment.reading_id == reading_id)
        .order_by(ReadingAttachment.id)
    )


def check_pdf(data: bytes) -> None:
    """Refuse anything but a PDF, judged by its bytes."""
    if not data.startswith(PDF_MAGIC) or b"%%EOF" not in data[-2048:]:
        raise InvalidInput(_l("Attach a PDF file."))


def attach_pdf(
    session: Session,
    reading: Reading,
    stream: BinaryIO,
    *,
    filename: str | None,
    storage: Storage,
    max_bytes: int,
    by_user_id: int | None,
    now: datetime,
) -> ReadingAttachment:
    """Check and store a PDF for ``reading``."""
    data = read_limited(stream, max_bytes)
    check_pdf(data)
    digest = hashlib.sha256(data).hexdigest()
    stored_name = f"{reading.committee_id}/{digest}.pdf"
    write_once(storage, stored_name, data)
    name = display_name(filename, default="attachment.pdf")
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    attachment = ReadingAttachment(
        reading_id=reading.id,
        filename=name,
        stored_name=stored_name,
        sha256=digest,
        size=len(data),
        created_by_id=by_user_id,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    return attachment


def remove_attachment(session: Session, reading: Reading, attachment_id: int) -> None:
    attachment = session.get(ReadingAttachment, attachment_id)
    if attachment is None or attachment.reading_id != reading.id:
        raise NotFound(_l("No such attachment."))
    session.delete(attachment)
    session.flush()


@dataclass(frozen=True)
class ShelfPart:
    """What the reading page shows of the shelf: the star and the PDFs."""

    is_favourite: bool
    attachments: list[ReadingAttachment]


def shelf_part(
    session: Session, reading: Reading, *, is_favourite: bool, has_attachments: bool
) -> ShelfPart:
    """The member's star on the reading and its attachments. The star and whether there are
    attachments come with the reading (``queries.reading_page_and_receipt``); the
    attachments are read only when the reading has some."""
    attachments = list(session.scalars(attachments_of(reading.id))) if has_attachments else []
    return ShelfPart(is_favourite=bool(is_favourite), attachments=attachments)
