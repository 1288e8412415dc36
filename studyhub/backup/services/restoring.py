"""Restoring an archive: checksums first, the archive's schema, the rows in batches in one
transaction, PostgreSQL's sequences, the migrations up to head, then the files."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    bindparam,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy import types as sqltypes

from studyhub.backup.archive import (
    BackupError,
    Manifest,
    TableEntry,
    opened,
    verify,
)
from studyhub.backup.files import FileStore
from studyhub.backup.services.backing_up import _load_order, _reflect, _reflected
from studyhub.backup.services.values import (
    BATCH,
    NoProgress,
    Progress,
    _decoder,
    _kind,
    app_version,
)
from studyhub.core import units

# --- restore --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    upgraded_to: str | None


def _script(app: Flask) -> ScriptDirectory:
    return ScriptDirectory(app.extensions["migrate"].directory)


def _first_rows(engine: Engine) -> str | None:
    """The first table (other than the revision) that has a row, if any."""
    with units.running(units.Unit.READ), engine.connect() as connection:
        for table in _reflect(connection):
            if connection.execute(select(text("1")).select_from(table).limit(1)).first():
                return table.name
    return None


def drop_tables(engine: Engine) -> None:
    """Drop every table (with ``--force``, their rows too), whatever refers to what."""
    names = inspect(engine).get_table_names()
    if engine.dialect.name == "postgresql":
        with units.running(units.Unit.WRITE), engine.begin() as connection:
            for name in names:
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        return
    raw = engine.raw_connection()  # SQLite: foreign keys off, which only works outside BEGIN
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        for name in names:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    finally:
        raw.close()


def check_target(engine: Engine, files: FileStore, *, force: bool) -> None:
    """Refuse a database with rows or a non-empty uploads folder, unless ``force``."""
    if force:
        return
    table = _first_rows(engine)
    if table is not None:
        raise BackupError(
            f"the database is not empty (table {table} has rows): restore into an empty "
            "database, or pass --force to delete everything in it first"
        )
    if not files.is_empty():
        raise BackupError(
            "the uploads folder is not empty: restore into an empty one, or pass --force "
            "to delete its files first"
        )


def _batches(lines: Iterable[bytes], decoders: list[Callable[[Any], Any]], names: list[str]):
    batch: list[dict[str, Any]] = []
    for line in lines:
        values = json.loads(line)
        batch.append(
            {
                name: None if value is None else decode(value)
                for name, decode, value in zip(names, decoders, values, strict=True)
            }
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insertable(table: Table) -> Table:
    """``table`` whose JSON columns keep SQL NULL and JSON ``null`` apart, as read."""
    columns = [
        Column(
            c.name,
            type(c.type)(none_as_null=True) if _kind(c) == "json" else c.type,
            primary_key=c.primary_key,
        )
        for c in table.columns
    ]
    return Table(table.name, MetaData(), *columns)


def _reset_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: each serial/identity column's sequence continues after the restored ids."""
    for table in tables:
        for column in table.columns:
            if not isinstance(column.type, sqltypes.Integer):
                continue
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": f'"{table.name}"', "column": column.name},
            )
            if sequence:
                connection.execute(
                    text(
                        f'SELECT setval(:seq, coalesce((SELECT max("{column.name}") '
                        f'FROM "{table.name}"), 0) + 1, false)'
                    ),
                    {"seq": sequence},
                )


def _rows(stream: IO[bytes], entry: TableEntry, target: Table) -> Iterator[list[dict[str, Any]]]:
    decoders = [_decoder(_kind(target.c[name])) for name in entry.columns]
    with gzip.GzipFile(fileobj=stream, mode="rb") as lines:
        yield from _batches(lines, decoders, entry.columns)


def _restore_tables(engine: Engine, archive: Path, manifest: Manifest, progress: Progress) -> None:
    entries = {t.name: t for t in manifest.tables}
    with (
        units.running(units.Unit.WRITE),
        engine.connect() as connection,
        connection.begin(),
        opened(archive) as open_member,
    ):
        order, deferred = _load_order(_reflected(connection))
        existing = {t.name: t for t in order}
        for entry in manifest.tables:
            target = existing.get(entry.name)
            missing = [c for c in entry.columns if target is None or c not in target.c]
            if missing:
                raise BackupError(
                    f"table {entry.name} of the archive does not fit the schema of revision "
                    f"{manifest.revision}: no column(s) {', '.join(missing)}"
                )
        progress.start("Tables", sum(t.rows for t in manifest.tables))
        for target in order:
            entry = entries.get(target.name)
            if entry is None:
                continue
            later = set(deferred.get(target.name, ()))
            if engine.dialect.name == "postgresql":
                _copy_rows(connection, target, entry, open_member(entry.member), later, progress)
            else:
                statement = insert(_insertable(target))
                for batch in _rows(open_member(entry.member), entry, target):
                    if later:
                        batch = [{**row, **dict.fromkeys(later)} for row in batch]
                    connection.execute(statement, batch)
                    progress.advance(len(batch))
            count = connection.scalar(select(func.count()).select_from(target))
            if count != entry.rows:
                raise BackupError(
                    f"table {entry.name}: {count} rows restored, the manifest says {entry.rows}"
                )
        for name, columns in deferred.items():
            if name in entries:
                _fill_in(
                    connection,
                    existing[name],
                    columns,
                    open_member(entries[name].member),
                    entries[name],
                )
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection, order)
        progress.finish()


def _copy_rows(
    connection: Connection,
    table: Table,
    entry: TableEntry,
    stream: IO[bytes],
    later: set[str],
    progress: Progress,
) -> None:
    """PostgreSQL: load a table with ``COPY … FROM STDIN`` in the restore's transaction.

    Several times faster than batched INSERTs; JSON columns go in as the JSON text
    the archive holds (``null`` stays JSON null, a missing value SQL NULL).
    """
    decoders = [
        (lambda v: v) if _kind(table.c[name]) == "json" else _decoder(_kind(table.c[name]))
        for name in entry.columns
    ]
    skipped = [name in later for name in entry.columns]
    columns = ", ".join(f'"{name}"' for name in entry.columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    count = 0
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy,
        gzip.GzipFile(fileobj=stream, mode="rb") as lines,
    ):
        for line in lines:
            copy.write_row(
                [
                    None if value is None or skip else decode(value)
                    for decode, value, skip in zip(decoders, json.loads(line), skipped, strict=True)
                ]
            )
            count += 1
            if count % BATCH == 0:
                progress.advance(BATCH)
    progress.advance(count % BATCH)


def _fill_in(
    connection: Connection, table: Table, columns: list[str], stream: IO[bytes], entry: TableEntry
) -> None:
    """Set the columns loaded empty (see :func:`_load_order`) once their rows exist."""
    keys = [c.name for c in table.primary_key.columns]
    statement = (
        update(table)
        .where(*(table.c[k] == bindparam(f"key_{k}") for k in keys))
        .values({c: bindparam(f"value_{c}") for c in columns})
    )
    for batch in _rows(stream, entry, table):
        changes = [
            {**{f"key_{k}": row[k] for k in keys}, **{f"value_{c}": row[c] for c in columns}}
            for row in batch
            if any(row[c] is not None for c in columns)
        ]
        if changes:
            connection.execute(statement, changes)


def restore(
    app: Flask,
    engine: Engine,
    files: FileStore,
    archive: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore ``archive`` into the app's (empty) database and uploads; see the module doc.

    Runs in an app context of ``app`` (the migrations). Nothing is written when a
    checksum fails, the archive's revision is unknown to this code, or the target is
    not empty (without ``force``).
    """
    progress = progress or NoProgress()
    progress.start("Checking", archive.stat().st_size)
    manifest = verify(archive, progress.advance)
    progress.finish()
    script = _script(app)
    try:
        script.get_revision(manifest.revision)
    except Exception as exc:
        raise BackupError(
            f"the archive is at migration revision {manifest.revision}, which this version of "
            f"studyhub ({app_version()}) does not know: restore it with the version that made "
            f"it ({manifest.app_version}) or a newer one"
        ) from exc
    check_target(engine, files, force=force)
    drop_tables(engine)
    if force:
        files.clear()
    upgrade(revision=manifest.revision)
    engine.dispose()
    _restore_tables(engine, archive, manifest, progress)
    heads = script.get_heads()
    upgraded_to = None
    if heads != [manifest.revision]:
        upgrade()
        engine.dispose()
        upgraded_to = ", ".join(heads)
    _restore_files(files, archive, manifest, progress)
    return RestoreResult(manifest, upgraded_to)


def _restore_files(files: FileStore, archive: Path, manifest: Manifest, progress: Progress):
    progress.start("Files", sum(f.size for f in manifest.files))
    with opened(archive) as open_member:
        for entry in manifest.files:
            files.write(entry.name, open_member(entry.member))
            progress.advance(entry.size)
    progress.finish()
