"""Files in a local folder (the default): written to a temporary file and renamed into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from studyhub.web.storage.base import CHUNK, Data, Storage, StoredFile, _folder_prefix, check_key


class LocalStorage(Storage):
    """Files in a folder of this machine (one machine, or a shared disk mounted on all)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.location = str(self.folder)

    def path(self, key: str) -> Path:
        return self.folder.joinpath(*check_key(key).split("/"))

    def local_path(self, key: str) -> Path:
        return self.path(key)

    def _temporary(self, path: Path, data: Data) -> str:
        """A hidden file beside ``path`` holding ``data`` (the listing skips it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                if isinstance(data, bytes | bytearray | memoryview):
                    fh.write(data)
                else:
                    shutil.copyfileobj(data, fh, CHUNK)
            os.chmod(tmp, 0o644)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return tmp

    def save(self, key: str, data: Data) -> None:
        path = self.path(key)
        tmp = self._temporary(path, data)
        try:
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def create(self, key: str, data: bytes) -> bool:
        path = self.path(key)
        tmp = self._temporary(path, data)
        try:
            os.link(tmp, path)  # fails when the name is taken: atomic, and never half-written
        except FileExistsError:
            return False
        finally:
            Path(tmp).unlink(missing_ok=True)
        return True

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def size(self, key: str) -> int | None:
        path = self.path(key)
        try:
            return path.stat().st_size if path.is_file() else None
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        start = _folder_prefix(prefix)
        top = self.folder.joinpath(*start.split("/")) if start else self.folder
        yield from self._walk(top, start)

    def _walk(self, folder: Path, key_prefix: str) -> Iterator[StoredFile]:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        # In key order, as a bucket lists them: folder "a" is "a/…", after the file "a-b".
        entries.sort(key=lambda e: e.name + ("/" if e.is_dir(follow_symlinks=False) else ""))
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path), f"{key_prefix}{entry.name}/")
            elif entry.is_file():
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                yield StoredFile(key_prefix + entry.name, stat.st_size, modified)
