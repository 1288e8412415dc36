"""What every storage is: the :class:`Storage` interface, its keys and its errors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple

EXTENSION = "studyhub.storage"
CHUNK = 256 * 1024


class StorageError(RuntimeError):
    """The storage setting cannot be used; the message says what to set."""


class StoredFile(NamedTuple):
    """One file as a listing gives it."""

    key: str
    size: int
    modified_at: datetime  # aware, UTC


def check_key(key: str) -> str:
    """``key`` if it is a valid key (see the module's docstring), else ``ValueError``."""
    parts = key.split("/")
    if (
        not key
        or "\\" in key
        or "\x00" in key
        or any(not part or part.startswith(".") for part in parts)
    ):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _folder_prefix(prefix: str) -> str:
    """A listing prefix as a folder: ``""`` (everything) or ``"a/b/"``."""
    prefix = prefix.strip("/")
    if not prefix:
        return ""
    check_key(prefix)
    return prefix + "/"


Data = bytes | BinaryIO


class Storage(ABC):
    """Files by key. Every method may be called from several threads and processes at once.

    ``open`` and ``size`` answer :class:`FileNotFoundError` / ``None`` for a missing key;
    ``delete`` of a missing key does nothing.
    """

    #: Where the files are, for people: a folder or ``s3://bucket/prefix``.
    location: str

    @abstractmethod
    def save(self, key: str, data: Data) -> None:
        """Write the file (bytes, or a binary stream read to its end), replacing any file
        of that key; readers see the old file or the new one whole, never a part."""

    @abstractmethod
    def create(self, key: str, data: bytes) -> bool:
        """Write the file only if no file has that key: of two processes creating one key
        at the same moment exactly one gets True (a claim that holds across machines).

        A bucket does this with a conditional write (``If-None-Match: *``: Amazon S3,
        MinIO, and others); a service that ignores the condition lets both writers win."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """The file's bytes as a seekable stream (close it; a bucket is read as needed)."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The file's size in bytes, or None when there is no such file."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file, if it is there."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file whose key is under the folder ``prefix`` (``""``: all), in key order."""

    def local_path(self, key: str) -> Path | None:
        """The file's path on this machine's disk, for a local folder; None for a bucket."""
        return None

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()
