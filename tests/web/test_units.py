"""The one edge of every unit of work (web/saving.py) and SQLite writers that queue.

A request commits after its view succeeds and rolls back otherwise; a GET never
writes; flashes of a request whose commit failed are taken back; a database still
busy answers 503; commands and jobs are units too; and on SQLite concurrent write
units wait for each other instead of failing with "database is locked".
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from flask import Blueprint, flash, jsonify, redirect
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from studyhub import create_app
from studyhub.core import units
from studyhub.core.errors import Conflict
from studyhub.core.units import Unit
from studyhub.extensions import db
from studyhub.scheduler.models import JobRun
from studyhub.web.saving import (
    begin_writing,
    command_unit,
    keep_changes,
    run_button,
    unit_of_work,
    writes_on_get,
)
from tests.conftest import NOW, CommittingCliRunner, FreshContextClient

PACKAGE = Path(__file__).resolve().parents[2] / "studyhub"

# The only places that may call ``commit()``, and why.
ALLOWED_COMMITS = {
    # The edge itself: commit_now(), which every request, job and command ends with.
    "studyhub/web/saving.py": 1,
    # PostgreSQL's advisory lock lives on its own connection outside any session and unit
    # of work: each statement there ends its transaction so that the lock is all it holds.
    "studyhub/scheduler/lock.py": 3,
}


def test_only_the_edge_commits():
    """``grep -rn "commit()" studyhub``: the edge helper and the listed exceptions only."""
    found: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        code = [line for line in path.read_text(encoding="utf-8").splitlines()]
        calls = [line for line in code if re.search(r"\bcommit\(\)", line.split("#")[0])]
        calls = [line for line in calls if "``" not in line]  # the docstrings naming it
        if calls:
            found[str(path.relative_to(PACKAGE.parent))] = len(calls)
    assert found == ALLOWED_COMMITS


def test_no_retry_loops_or_raw_write_locks():
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "_retrying" not in source, path
        assert "SET id = id WHERE 1 = 0" not in source, path


# A small app with views that end in every way ------------------------------------------------


def _run(job: str) -> JobRun:
    row = JobRun(job=job, period="p", started_at=NOW)
    db.session.add(row)
    db.session.flush()
    return row


def _edge_views() -> Blueprint:
    bp = Blueprint("edge", __name__, url_prefix="/_edge")

    @bp.post("/ok")
    def ok():
        _run("ok")
        flash("saved", "success")
        return redirect("/healthz")

    @bp.post("/refused")
    def refused_view():
        _run("refused")
        raise Conflict("no")

    @bp.post("/crash")
    def crash():
        _run("crash")
        raise RuntimeError("boom")

    @bp.post("/button")
    def button():
        def work():
            _run("button")
            raise Conflict("Not now.")

        return run_button(work, "done", "/healthz")

    @bp.post("/error-status")
    def error_status():
        _run("error-status")
        return jsonify(saved=False), 409

    @bp.post("/kept")
    def kept():
        _run("kept")
        keep_changes()
        return jsonify(closed=True), 409

    @bp.post("/commit-fails")
    def commit_fails():
        flash("saved", "success")
        db.session.add(JobRun(job="taken", period="p", started_at=NOW))  # fails at commit
        return redirect("/healthz")

    @bp.get("/writes")
    def writes():
        _run("get")
        return "written"

    @bp.get("/pending")
    def pending():
        db.session.add(JobRun(job="pending", period="p", started_at=NOW))
        return "pending"

    @bp.get("/download")
    @writes_on_get
    def download():
        _run("download")
        return "file"

    @bp.get("/first-open")
    def first_open():
        assert units.current() is Unit.READ
        begin_writing()
        _run("first-open")
        return "opened"

    @bp.get("/unit")
    def unit_of_get():
        return units.current().value

    @bp.post("/unit")
    def unit_of_post():
        return units.current().value

    @bp.post("/busy")
    def busy():
        raise OperationalError(
            "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
        )

    return bp


@pytest.fixture(scope="module")
def edge_app(app):
    edge = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PROPAGATE_TEST_ERRORS": False,
        }
    )
    edge.register_blueprint(_edge_views())
    edge.test_client_class = FreshContextClient
    edge.test_cli_runner_class = CommittingCliRunner
    return edge


@pytest.fixture
def edge(edge_app, session):
    return edge_app.test_client()


def runs(session, job: str) -> int:
    return len(session.scalars(select(JobRun).where(JobRun.job == job)).all())


def flashes(client) -> list:
    with client.session_transaction() as sess:
        return list(sess.get("_flashes", []))


def test_a_write_request_commits_after_its_view_succeeds(edge, session):
    assert edge.post("/_edge/ok").status_code == 302
    session.rollback()  # only what was committed stays
    assert runs(session, "ok") == 1
    assert flashes(edge) == [("success", "saved")]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/_edge/refused", 409), ("/_edge/crash", 500), ("/_edge/error-status", 409)],
)
def test_a_write_request_that_fails_rolls_back(edge, session, path, status):
    assert edge.post(path).status_code == status
    assert runs(session, path.rsplit("/", 1)[1]) == 0


def test_a_refused_button_rolls_back_and_says_why(edge, session):
    response = edge.post("/_edge/button")
    assert response.status_code == 302
    assert runs(session, "button") == 0
    assert flashes(edge) == [("error", "Not now.")]


def test_an_error_status_can_keep_what_was_done_on_the_way(edge, session):
    assert edge.post("/_edge/kept").status_code == 409
    assert runs(session, "kept") == 1


def test_flashes_of_a_request_whose_commit_failed_are_taken_back(edge, session):
    session.add(JobRun(job="taken", period="p", started_at=NOW))
    session.flush()
    assert edge.post("/_edge/commit-fails").status_code == 500
    assert flashes(edge) == []


def test_a_get_never_writes(edge, session, caplog):
    """Under testing (STRICT_UNITS) a GET that writes fails loudly: here a 500 and the
    log (the other tests' app lets the error propagate into the test)."""
    assert edge.get("/_edge/writes").status_code == 500
    assert "wrote in a read unit" in caplog.text
    assert edge.get("/_edge/pending").status_code == 500
    assert "left changes pending" in caplog.text
    session.rollback()
    assert runs(session, "get") == runs(session, "pending") == 0


def test_a_get_that_must_write_says_so(edge, session):
    assert edge.get("/_edge/download").get_data(as_text=True) == "file"
    assert edge.get("/_edge/first-open").get_data(as_text=True) == "opened"
    session.rollback()
    assert runs(session, "download") == runs(session, "first-open") == 1


def test_the_unit_is_known_before_the_first_statement(edge):
    assert edge.get("/_edge/unit").get_data(as_text=True) == "read"
    assert edge.post("/_edge/unit").get_data(as_text=True) == "write"
    assert units.current() is None


def test_a_database_still_busy_answers_503_not_500(edge):
    page = edge.post("/_edge/busy")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "try again" in page.get_data(as_text=True).lower() or page.mimetype == "text/html"
    as_json = edge.post("/_edge/busy", json={})
    assert as_json.status_code == 503 and as_json.get_json()["busy"] is True


# Jobs and commands ---------------------------------------------------------------------------


def test_unit_of_work_commits_or_rolls_back(app, session):
    with unit_of_work():
        assert units.is_write()
        _run("job-ok")
    with pytest.raises(RuntimeError), unit_of_work():
        _run("job-crash")
        raise RuntimeError("boom")
    session.rollback()
    assert runs(session, "job-ok") == 1 and runs(session, "job-crash") == 0


def test_a_command_is_one_unit(edge_app, session):
    import click

    @click.command("edge-ok")
    @command_unit
    def ok_command():
        _run("cli-ok")

    @click.command("edge-fails")
    @command_unit
    def failing_command():
        _run("cli-fails")
        click.get_current_context().exit(1)

    edge_app.cli.add_command(ok_command)
    edge_app.cli.add_command(failing_command)
    runner = edge_app.test_cli_runner()
    assert runner.invoke(args=["edge-ok"]).exit_code == 0
    assert runner.invoke(args=["edge-fails"]).exit_code == 1
    session.rollback()
    assert runs(session, "cli-ok") == 1 and runs(session, "cli-fails") == 0


# SQLite: writers queue -----------------------------------------------------------------------


def _bump_concurrently(engine, unit: Unit, writers: int) -> list[str]:
    """Each writer reads the counter, waits a moment, and writes it plus one."""
    errors: list[str] = []
    start = threading.Barrier(writers)

    def writer() -> None:
        start.wait()
        with units.running(unit):
            try:
                with engine.connect() as conn, conn.begin():
                    value = conn.scalar(text("SELECT n FROM counter"))
                    time.sleep(0.02)
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
            except OperationalError as exc:
                errors.append(str(exc.orig))

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def counter_engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'counter.sqlite'}")
    with engine.connect() as conn, conn.begin():
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    engine.dispose()


def test_sqlite_write_units_queue_instead_of_failing(counter_engine):
    """Ten threads read then write at once: with the write lock taken when each unit
    begins (BEGIN IMMEDIATE) they take turns; none fails and no update is lost."""
    errors = _bump_concurrently(counter_engine, Unit.WRITE, 10)
    assert errors == []
    with counter_engine.connect() as conn:
        assert conn.scalar(text("SELECT n FROM counter")) == 10


def test_without_the_write_unit_sqlite_refuses_them(counter_engine):
    """The same work begun as reads (plain BEGIN): those that read before another wrote
    fail at once with "database is locked" (what the edge prevents)."""
    errors = _bump_concurrently(counter_engine, Unit.READ, 10)
    assert errors and all("locked" in error for error in errors)
