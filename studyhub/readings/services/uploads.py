"""Images staff upload for readings: checked by their content, stored by their hash.

Only PNG, JPEG, GIF and WebP are accepted, and the type is read from the bytes
(the signature, then Pillow decoding the whole image), never from the file
name or the browser's word. A file is stored once per committee under the key
``<committee id>/<sha256>.<ext>`` of the app's storage: the name is the content, so it can
be cached for ever, and uploading the same picture twice gives the same row.

The file is written before the transaction commits; if the transaction rolls
back the file stays, unreferenced and harmless, and the next upload of the
same picture reuses it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.readings.models import Upload
from studyhub.web.files import display_name, inspect_image, read_limited, write_once
from studyhub.web.storage import Storage


def stored_key(upload: Upload) -> str:
    """The upload's file in the storage: its stored name, at the top."""
    return upload.stored_name


def save_upload(
    session: Session,
    committee: OrgUnit,
    stream: BinaryIO,
    *,
    filename: str | None,
    storage: Storage,
    max_bytes: int,
    by_user_id: int | None,
    now: datetime,
) -> Upload:
    """Check an uploaded image and store it; the same picture again gives the same row."""
    data = read_limited(stream, max_bytes)
    info = inspect_image(data)
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(
        select(Upload).where(Upload.committee_id == committee.id, Upload.sha256 == digest)
    )
    upload = existing or Upload(
        committee_id=committee.id,
        sha256=digest,
        filename=display_name(filename, default=f"image.{info.kind.extension}"),
        stored_name=f"{committee.id}/{digest}.{info.kind.extension}",
        mime_type=info.kind.mime_type,
        size=len(data),
        width=info.width,
        height=info.height,
        created_by_id=by_user_id,
        created_at=now,
    )
    write_once(storage, stored_key(upload), data)
    if existing is not None:
        return upload
    try:
        with session.begin_nested():
            session.add(upload)
            session.flush()
    except IntegrityError:  # the same picture, uploaded at the same moment by someone else
        return session.scalars(select(Upload).where(Upload.stored_name == upload.stored_name)).one()
    return upload
