"""Files people upload, checked by their content and stored by their hash.

The type of an image is read from its bytes (the signature, then Pillow decoding
the whole image), never from the file name or the browser's word; files are read
with a size limit and written once per content into the app's storage (a folder or
a bucket, see :mod:`studyhub.web.storage`). Reading images, quiz media and meeting
attachments all go through here.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from studyhub.core.errors import InvalidInput
from studyhub.web.storage import Storage

CHUNK = 64 * 1024
MAX_PIXELS = 40_000_000  # far above any photo a phone shows; stops decompression bombs
FILENAME_MAX = 200


@dataclass(frozen=True)
class ImageKind:
    pillow_format: str
    mime_type: str
    extension: str


KINDS = (
    ImageKind("PNG", "image/png", "png"),
    ImageKind("JPEG", "image/jpeg", "jpg"),
    ImageKind("GIF", "image/gif", "gif"),
    ImageKind("WEBP", "image/webp", "webp"),
)


@dataclass(frozen=True)
class ImageInfo:
    kind: ImageKind
    width: int
    height: int


def sniff(data: bytes) -> ImageKind | None:
    """The image kind that the first bytes announce, if it is one we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS[0]
    if data.startswith(b"\xff\xd8\xff"):
        return KINDS[1]
    if data.startswith((b"GIF87a", b"GIF89a")):
        return KINDS[2]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return KINDS[3]
    return None


def inspect_image(data: bytes) -> ImageInfo:
    """The kind and size of an image, or :class:`InvalidInput` when it is not a sound one."""
    kind = sniff(data)
    if kind is None:
        raise InvalidInput(_l("Only PNG, JPEG, GIF and WebP images can be uploaded."))
    broken = InvalidInput(_l("The image could not be read; it may be damaged."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise InvalidInput(_l("The image has too many pixels."))
                image.verify()
            # verify() leaves the image unusable; decode a fresh one to the end.
            with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as image:
                image.load()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise broken from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise broken from None
    return ImageInfo(kind=kind, width=width, height=height)


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """The stream's bytes, or :class:`InvalidInput` as soon as it passes ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise InvalidInput(
                _l(
                    "The file is too large (%(mb)s MB at most).",
                    mb=f"{max_bytes / 1024 / 1024:.1f}".removesuffix(".0"),
                )
            )
        parts.append(chunk)
    if size == 0:
        raise InvalidInput(_l("The file is empty."))
    return b"".join(parts)


def display_name(filename: str | None, *, default: str) -> str:
    """A file name fit to show and store: the last part of the path the browser sent,
    printable characters only, at most :data:`FILENAME_MAX` long; ``default`` if empty."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return (name or default)[:FILENAME_MAX]


def write_once(storage: Storage, key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` (atomically), unless an identical file is already there.

    Files are named by their content's hash and written before the transaction commits;
    when it rolls back the file stays, unreferenced and harmless, and the next upload of
    the same content reuses it."""
    if storage.size(key) == len(data):
        return
    storage.save(key, data)
