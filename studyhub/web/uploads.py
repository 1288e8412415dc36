"""Uploaded files kept between a preview and its confirmation.

Imports (rosters, question files) are checked and shown first; the file waits
here until the person who uploaded it confirms, and is then claimed once.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from datetime import datetime
from pathlib import Path
from typing import IO, ClassVar

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22}(\.[a-z0-9]{1,10})?$")


class UploadStash:
    """Uploads waiting for confirmation, in one folder.

    Each file is named after its owner (e.g. ``committee-user``) and a random
    token, so only the person who uploaded it can confirm it, and claiming it is
    an atomic rename: of two confirmations only one finds the file. The token
    keeps the file's ending when it is one of ``SUFFIXES`` (any short one when
    that is empty), so the reader can tell the format. Files older than
    ``KEEP_SECONDS`` are removed at the next upload.
    """

    KEEP_SECONDS = 3600
    SUFFIXES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, folder: str | Path, *, owner: str) -> None:
        self.folder = Path(folder)
        self.owner = owner

    def put(self, stream: IO[bytes], *, filename: str, now: datetime) -> str:
        """Keep an upload; returns its token."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._remove_stale(now)
        token = secrets.token_urlsafe(16) + self._suffix(filename)
        with self.path(token).open("xb") as fh:
            shutil.copyfileobj(stream, fh)
        return token

    def path(self, token: str) -> Path:
        return self.folder / f"{self.owner}-{token}"

    def discard(self, token: str) -> None:
        if self._valid(token):
            self.path(token).unlink(missing_ok=True)

    def claim(self, token: str) -> Path | None:
        """Take the file for confirmation; None when it is gone (done already, or expired)."""
        if not self._valid(token):
            return None
        claimed = self.folder / f"{self.owner}-claimed-{token}"
        try:
            os.rename(self.path(token), claimed)
        except FileNotFoundError:
            return None
        return claimed

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
        for path in self.folder.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:
                continue
