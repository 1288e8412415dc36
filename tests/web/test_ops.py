"""What an operator relies on: cache-safe static URLs, readiness, request ids and logs."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask, current_app, url_for
from sqlalchemy import text

from studyhub import create_app
from studyhub.config import ConfigError
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


def test_every_response_says_its_request_id(client) -> None:
    first = client.get("/login").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


def test_the_proxys_request_id_is_kept_when_sane(client) -> None:
    nginx_id = "5f0c3f6a2b9d4e7f8a1b2c3d4e5f6a7b"
    assert (
        client.get("/healthz", headers={"X-Request-ID": nginx_id}).headers["X-Request-ID"]
        == nginx_id
    )
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" level=ERROR'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


@pytest.fixture
def json_app(tmp_path: Path) -> Iterator[tuple[Flask, io.StringIO]]:
    """An app with LOG_FORMAT=json whose log lines go to a string, and a page that logs."""
    level = logging.getLogger("studyhub").level
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'logs.sqlite'}",
            "LOG_FORMAT": "json",
        }
    )

    def noisy():
        logging.getLogger("studyhub.readings").info("reading %s opened", 7)
        current_app.logger.warning("slow answer")
        return "ok"

    app.add_url_rule("/_noisy", "noisy", noisy)
    lines = io.StringIO()
    handler = ops.configure_json_logs(app, stream=lines)
    try:
        yield app, lines
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("studyhub").setLevel(level)


def test_json_logs_carry_the_request_id_on_every_line(json_app) -> None:
    app, lines = json_app
    response = app.test_client().get("/_noisy", headers={"X-Request-ID": "nginx-42"})
    assert response.headers["X-Request-ID"] == "nginx-42"
    entries = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [(e["logger"], e["level"], e["message"]) for e in entries] == [
        ("studyhub.readings", "INFO", "reading 7 opened"),
        ("studyhub", "WARNING", "slow answer"),
        ("studyhub.request", "INFO", "GET /_noisy 200"),
    ]
    assert {e["request_id"] for e in entries} == {"nginx-42"}
    access = entries[-1]
    assert access["method"] == "GET" and access["path"] == "/_noisy" and access["status"] == 200
    assert access["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", access["time"])


def test_json_logs_leave_out_successful_probes(json_app) -> None:
    app, lines = json_app
    client = app.test_client()
    client.get("/healthz")
    client.get("/readyz")  # a database without migrations: 503, logged
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [(e["path"], e["status"]) for e in logged if "path" in e] == [("/readyz", 503)]


def test_json_log_lines_outside_requests_and_with_errors(json_app) -> None:
    _, lines = json_app
    log = logging.getLogger("studyhub.scheduler")
    log.info("job ran")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("job failed")
    first, second = (json.loads(line) for line in lines.getvalue().splitlines())
    assert first["request_id"] is None and first["message"] == "job ran"
    assert "RuntimeError: boom" in second["exception"]


def test_an_unknown_log_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        create_app(
            {
                "ENV_NAME": "testing",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                "LOG_FORMAT": "xml",
            }
        )
