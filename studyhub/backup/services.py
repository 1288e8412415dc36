"""Backing up and restoring: the database's tables and the uploaded files, one archive.

The design (docs/backups.md): every table is read in ONE repeatable-read
transaction (PostgreSQL ``REPEATABLE READ, READ ONLY``; SQLite a read
transaction, which in WAL mode is a snapshot and never blocks the app's
writers) and written as JSON lines, a row per line, in foreign-key order and
primary-key order. The same archive restores into either database, so moving
from the embedded SQLite to PostgreSQL is a backup and a restore.

A restore checks every checksum before it writes anything, builds the schema of
the archive's migration revision, inserts the rows in batches in one
transaction (checking the counts), resets PostgreSQL's sequences, then runs the
migrations up to the code's head and writes the files. Rows stream through in
batches both ways: memory stays flat whatever the size of the tables.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import IO, Any, Protocol

from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.schema import ForeignKeyConstraint, sort_tables_and_constraints

from studyhub.backup.archive import (
    ArchiveWriter,
    BackupError,
    FileEntry,
    Manifest,
    TableEntry,
    opened,
    verify,
)
from studyhub.backup.files import FileStore
from studyhub.core import units

BATCH = 2000
VERSION_TABLE = "alembic_version"


class Progress(Protocol):
    """What the commands show: a phase with a total, advanced as work is done."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def finish(self) -> None:
        pass


def app_version() -> str:
    try:
        return metadata.version("studyhub")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- values ---------------------------------------------------------------------------------


def _kind(column: Column) -> str:
    """How a column's values travel: by its (reflected) type's generic kind."""
    column_type = column.type
    if isinstance(column_type, sqltypes.JSON):
        return "json"
    if isinstance(column_type, sqltypes.DateTime):
        return "datetime_tz" if column_type.timezone else "datetime"
    if isinstance(column_type, sqltypes.Date):
        return "date"
    if isinstance(column_type, sqltypes.Time):
        return "time"
    if isinstance(column_type, sqltypes.Numeric) and not isinstance(column_type, sqltypes.Float):
        return "decimal"
    if isinstance(column_type, sqltypes.LargeBinary):
        return "binary"
    return "plain"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()  # UTC, as the app stores every instant
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _decoder(kind: str) -> Callable[[Any], Any]:
    if kind == "datetime":
        return datetime.fromisoformat
    if kind == "datetime_tz":
        return lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC)
    if kind == "date":
        return date.fromisoformat
    if kind == "time":
        return time.fromisoformat
    if kind == "decimal":
        return Decimal
    if kind == "binary":
        return base64.b64decode
    if kind == "json":
        return lambda v: JSON.NULL if v == "null" else json.loads(v)
    return lambda v: v


def _readable(column: Column) -> Any:
    """The column as read: JSON as its text (SQL NULL and JSON null stay apart)."""
    if _kind(column) == "json":
        return cast(column, Text).label(column.name)
    return column


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
