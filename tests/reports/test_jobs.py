"""Background exports and the quarter-end export: idempotent jobs, notifications, the CLI."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.notify.models import Message
from studyhub.reports.models import ExportJob
from studyhub.reports.services import closing, export_jobs
from studyhub.scheduler.registry import find_job
from studyhub.scheduler.runner import run_job
from studyhub.web.storage import EXTENSION, LocalStorage
from tests.audit_helpers import assert_in, entries
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import AFTER_Q4, IN_Q4, Q4

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: AFTER_Q4)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    """The exports' folder in the app's storage (a folder here)."""
    monkeypatch.setitem(app.extensions, EXTENSION, LocalStorage(tmp_path))
    return tmp_path / "exports"


def storage_of(folder):
    return LocalStorage(folder.parent)


def jobs(session):
    return list(session.scalars(select(ExportJob).order_by(ExportJob.id)))


def test_the_quarter_end_export_is_queued_once(session, q4):
    # The committee was made in Q4 (the tests' NOW): Q3 had ended before it existed.
    assert export_jobs.queue_quarter_exports(session, now=IN_Q4) == 0
    assert export_jobs.queue_quarter_exports(session, now=AFTER_Q4) == 1
    assert export_jobs.queue_quarter_exports(session, now=AFTER_Q4 + timedelta(days=1)) == 0
    queued = jobs(session)
    assert [(j.year, j.quarter, j.dedupe_key) for j in queued] == [
        (2026, 4, f"scores-quarter-end:{q4.committee.id}:2026Q4"),
    ]
    assert all(j.unit_id == q4.committee.id and j.requested_by_id is None for j in queued)


def test_a_committee_created_after_the_quarter_gets_no_export(session, make):
    make.committee("新党委")  # created on 20 November 2026 (the tests' NOW)
    assert export_jobs.queue_quarter_exports(session, now=at(2026, 11, 25)) == 0


def test_running_jobs_produces_each_once_and_tells_staff(session, q4, folder):
    helpers.study(session, q4.a1, q4.dailies[0], at(2026, 10, 5, 3))
    export_jobs.queue_quarter_exports(session, now=AFTER_Q4)
    assert export_jobs.run_export_jobs(session, now=AFTER_Q4, storage=storage_of(folder)) == 1
    assert export_jobs.run_export_jobs(session, now=AFTER_Q4, storage=storage_of(folder)) == 0
    (job,) = jobs(session)
    assert (job.state, job.rows) == ("done", 6)
    workbook = load_workbook(folder / job.stored_name)
    assert workbook.sheetnames == ["党员得分", "支部汇总"]
    assert list(folder.iterdir()) == [folder / job.stored_name]
    messages = list(session.scalars(select(Message).where(Message.kind == "reports.export_ready")))
    assert [m.user_id for m in messages] == [q4.staff.user_id]
    assert messages[0].link == f"/reports/exports/{job.id}"
    assert "2026Q4" in messages[0].subject


def test_a_failed_export_is_recorded_not_raised(session, q4, folder, monkeypatch):
    export_jobs.request_export(
        session, q4.committee, q4.committee, Q4, "csv", by=q4.staff.user, now=AFTER_Q4
    )

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_jobs, "export_scores", broken)
    assert export_jobs.run_export_jobs(session, now=AFTER_Q4, storage=storage_of(folder)) == 1
    (job,) = jobs(session)
    assert job.state == "failed" and job.error == "RuntimeError: disk full"
    assert not folder.exists() or not any(folder.iterdir())


def test_asking_twice_gives_the_same_job(session, q4):
    first = export_jobs.request_export(
        session, q4.committee, q4.branch_a, Q4, "xlsx", by=q4.staff.user, now=AFTER_Q4
    )
    again = export_jobs.request_export(
        session, q4.committee, q4.branch_a, Q4, "xlsx", by=q4.staff.user, now=AFTER_Q4
    )
    other = export_jobs.request_export(
        session, q4.committee, q4.branch_a, Q4, "csv", by=q4.staff.user, now=AFTER_Q4
    )
    assert first.id == again.id != other.id


def test_the_scheduler_runs_the_registered_jobs(app, session, q4, folder):
    run_job(app, find_job("reports.queue_quarter_exports", app.config), now=AFTER_Q4)
    again = run_job(app, find_job("reports.queue_quarter_exports", app.config), now=AFTER_Q4)
    assert not again.ran  # once per day
    outcome = run_job(app, find_job("reports.run_export_jobs", app.config), now=AFTER_Q4)
    assert outcome.result == 1
    assert [j.state for j in jobs(session)] == ["done"]


def test_a_large_unit_is_exported_in_the_background(app, client, login, session, q4, folder,
                                                    monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_MEMBERS", 3)
    login(q4.staff.user)
    response = client.get(f"/reports/units/{q4.committee.id}/scores/2026Q4.csv")
    assert response.status_code == 302
    (job,) = jobs(session)
    assert response.headers["Location"].endswith(f"/reports/exports/{job.id}")
    page = client.get(f"/reports/exports/{job.id}")
    assert "being made in the background" in page.text
    assert client.get(f"/reports/exports/{job.id}/file").status_code == 404
    # A branch of three is small enough to download at once.
    direct = client.get(f"/reports/units/{q4.branch_b.id}/scores/2026Q4.csv")
    assert direct.status_code == 200

    export_jobs.run_export_jobs(session, now=AFTER_Q4, storage=storage_of(folder))
    page = client.get(f"/reports/exports/{job.id}")
    assert "Ready: 6 members." in page.text
    download = client.get(f"/reports/exports/{job.id}/file")
    data = download.data
    download.close()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 7
    assert (
        session.scalar(select(func.count(Message.id)).where(Message.user_id == q4.staff.user_id))
        == 1
    )

    login(q4.secretary_b.user)
    assert client.get(f"/reports/exports/{job.id}").status_code == 403
    assert client.get(f"/reports/exports/{job.id}/file").status_code == 403


# The command ----------------------------------------------------------------------------------


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["export-scores", *args])


def test_export_scores_command_writes_xlsx_and_csv(session, q4, cli, tmp_path):
    path = tmp_path / "q4.xlsx"
    result = cli("--quarter", "2026Q4", "--committee", str(q4.committee.id), "-o", str(path))
    assert result.exit_code == 0, result.output
    assert "6 members written" in result.output
    assert load_workbook(path)["党员得分"].max_row == 7

    path = tmp_path / "b.csv"
    result = cli("--quarter", "2026Q4", "--branch", str(q4.branch_b.id), "--format", "csv",
                 "-o", str(path))  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert [row[4] for row in rows[1:]] == ["乙书记", "李一"]
    assert {row[3] for row in rows[1:]} == {"第二支部"}
    # Each file taken out is in the audit log, without an actor (no one signed in).
    taken = entries(session, "export.downloaded")
    assert [(e.actor_id, e.details) for e in taken] == [
        (None, {"export": "scores", "file": name, "quarter": "2026Q4", "command": "export-scores"})
        for name in ("q4.xlsx", "b.csv")
    ]
    assert_in(taken[0], q4.committee)
    assert_in(taken[1], q4.branch_b)


def test_export_scores_command_reads_a_closed_quarter(session, q4, cli, tmp_path):
    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    q4.a1.user.name = "改名"
    session.flush()
    path = tmp_path / "q4.csv"
    result = cli("--quarter", "2026Q4", "--committee", str(q4.committee.id), "-o", str(path))
    assert result.exit_code == 0, result.output
    names = [row[4] for row in csv.reader(io.StringIO(path.read_text("utf-8-sig")))]
    assert "张一" in names and "改名" not in names


def test_export_scores_command_refuses_bad_options(session, q4, make, cli, tmp_path):
    out = str(tmp_path / "x.xlsx")
    result = cli("--quarter", "2026Q5", "--committee", str(q4.committee.id), "-o", out)
    assert result.exit_code == 2 and "not a quarter like 2026Q4" in result.output
    result = cli("--quarter", "2026Q4", "--branch", "999999", "-o", out)
    assert result.exit_code == 2 and "no branch with id 999999" in result.output
    other = make.committee("另一个党委")
    result = cli("--quarter", "2026Q4", "--branch", str(q4.branch_a.id), "--committee",
                 str(other.id), "-o", out)  # fmt: skip
    assert result.exit_code == 2 and "is not in committee" in result.output
    result = cli("--quarter", "2026Q4", "-o", out)
    assert result.exit_code == 2 and "give --committee or --branch" in result.output
