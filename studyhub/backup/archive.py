"""The archive itself: a tar of checksummed members with the manifest last.

Members are written one after another (a table's rows go through a temporary
file first, since a tar header needs the size), each hashed as it is written,
so nothing is held in memory whole. Reading checks every member against the
manifest before anything is restored; :class:`ArchiveDamaged` names what failed.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

FORMAT = "studyhub-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
T = TypeVar("T")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


class ArchiveDamaged(BackupError):
    """The archive does not match its manifest (or is not a studyhub backup)."""


@dataclass
class TableEntry:
    name: str
    member: str
    columns: list[str]
    rows: int
    sha256: str = ""


@dataclass
class FileEntry:
    name: str  # e.g. "uploads/readings/ab12.png": the store's name of the file
    member: str
    size: int
    sha256: str = ""


@dataclass
class Manifest:
    app_version: str
    revision: str
    dialect: str
    created_at: str
    tables: list[TableEntry] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "app_version": self.app_version,
            "revision": self.revision,
            "dialect": self.dialect,
            "created_at": self.created_at,
            "tables": [vars(t) for t in self.tables],
            "files": [vars(f) for f in self.files],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise ArchiveDamaged(f"not a studyhub backup (format {data.get('format')!r})")
        return cls(
            app_version=data["app_version"],
            revision=data["revision"],
            dialect=data["dialect"],
            created_at=data["created_at"],
            tables=[TableEntry(**t) for t in data["tables"]],
            files=[FileEntry(**f) for f in data["files"]],
        )

    def expected(self) -> dict[str, str]:
        """Every member but the manifest, with its SHA-256."""
        members = {t.member: t.sha256 for t in self.tables}
        members.update({f.member: f.sha256 for f in self.files})
        return members


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it (and counts it)."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read(len(buffer))
        self.digest.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)


class ArchiveWriter:
    """Writes members into a tar at ``path`` (through ``path.partial``, renamed at the end)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        # closed by finish() or abandon()
        self.tar = tarfile.open(self.partial, "w", format=tarfile.PAX_FORMAT)  # noqa: SIM115

    def add_stream(self, member: str, stream: BinaryIO, size: int) -> str:
        """Add ``size`` bytes read from ``stream`` as ``member``; returns their SHA-256."""
        info = tarfile.TarInfo(member)
        info.size = size
        info.mode = 0o644
        hashing = _Hashing(stream)
        self.tar.addfile(info, hashing)
        if hashing.size != size:
            raise BackupError(f"{member} changed while it was read")
        return hashing.digest.hexdigest()

    def add_spooled(self, member: str, write: Callable[[IO[bytes]], T]) -> tuple[str, T]:
        """Add a member made by ``write(file)`` in a temporary file.

        Returns its SHA-256 and what ``write`` returned.
        """
        with tempfile.TemporaryFile() as spool:
            result = write(spool)
            size = spool.tell()
            spool.seek(0)
            return self.add_stream(member, spool, size), result

    def finish(self, manifest: Manifest) -> None:
        data = json.dumps(manifest.as_json(), ensure_ascii=False, indent=1).encode()
        self.add_stream(MANIFEST, io.BytesIO(data), len(data))
        self.tar.close()
        self.partial.replace(self.path)

    def abandon(self) -> None:
        self.tar.close()
        self.partial.unlink(missing_ok=True)


def _members(path: Path) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    try:
        with tarfile.open(path, "r:") as tar:
            for info in tar:
                yield tar, info
    except (tarfile.TarError, EOFError) as exc:
        raise ArchiveDamaged(f"{path.name} is not a readable tar archive: {exc}") from exc


def verify(path: Path, on_bytes: Callable[[int], None] = lambda n: None) -> Manifest:
    """Check every member of the archive against its manifest; return the manifest.

    Reads the whole archive once. Raises :class:`ArchiveDamaged` naming each member
    whose checksum differs, that is missing, or that the manifest does not list.
    """
    digests: dict[str, str] = {}
    manifest_data: bytes | None = None
    try:
        for tar, info in _members(path):
            if not info.isfile():
                continue
            stream = tar.extractfile(info)
            assert stream is not None
            if info.name == MANIFEST:
                manifest_data = stream.read()
                continue
            digest = hashlib.sha256()
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                on_bytes(len(chunk))
            digests[info.name] = digest.hexdigest()
    except (tarfile.TarError, EOFError) as exc:
        raise ArchiveDamaged(
            f"{path.name} is not a readable tar archive (cut short?), nothing was restored: {exc}"
        ) from exc
    if manifest_data is None:
        raise ArchiveDamaged(f"{path.name} has no {MANIFEST}: not a complete studyhub backup")
    try:
        manifest = Manifest.from_json(json.loads(manifest_data))
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveDamaged(f"{MANIFEST} is damaged: {exc}") from exc
    expected = manifest.expected()
    problems = [
        f"{name}: checksum differs"
        for name, sha in expected.items()
        if name in digests and digests[name] != sha
    ]
    problems += [f"{name}: missing" for name in expected if name not in digests]
    problems += [f"{name}: not in the manifest" for name in digests if name not in expected]
    if problems:
        raise ArchiveDamaged("the archive is damaged, nothing was restored: " + "; ".join(problems))
    return manifest


@contextmanager
def opened(path: Path) -> Iterator[Callable[[str], BinaryIO]]:
    """A function that opens any member by name (the tar is read in place, by seeking)."""
    try:
        with tarfile.open(path, "r:") as tar:

            def open_member(name: str) -> BinaryIO:
                stream = tar.extractfile(name)
                if stream is None:
                    raise ArchiveDamaged(f"{name} is not a file in {path.name}")
                return stream

            yield open_member
    except (tarfile.TarError, EOFError) as exc:
        raise ArchiveDamaged(f"{path.name} is not a readable tar archive: {exc}") from exc
