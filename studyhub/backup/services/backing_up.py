"""Backing up: every table read in one snapshot transaction and written as JSON lines, in
foreign-key order, with the uploaded files, into one archive."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.schema import ForeignKeyConstraint, sort_tables_and_constraints

from studyhub.backup.archive import (
    ArchiveWriter,
    BackupError,
    FileEntry,
    Manifest,
    TableEntry,
)
from studyhub.backup.files import FileStore
from studyhub.backup.services.values import (
    BATCH,
    VERSION_TABLE,
    NoProgress,
    Progress,
    _encode,
    _readable,
    app_version,
)
from studyhub.core import units

# --- backup ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest


def _snapshot(engine: Engine) -> Connection:
    """A connection inside one consistent read-only snapshot of the whole database."""
    if engine.dialect.name == "postgresql":
        connection = engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    else:
        connection = engine.connect()
    connection.begin()
    return connection


def _reflect(connection: Connection) -> list[Table]:
    """The database's tables (as they are, not as the models say) in load order."""
    return _load_order(_reflected(connection))[0]


def _reflected(connection: Connection) -> list[Table]:
    metadata_ = MetaData()
    metadata_.reflect(bind=connection)
    return [t for t in metadata_.tables.values() if t.name != VERSION_TABLE]


def _load_order(tables: list[Table]) -> tuple[list[Table], dict[str, list[str]]]:
    """Tables in an order that loads referenced rows first, and the columns to load later.

    A cycle of foreign keys (a question and its current version) is broken at a
    nullable column: it is loaded empty and filled in once every table is loaded.
    """
    later: set[ForeignKeyConstraint] = set()

    def in_cycles() -> list[ForeignKeyConstraint]:
        remaining = [
            fkc
            for table, fkcs in sort_tables_and_constraints(
                tables, filter_fn=lambda fkc: True if fkc in later else None
            )
            if table is None
            for fkc in fkcs
            if fkc not in later
        ]
        return sorted(remaining, key=lambda f: (f.table.name, [c.name for c in f.columns]))

    while cycles := in_cycles():
        nullable = [fkc for fkc in cycles if all(c.nullable for c in fkc.columns)]
        if not nullable:
            names = ", ".join(sorted({fkc.table.name for fkc in cycles}))
            raise BackupError(f"tables {names} refer to each other through required columns")
        later.add(nullable[0])
    order = [
        table
        for table, _ in sort_tables_and_constraints(
            tables, filter_fn=lambda fkc: True if fkc in later else None
        )
        if table is not None
    ]
    deferred: dict[str, list[str]] = {}
    for fkc in later:
        deferred.setdefault(fkc.table.name, []).extend(c.name for c in fkc.columns)
    return order, deferred


def _revision(connection: Connection) -> str:
    revisions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    found = sorted(revisions)
    if len(found) != 1:
        raise BackupError(
            "the database has no single migration revision: run `studyhub db upgrade` first"
        )
    return found[0]


def _table_rows(connection: Connection, table: Table) -> Iterator[list[Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    statement = select(*(_readable(c) for c in table.columns)).order_by(*order)
    result = connection.execute(statement.execution_options(yield_per=BATCH))
    for partition in result.partitions(BATCH):
        yield from (list(row) for row in partition)


def _write_table(
    connection: Connection, table: Table, out: IO[bytes], *, progress: Progress
) -> int:
    count = 0
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=3, mtime=0) as packed:
        writer = io.TextIOWrapper(packed, encoding="utf-8", newline="\n")
        for row in _table_rows(connection, table):
            writer.write(json.dumps(row, ensure_ascii=False, default=_encode) + "\n")
            count += 1
            if count % BATCH == 0:
                progress.advance(BATCH)
        writer.flush()
        writer.detach()
    progress.advance(count % BATCH)
    return count


def back_up(
    engine: Engine,
    files: FileStore,
    path: Path,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> BackupResult:
    """Write the database's snapshot and every file of ``files`` into the archive ``path``.

    The tables are read before the files, so a file uploaded meanwhile is at most an
    extra (a restore keeps it unused); the archive appears at ``path`` only when
    complete.
    """
    progress = progress or NoProgress()
    writer = ArchiveWriter(path)
    try:
        with units.running(units.Unit.READ):
            connection = _snapshot(engine)
            try:
                manifest = Manifest(
                    app_version=app_version(),
                    revision=_revision(connection),
                    dialect=engine.dialect.name,
                    created_at=now.astimezone(UTC).isoformat(),
                )
                tables = _reflect(connection)
                counts = {
                    t.name: connection.scalar(select(func.count()).select_from(t)) for t in tables
                }
                progress.start("Tables", sum(counts.values()))
                for number, table in enumerate(tables, start=1):
                    member = f"data/{number:03d}-{table.name}.jsonl.gz"
                    sha, rows = writer.add_spooled(
                        member, partial(_write_table, connection, table, progress=progress)
                    )
                    manifest.tables.append(
                        TableEntry(table.name, member, [c.name for c in table.columns], rows, sha)
                    )
                progress.finish()
            finally:
                connection.rollback()
                connection.close()
        listed = list(files.names())
        progress.start("Files", sum(size for _, size in listed))
        for name, size in listed:
            member = f"files/{name}"
            with files.open(name) as stream:
                sha = writer.add_stream(member, stream, size)
            manifest.files.append(FileEntry(name, member, size, sha))
            progress.advance(size)
        progress.finish()
        writer.finish(manifest)
    except BaseException:
        writer.abandon()
        raise
    return BackupResult(path, manifest)
