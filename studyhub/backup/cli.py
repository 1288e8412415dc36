"""``studyhub backup -o FILE`` and ``studyhub restore FILE [--force]``, with progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from studyhub.backup.archive import BackupError
from studyhub.backup.files import StoredFiles
from studyhub.backup.services import back_up, restore
from studyhub.core import clock
from studyhub.extensions import db
from studyhub.web.storage import current_storage


class BarProgress:
    """Each phase of the work as a click progress bar on stderr."""

    def __init__(self) -> None:
        self.bar: Any = None

    def start(self, label: str, total: int) -> None:
        self.finish()
        self.bar = click.progressbar(length=max(total, 1), label=f"{label:<9}", file=None)
        self.bar.__enter__()

    def advance(self, amount: int) -> None:
        if self.bar is not None and amount:
            self.bar.update(amount)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _store() -> StoredFiles:
    return StoredFiles(current_storage())


@contextmanager
def _progress_bars() -> Iterator[BarProgress]:
    """Progress bars for the work inside, closed at its end; a ``BackupError`` becomes the
    command's error message."""
    progress = BarProgress()
    try:
        yield progress
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.finish()


@click.command("backup")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The archive to write (a tar file).",
)
@with_appcontext
def backup_command(output: Path) -> None:
    """Write the database and every uploaded file into one archive.

    Safe while the app runs: the tables are read in one consistent snapshot.
    """
    with _progress_bars() as progress:
        result = back_up(db.engine, _store(), output, now=clock.now_utc(), progress=progress)
    manifest = result.manifest
    rows = sum(t.rows for t in manifest.tables)
    click.echo(
        f"{output}: {len(manifest.tables)} tables ({rows} rows) at revision "
        f"{manifest.revision}, {len(manifest.files)} files."
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Delete everything in the database and the uploads folder first.",
)
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup into an empty database (and uploads folder).

    Every checksum is checked first: a damaged archive restores nothing. An archive
    from an older version is restored at its revision, then upgraded.
    """
    with _progress_bars() as progress:
        result = restore(current_app, db.engine, _store(), archive, force=force, progress=progress)
    manifest = result.manifest
    rows = sum(t.rows for t in manifest.tables)
    click.echo(
        f"Restored {archive}: {rows} rows in {len(manifest.tables)} tables, "
        f"{len(manifest.files)} files (taken {manifest.created_at} on {manifest.dialect}, "
        f"studyhub {manifest.app_version})."
    )
    if result.upgraded_to:
        click.echo(f"Upgraded from revision {manifest.revision} to {result.upgraded_to}.")
