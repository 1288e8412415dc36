"""Backup and restore: round trips on each database, damaged archives, refusals, the nightly job.

Each test builds its own apps on their own databases (a backup reads committed
data through its own connection, and a restore drops and rebuilds the schema), so
nothing here uses the shared rolled-back ``session``. On PostgreSQL the databases
are ``<test database>_bk_src`` and ``_bk_dst``, made when missing.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from studyhub import create_app
from studyhub.backup.archive import MANIFEST
from studyhub.backup.files import StoredFiles
from studyhub.backup.services import back_up, drop_tables
from studyhub.demo import load_demo
from studyhub.extensions import db
from studyhub.org import services as org
from studyhub.scheduler.models import JobRun
from studyhub.scheduler.registry import find_job
from studyhub.scheduler.runner import run_job
from studyhub.web.storage import current_storage
from tests.conftest import DATABASES, NOW
from tests.s3server import Bucket, bucket, s3_server  # noqa: F401

FILES = {
    "1/aa.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    "meetings/1/minutes.pdf": b"%PDF-1.4 minutes",
    "quiz-media/3/sound.mp3": os.urandom(300_000),
}


def database(kind: str, tmp_path: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite')}"
    url = make_url(os.environ["STUDYHUB_TEST_DATABASE_URL"])
    wanted = f"{url.database}_bk_{name}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": wanted}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{wanted}"'))
    engine.dispose()
    return url.set(database=wanted).render_as_string(hide_password=False)


def make_app(kind: str, tmp_path: Path, name: str, **settings: Any) -> Flask:
    """An app on an empty database ``name`` with its own uploads folder."""
    settings.setdefault("UPLOAD_FOLDER", str(tmp_path / name / "uploads"))
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database(kind, tmp_path, name),
            "BACKUP_FOLDER": str(tmp_path / name / "backups"),
            **settings,
        }
    )
    with app.app_context():
        drop_tables(db.engine)
        db.engine.dispose()
    return app


def counts(app: Flask) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        found = {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    return found


def normal(value: Any) -> Any:
    """A value as both databases give it back: instants aware in UTC, numbers as Decimal."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def contents(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with app.app_context(), db.engine.connect() as connection:
        return {
            table.name: [
                tuple(normal(v) for v in row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }


def checksums(app: Flask) -> dict[str, str]:
    with app.app_context():
        storage = current_storage()
        return {
            f.key: hashlib.sha256(storage.read_bytes(f.key)).hexdigest() for f in storage.list()
        }


def cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture(scope="module", params=DATABASES)
def source(request, tmp_path_factory) -> Iterator[tuple[Flask, Path]]:
    """An app with the demo organisation and a few uploaded files, and its backup."""
    tmp_path = tmp_path_factory.mktemp(f"backup-{request.param}")
    app = make_app(request.param, tmp_path, "src")
    with app.app_context():
        upgrade()
        load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
        db.session.commit()
        for key, data in FILES.items():
            current_storage().save(key, data)
    archive = tmp_path / "backup.tar"
    result = cli(app, "backup", "-o", str(archive))
    assert result.exit_code == 0, result.output
    assert "tables" in result.output
    yield app, archive
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def target(request, source, tmp_path) -> Iterator[Flask]:
    """An app on an empty database of the same kind as the source."""
    app, _ = source
    kind = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]
    made = make_app("sqlite" if kind == "sqlite" else "postgresql", tmp_path, "dst")
    yield made
    with made.app_context():
        db.engine.dispose()


def test_round_trip_into_an_empty_database_keeps_every_row_and_file(source, target):
    app, archive = source
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    assert counts(target) == counts(app)
    assert sum(counts(app).values()) > 1000
    assert contents(target) == contents(app)
    # every file comes back byte for byte: the test's own and the demo's (its PDF, its video)
    assert checksums(target) == checksums(app)
    expected = {key: hashlib.sha256(data).hexdigest() for key, data in FILES.items()}
    assert expected.items() <= checksums(target).items()
    assert len(checksums(target)) > len(expected)
    with target.app_context():  # new rows get new ids (PostgreSQL's sequences were moved on)
        committee = org.create_committee(db.session, "新党委", now=NOW, timezone="Asia/Shanghai")
        db.session.flush()
        assert committee.id > max(row[0] for row in contents(app)["org_unit"])
        db.session.rollback()
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[-1] == MANIFEST
    assert {f"files/{key}" for key in FILES} <= set(names)
    assert revision == inspect_revision(app)


def inspect_revision(app: Flask) -> str:
    with app.app_context(), db.engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def flip_byte(archive: Path, member: str, copy: Path, at: int = 10) -> Path:
    """A copy of ``archive`` with one byte of ``member``'s content changed."""
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    data = bytearray(archive.read_bytes())
    data[offset + at] ^= 0xFF
    copy.write_bytes(bytes(data))
    return copy


@pytest.mark.parametrize(
    "member", ["data", "files/quiz-media/3/sound.mp3"], ids=["table", "uploaded file"]
)
def test_a_changed_byte_restores_nothing_and_names_the_part(source, target, tmp_path, member):
    app, archive = source
    if member == "data":
        with tarfile.open(archive) as tar:
            member = next(n for n in tar.getnames() if n.endswith("-member.jsonl.gz"))
    damaged = flip_byte(archive, member, tmp_path / "damaged.tar")
    result = cli(target, "restore", str(damaged))
    assert result.exit_code != 0
    assert f"{member}: checksum differs" in result.output
    assert "nothing was restored" in result.output
    with target.app_context():
        assert inspect(db.engine).get_table_names() == []
        assert list(current_storage().list()) == []


def test_a_truncated_archive_restores_nothing(source, target, tmp_path):
    _, archive = source
    with tarfile.open(archive) as tar:
        inside_the_manifest = tar.getmember(MANIFEST).offset_data + 100
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[:inside_the_manifest])
    result = cli(target, "restore", str(cut))
    assert result.exit_code != 0
    assert "manifest.json" in result.output or "not a readable tar" in result.output
    with target.app_context():
        assert inspect(db.engine).get_table_names() == []


def test_a_database_with_rows_is_refused_unless_forced(source, target):
    app, archive = source
    with target.app_context():
        upgrade()
        org.create_committee(db.session, "已有党委", now=NOW, timezone="Asia/Shanghai")
        db.session.commit()
    refused = cli(target, "restore", str(archive))
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    assert counts(target)["org_unit"] == 1

    forced = cli(target, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert counts(target) == counts(app)


def test_an_empty_schema_is_an_empty_database(source, target):
    app, archive = source
    with target.app_context():
        upgrade()  # `studyhub db upgrade` run first: tables, no rows
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert counts(target) == counts(app)


def test_an_archive_at_an_older_revision_is_upgraded(source, target, tmp_path):
    app, _ = source
    kind = "sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "postgresql"
    old = make_app(kind, tmp_path, "old")
    try:
        with old.app_context():
            scripts = ScriptDirectory(old.extensions["migrate"].directory)
            head = scripts.get_current_head()
            previous = scripts.get_revision(head).down_revision
            upgrade(revision=previous)
            with db.engine.begin() as connection:  # rows as that revision's schema has them
                connection.execute(
                    text(
                        "INSERT INTO org_unit (id, kind, name, path, timezone, is_active, "
                        "created_at) VALUES "
                        "(1, 'committee', '旧党委', '/1/', 'Asia/Shanghai', true, :at)"
                    ),
                    {"at": NOW},
                )
            engine = db.engine
            archive = tmp_path / "old.tar"
            back_up(engine, StoredFiles(current_storage()), archive, now=NOW)
            engine.dispose()
    finally:
        with old.app_context():
            db.engine.dispose()
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert f"Upgraded from revision {previous} to {head}" in result.output
    assert inspect_revision(target) == head
    assert counts(target)["org_unit"] == 1


def test_sqlite_to_postgresql(source, tmp_path):
    """Moving up from the embedded database: a SQLite backup restores into PostgreSQL."""
    app, archive = source
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the SQLite source's archive")
    if "postgresql" not in DATABASES:
        pytest.skip("needs STUDYHUB_TEST_DATABASE_URL")
    target = make_app("postgresql", tmp_path, "dst")
    try:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert counts(target) == counts(app)
        assert contents(target) == contents(app)
        assert checksums(target) == checksums(app)
    finally:
        with target.app_context():
            db.engine.dispose()


def test_files_in_a_bucket_are_backed_up_and_restored_into_a_folder(
    source,
    tmp_path,
    bucket: Bucket,  # noqa: F811
):
    app, _ = source
    kind = "sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "postgresql"
    in_bucket = make_app(kind, tmp_path, "dst", **bucket.settings())
    with in_bucket.app_context():
        upgrade()
        for key, data in FILES.items():
            current_storage().save(key, data)
    archive = tmp_path / "bucket.tar"
    result = cli(in_bucket, "backup", "-o", str(archive))
    assert result.exit_code == 0, result.output
    with in_bucket.app_context():
        db.engine.dispose()
    folder = make_app(kind, tmp_path, "dst")
    result = cli(folder, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert checksums(folder) == {k: hashlib.sha256(v).hexdigest() for k, v in FILES.items()}
    with folder.app_context():
        db.engine.dispose()


def test_the_nightly_job_runs_once_a_night_and_keeps_the_newest(source, target):
    app, _ = source
    app.config["BACKUP_KEEP"] = 2
    folder = Path(app.config["BACKUP_FOLDER"])
    job = find_job("backup.nightly", app.config)
    nights = [NOW + timedelta(days=d) for d in range(4)]
    try:
        first = run_job(app, job, now=nights[0])
        assert first.ran and "rows" in str(first.result)
        again = run_job(app, job, now=nights[0] + timedelta(hours=3))
        assert not again.ran
        forced = run_job(app, job, now=nights[0] + timedelta(hours=3), force=True)
        assert "already made" in str(forced.result)
        assert [p.name for p in folder.iterdir()] == ["studyhub-backup-2026-11-20.tar"]
        for night in nights[1:]:
            assert run_job(app, job, now=night).ran
    finally:
        app.config["BACKUP_KEEP"] = 7
    assert sorted(p.name for p in folder.iterdir()) == [
        "studyhub-backup-2026-11-22.tar",
        "studyhub-backup-2026-11-23.tar",
    ]
    with app.app_context():
        runs = db.session.scalars(select(JobRun.period).where(JobRun.job == job.name)).all()
        db.session.execute(JobRun.__table__.delete())  # the source's counts stay the demo's
        db.session.commit()
    assert sorted(runs) == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    newest = folder / "studyhub-backup-2026-11-23.tar"
    result = cli(target, "restore", str(newest))
    assert result.exit_code == 0, result.output
    assert counts(target)["member"] == counts(app)["member"]
