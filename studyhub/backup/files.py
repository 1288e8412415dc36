"""The uploaded files a backup holds: every file of the app's storage.

The storage (``web/storage.py``: ``UPLOAD_FOLDER``, default ``instance/uploads``,
or an S3-compatible bucket) holds reading images, meeting attachments, quiz
media and the imports held for confirmation. The archive keeps each file under
its key, so a backup taken from a folder restores into a bucket and back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol

from studyhub.web.storage import Storage


class FileStore(Protocol):
    def names(self) -> Iterator[tuple[str, int]]:
        """Every file as (name, size), in a stable order."""

    def open(self, name: str) -> BinaryIO: ...

    def write(self, name: str, stream: BinaryIO) -> None: ...

    def is_empty(self) -> bool: ...

    def clear(self) -> None: ...


class StoredFiles:
    """A :class:`FileStore` over the app's :class:`~studyhub.web.storage.Storage`."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def names(self) -> Iterator[tuple[str, int]]:
        for stored in self.storage.list():
            yield stored.key, stored.size

    def open(self, name: str) -> BinaryIO:
        return self.storage.open(name)

    def write(self, name: str, stream: BinaryIO) -> None:
        self.storage.save(name, stream)

    def is_empty(self) -> bool:
        return next(iter(self.storage.list()), None) is None

    def clear(self) -> None:
        for key in [stored.key for stored in self.storage.list()]:
            self.storage.delete(key)
