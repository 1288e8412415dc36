"""Photos and PDFs attached to a record from a phone: checked by content, stored by hash.

Photos must be JPEG, PNG or WebP, read from their bytes and decoded whole by
Pillow (the readings upload check); PDFs must start with ``%PDF-``. The name
and the browser's word about the type count for nothing. A file lives once under
the key ``meetings/<committee id>/<sha256>.<ext>`` of the app's storage, so the
same photo on two records is one file; attaching
the same file to one record twice gives the same attachment.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import Meeting, MeetingAttachment, MeetingState
from studyhub.meetings.services.audit import log_event, require_state
from studyhub.web.files import display_name, inspect_image, read_limited, sniff, write_once
from studyhub.web.storage import Storage

PDF_MAGIC = b"%PDF-"
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
ATTACHING_STATES = (MeetingState.PLANNED, MeetingState.HELD, MeetingState.RETURNED)


def _kind(data: bytes) -> tuple[str, str]:
    """(MIME type, file ending) of an accepted file, or :class:`InvalidInput`."""
    if data.startswith(PDF_MAGIC):
        return "application/pdf", "pdf"
    kind = sniff(data)
    if kind is None or kind.pillow_format not in PHOTO_FORMATS:
        raise InvalidInput(_l("Attach a photo (JPEG, PNG or WebP) or a PDF file."))
    inspect_image(data)  # decodes it whole: a damaged or oversized picture is refused
    return kind.mime_type, kind.extension


def stored_key(attachment: MeetingAttachment) -> str:
    """The attachment's file in the storage."""
    return f"meetings/{attachment.stored_name}"


def add_attachment(
    session: Session,
    meeting: Meeting,
    stream: BinaryIO,
    *,
    filename: str | None,
    storage: Storage,
    max_bytes: int,
    by: User,
    now: datetime,
) -> MeetingAttachment:
    """Check and store a photo or PDF for ``meeting``'s record."""
    require_state(meeting, *ATTACHING_STATES)
    data = read_limited(stream, max_bytes)
    mime_type, extension = _kind(data)
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalars(queries.attachment_in(meeting.id, digest)).first()
    if existing is not None:
        return existing
    attachment = MeetingAttachment(
        meeting_id=meeting.id,
        filename=display_name(filename, default=f"attachment.{extension}"),
        stored_name=f"{meeting.committee_id}/{digest}.{extension}",
        sha256=digest,
        mime_type=mime_type,
        size=len(data),
        uploaded_by_id=by.id,
        uploaded_at=now,
    )
    write_once(storage, stored_key(attachment), data)
    session.add(attachment)
    session.flush()
    log_event(
        session,
        meeting,
        "attachment_added",
        by=by,
        now=now,
        file=attachment.filename,
        size=attachment.size,
    )
    session.flush()
    return attachment


def remove_attachment(
    session: Session, attachment: MeetingAttachment, meeting: Meeting, *, by: User, now: datetime
) -> None:
    """Take a file off the record (the stored file may serve another record and stays)."""
    require_state(meeting, *ATTACHING_STATES)
    log_event(session, meeting, "attachment_removed", by=by, now=now, file=attachment.filename)
    session.delete(attachment)
    session.flush()
