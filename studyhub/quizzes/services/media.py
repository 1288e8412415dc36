"""Images and sounds embedded in questions, stored by their content.

A file is kept once per bank under the key ``quiz-media/<bank id>/<sha256>.<ext>``
of the app's storage (a folder or a bucket); the name is the content, so it can be
cached for ever and importing the same file twice gives the same row. The kind is
read from the bytes, never from the file's name: PNG, JPEG, GIF and WebP images,
MP3, Ogg, WAV and M4A sounds. Anything else (SVG, which can carry scripts,
included) is refused.

Questions refer to a file by the URL of the media page (``quizzes.media``);
callers pass ``media_url`` (stored name → URL) because only they know how the
app is mounted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.quizzes.models import Bank, QuestionMedia
from studyhub.web.files import write_once
from studyhub.web.storage import Storage

MediaUrl = Callable[[str], str]
FILENAME_MAX = 200


@dataclass(frozen=True)
class MediaKind:
    mime_type: str
    extension: str

    @property
    def is_audio(self) -> bool:
        return self.mime_type.startswith("audio/")


PNG = MediaKind("image/png", "png")
JPEG = MediaKind("image/jpeg", "jpg")
GIF = MediaKind("image/gif", "gif")
WEBP = MediaKind("image/webp", "webp")
MP3 = MediaKind("audio/mpeg", "mp3")
OGG = MediaKind("audio/ogg", "ogg")
WAV = MediaKind("audio/wav", "wav")
M4A = MediaKind("audio/mp4", "m4a")
KINDS_BY_EXTENSION = {kind.extension: kind for kind in (PNG, JPEG, GIF, WEBP, MP3, OGG, WAV, M4A)}


def sniff(data: bytes) -> MediaKind | None:
    """The kind of media the bytes are, if it is one we keep."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return WAV
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return MP3
    if data.startswith(b"OggS"):
        return OGG
    if data[4:8] == b"ftyp" and data[8:11] in (b"M4A", b"mp4", b"iso", b"M4B"):
        return M4A
    return None


@dataclass(frozen=True)
class MediaFile:
    """A file ready to store: its kind, hash and the name it will be stored under."""

    filename: str
    kind: MediaKind
    sha256: str
    data: bytes

    def stored_name(self, bank_id: int) -> str:
        return f"{bank_id}/{self.sha256}.{self.kind.extension}"


def prepare(filename: str, data: bytes) -> MediaFile | None:
    """A file to store, or None when it is not a kind we keep."""
    kind = sniff(data)
    if kind is None:
        return None
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable()) or f"media.{kind.extension}"
    return MediaFile(name[:FILENAME_MAX], kind, hashlib.sha256(data).hexdigest(), data)


def store(
    session: Session, bank: Bank, file: MediaFile, *, storage: Storage, now: datetime
) -> QuestionMedia:
    """Write the file (once) and its row (once per bank)."""
    stored_name = file.stored_name(bank.id)
    write_once(storage, _key(stored_name), file.data)
    existing = session.scalar(
        select(QuestionMedia).where(
            QuestionMedia.bank_id == bank.id, QuestionMedia.sha256 == file.sha256
        )
    )
    if existing is not None:
        return existing
    media = QuestionMedia(
        bank_id=bank.id,
        sha256=file.sha256,
        filename=file.filename,
        stored_name=stored_name,
        mime_type=file.kind.mime_type,
        size=len(file.data),
        created_at=now,
    )
    session.add(media)
    session.flush()
    return media


def _key(stored_name: str) -> str:
    return f"quiz-media/{stored_name}"


def stored_key(media: QuestionMedia) -> str:
    """The file's key in the storage."""
    return _key(media.stored_name)
