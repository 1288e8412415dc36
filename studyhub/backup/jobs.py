"""The nightly backup: one archive per night in ``BACKUP_FOLDER``, the last ``BACKUP_KEEP`` kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from studyhub.backup.files import FileStore
from studyhub.backup.services import back_up
from studyhub.core.clock import local_date

PREFIX = "studyhub-backup-"
SUFFIX = ".tar"
DEFAULT_KEEP = 7


def backup_folder(config: Mapping[str, Any], instance_path: str | Path) -> Path:
    """``BACKUP_FOLDER``, else ``instance/backups``."""
    return Path(config.get("BACKUP_FOLDER") or Path(instance_path) / "backups")


def nightly_archive(folder: Path, now: datetime, timezone: str) -> Path:
    """The night's archive: named by the local date, so a second run that night finds it."""
    return folder / f"{PREFIX}{local_date(now, timezone).isoformat()}{SUFFIX}"


def back_up_nightly(
    engine: Engine,
    files: FileStore,
    *,
    now: datetime,
    timezone: str,
    folder: Path,
    keep: int,
    before: Callable[[], None] = lambda: None,
) -> str:
    """Write tonight's archive unless it is there, then delete all but the newest ``keep``.

    ``before`` runs just before the (long) backup: the scheduler commits its run
    record there, so that on SQLite its transaction does not hold the write lock
    while the tables are read.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = nightly_archive(folder, now, timezone)
    if path.exists():
        outcome = f"{path.name} already made"
    else:
        before()
        result = back_up(engine, files, path, now=now)
        outcome = f"{path.name}: {sum(t.rows for t in result.manifest.tables)} rows, "
        outcome += f"{len(result.manifest.files)} files"
    archives = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    removed = archives[: max(len(archives) - max(keep, 1), 0)]
    for old in removed:
        old.unlink()
    return outcome + (f"; removed {len(removed)} older" if removed else "")
