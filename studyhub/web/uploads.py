"""Uploaded files kept between a preview and its confirmation.

Imports (rosters, question files) are checked and shown first; the file waits
in the app's storage (a folder or a bucket, so any app machine can take the
confirmation) until the person who uploaded it confirms, and is then claimed once.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, ClassVar

from studyhub.web.storage import Storage, current_storage

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22}(\.[a-z0-9]{1,10})?$")
CLAIMED = ".claimed"


class UploadStash:
    """Uploads waiting for confirmation, under one prefix of the storage.

    Each file is named after its owner (e.g. ``committee-user``) and a random
    token, so only the person who uploaded it can confirm it. Claiming it first
    creates a ``…claimed`` marker, which only one of two confirmations (on any
    machines) can create: only that one gets the file. The token keeps the file's
    ending when it is one of ``SUFFIXES`` (any short one when that is empty), so
    the reader can tell the format. Files and markers older than ``KEEP_SECONDS``
    are removed at the next upload.
    """

    KEEP_SECONDS = 3600
    SUFFIXES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, prefix: str, *, owner: str, storage: Storage | None = None) -> None:
        self.prefix = prefix.strip("/")
        self.owner = owner
        self.storage = storage if storage is not None else current_storage()

    def put(self, stream: IO[bytes], *, filename: str, now: datetime) -> str:
        """Keep an upload; returns its token."""
        self._remove_stale(now)
        token = secrets.token_urlsafe(16) + self._suffix(filename)
        self.storage.save(self.key(token), stream)
        return token

    def key(self, token: str) -> str:
        return f"{self.prefix}/{self.owner}-{token}"

    def is_held(self, token: str) -> bool:
        """Whether ``token`` names a file still waiting (not claimed, not expired)."""
        if not self._valid(token):
            return False
        key = self.key(token)
        return self.storage.exists(key) and not self.storage.exists(key + CLAIMED)

    @contextmanager
    def held(self, token: str) -> Iterator[Path]:
        """The held file as a path on this machine (a temporary copy from a bucket)."""
        key = self.key(token)
        local = self.storage.local_path(key)
        if local is not None:
            yield local
            return
        copy = self._copy(key, token)
        try:
            yield copy
        finally:
            copy.unlink(missing_ok=True)

    def discard(self, token: str) -> None:
        if self._valid(token):
            self.storage.delete(self.key(token))

    def claim(self, token: str) -> Path | None:
        """Take the file for confirmation: a temporary file on this machine that the caller
        removes; None when it is gone (done already, another confirmation has it, expired)."""
        if not self._valid(token):
            return None
        key = self.key(token)
        if not self.storage.exists(key) or not self.storage.create(key + CLAIMED, b""):
            return None
        try:
            copy = self._copy(key, token)
        except FileNotFoundError:
            return None
        self.storage.delete(key)
        return copy

    def _copy(self, key: str, token: str) -> Path:
        suffix = _TOKEN_RE.match(token).group(1) or ""  # type: ignore[union-attr]
        with self.storage.open(key) as source:
            fd, name = tempfile.mkstemp(prefix="studyhub-import-", suffix=suffix)
            with open(fd, "wb") as target:
                shutil.copyfileobj(source, target)
        return Path(name)

    def _suffix(self, filename: str) -> str:
        suffix = Path(filename).suffix.lower()
        if self.SUFFIXES:
            return suffix if suffix in self.SUFFIXES else ""
        return suffix if _TOKEN_RE.match("x" * 22 + suffix) else ""

    def _valid(self, token: str) -> bool:
        match = _TOKEN_RE.match(token)
        if match is None:
            return False
        return not self.SUFFIXES or match.group(1) in self.SUFFIXES

    def _remove_stale(self, now: datetime) -> None:
        cutoff = now.timestamp() - self.KEEP_SECONDS
        for stored in self.storage.list(self.prefix):
            if stored.modified_at.timestamp() < cutoff:
                self.storage.delete(stored.key)
