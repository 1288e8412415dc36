"""What an operator relies on: cache-safe static URLs, readiness, request ids and logs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask, url_for
from sqlalchemy import text

from studyhub import create_app
from studyhub.web import ops
from studyhub.web.ops import register_ops


def test_static_urls_carry_a_hash_of_the_file(app: Flask) -> None:
    content = (Path(app.static_folder) / "css" / "app.css").read_bytes()
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
        missing = url_for("static", filename="css/no-such-file.css")
    assert url == f"/static/css/app.css?v={hashlib.sha256(content).hexdigest()[:12]}"
    assert missing == "/static/css/no-such-file.css"


def test_pages_link_the_versioned_stylesheet(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]{12}"', page)


def test_a_new_file_gets_a_new_url(app: Flask, tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "x.css").write_text("a{}")
    other = Flask("studyhub", static_folder=str(static))
    register_ops(other)
    with other.test_request_context():
        first = url_for("static", filename="x.css")
        (static / "x.css").write_text("a{color:red}")
        second = url_for("static", filename="x.css")
    assert first != second


def test_ready_when_the_database_is_at_the_migrations_head(app: Flask, client) -> None:
    heads = ops.installed_migrations(app).heads
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "revision": ",".join(heads)}
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").json == {"status": "ok"}


def test_not_ready_without_migrations(client, session) -> None:
    session.execute(text("DELETE FROM alembic_version"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["reason"] == "migrations"
    assert "studyhub db upgrade" in response.json["detail"]
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_not_ready_when_the_database_is_behind(app: Flask, client, session) -> None:
    head = ops.installed_migrations(app).heads[0]
    previous = ScriptDirectory(app.extensions["migrate"].directory).get_revision(head).down_revision
    session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["reason"] == "migrations"
    assert f"at {previous}, behind {head}" in response.json["detail"]


def test_not_ready_when_newer_code_upgraded_the_database(client, session) -> None:
    session.execute(text("UPDATE alembic_version SET version_num = 'fffffffffff0'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "do not know" in response.json["detail"]


def test_a_fresh_database_is_not_ready(tmp_path: Path) -> None:
    fresh = create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.sqlite'}"}
    )
    response = fresh.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["reason"] == "migrations"
    assert "no migrations applied" in response.json["detail"]


def test_not_ready_when_the_database_does_not_answer() -> None:
    down = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://studyhub:secret@127.0.0.1:1/none",
        }
    )
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "status": "not ready",
        "reason": "database",
        "detail": "the database does not answer (OperationalError)",
    }
