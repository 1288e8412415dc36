"""The registry's jobs: each resolves, each runs twice with one effect; the runner's periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.demo import load_demo
from studyhub.extensions import db
from studyhub.notify.models import DeliveryStatus, EmailDelivery, Message
from studyhub.readings.models import LeadAssignment, LeadRotaEntry, Reading
from studyhub.scheduler.models import JobRun
from studyhub.scheduler.registry import JOBS, Job, find_job, jobs_for
from studyhub.scheduler.runner import run_job
from tests.conftest import NOW
from tests.notify.fake_smtp import running_smtp_server

TZ = "Asia/Shanghai"
NAMES = [
    "readings.assign_lead_readers",
    "readings.remind_cross_rota",
    "readings.notify_daily_reading",
    "notify.deliver_outbox",
    "readings.post_not_studied",
    "notify.deliver_channels",
    "notify.deliver_sms",
    "quizzes.submit_expired_attempts",
    "plans.remind_due_plans",
    "reports.run_export_jobs",
    "reports.snapshot_competitions",
    "reports.queue_quarter_exports",
    "live.write_ended_lessons",
    "meetings.remind_missing_meetings",
    "meetings.send_notices",
    "meetings.send_reminders",
    "meetings.review_digest",
    "accounts.purge_old_logins",
    "readings.purge_old_read_events",
    "quizzes.purge_old_reviews",
    "backup.nightly",
]


def row_counts(session) -> dict[str, int]:
    """Rows per table: a job's whole effect on the database, in one snapshot."""
    session.flush()
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- the registry -----------------------------------------------------------------------


def test_every_job_is_listed_once_with_a_trigger_and_a_grace(app):
    assert [job.name for job in JOBS] == NAMES
    for job in JOBS:
        assert find_job(job.name, app.config) is job
        assert callable(job.function)
        assert job.misfire_grace >= timedelta(minutes=10)
        trigger = job.trigger(app.config["SCHEDULER_TIMEZONE"])
        assert trigger.get_next_fire_time(None, NOW) >= NOW
    with pytest.raises(KeyError):
        find_job("scheduler.heartbeat", app.config)


def test_daily_jobs_fire_at_local_times_and_are_once_per_day():
    assign = find_job("readings.assign_lead_readers", {})
    notify = find_job("readings.notify_daily_reading", {})
    outbox = find_job("notify.deliver_outbox", {})
    # 2026-11-20 02:30 UTC is 10:30 in Shanghai: the next runs are tomorrow 00:10 and 07:30.
    assert assign.trigger(TZ).get_next_fire_time(None, NOW).astimezone(UTC) == datetime(
        2026, 11, 20, 16, 10, tzinfo=UTC
    )
    assert notify.trigger(TZ).get_next_fire_time(None, NOW).astimezone(UTC) == datetime(
        2026, 11, 20, 23, 30, tzinfo=UTC
    )
    assert outbox.trigger(TZ).get_next_fire_time(None, NOW) - NOW <= timedelta(minutes=1)
    assert assign.period(NOW, TZ) == notify.period(NOW, TZ) == "2026-11-20"
    # 17:00 UTC is already the next day in Shanghai
    assert assign.period(datetime(2026, 11, 20, 17, tzinfo=UTC), TZ) == "2026-11-21"
    assert outbox.period(NOW, TZ) is None


def test_a_restart_within_the_grace_catches_up_a_missed_daily_run():
    assign = find_job("readings.assign_lead_readers", {})
    notify = find_job("readings.notify_daily_reading", {})
    outbox = find_job("notify.deliver_outbox", {})
    six_am = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)  # 06:00 on 11-20 in Shanghai
    assert assign.missed_run(six_am, TZ) == datetime(2026, 11, 19, 16, 10, tzinfo=UTC)
    assert notify.missed_run(six_am, TZ) is None  # yesterday's 07:30 is too long ago
    nine_am = six_am + timedelta(hours=3)
    assert notify.missed_run(nine_am, TZ) == datetime(2026, 11, 19, 23, 30, tzinfo=UTC)
    evening = six_am + timedelta(hours=14)  # 20:00: both are past their grace
    assert assign.missed_run(evening, TZ) is None
    assert notify.missed_run(evening, TZ) is None
    assert outbox.missed_run(six_am, TZ) is None


def test_the_test_heartbeat_is_added_only_when_asked():
    assert "scheduler.heartbeat" not in [j.name for j in jobs_for({})]
    heartbeat = find_job("scheduler.heartbeat", {"SCHEDULER_TEST_INTERVAL": 2})
    assert heartbeat.cron == {"second": "*/2"}
    assert heartbeat.period(NOW, TZ) == "2026-11-20T02:30:00"


# --- every job twice, one effect -------------------------------------------------------


def test_every_job_runs_twice_on_an_empty_database_with_one_effect(app, session):
    for job in JOBS:
        run_job(app, job, now=NOW)
        after_first = row_counts(session)
        job.function(session, NOW, app.config)  # again, past the JobRun guard
        run_job(app, job, now=NOW, force=True)
        assert row_counts(session) == after_first, job.name


@pytest.fixture
def demo_org(session, make):
    """Two branches with rotas, members (some with e-mail) and today's reading."""
    committee = make.committee()
    members = []
    for b in range(2):
        branch = make.branch(committee)
        for i in range(3):
            member = make.member(branch)
            if i < 2:
                member.user.email = f"b{b}m{i}@example.org"
            session.add(LeadRotaEntry(branch_id=branch.id, member_id=member.id, position=i))
            members.append(member)
    session.add(
        Reading(
            committee_id=committee.id,
            title="今日一读：学习党章",
            summary="认真学习党章",
            daily_on=clock.local_date(NOW, TZ),
            published_at=NOW - timedelta(hours=3),
            created_at=NOW - timedelta(days=1),
            updated_at=NOW - timedelta(days=1),
        )
    )
    session.flush()
    return committee, members


def test_every_job_runs_twice_on_an_organisation_with_one_effect(
    app, session, demo_org, monkeypatch
):
    committee, members = demo_org
    with running_smtp_server() as smtp:
        host, port = smtp.server_address
        monkeypatch.setitem(app.config, "SMTP_HOST", host)
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        for job in JOBS:
            first = run_job(app, job, now=NOW)
            assert first.ran
            after_first = row_counts(session)
            job.function(session, NOW, app.config)
            run_job(app, job, now=NOW)
            assert row_counts(session) == after_first, job.name
        mails = len(smtp.received)
    branch_ids = {m.branch_id for m in members}
    assert count(session, LeadAssignment, LeadAssignment.branch_id.in_(branch_ids)) == 2
    user_ids = [m.user_id for m in members]
    assert count(session, Message, Message.user_id.in_(user_ids)) == len(members)
    sent = session.scalars(select(EmailDelivery.status)).all()
    assert sent == [DeliveryStatus.SENT] * 4
    assert mails == 4


def test_jobs_run_twice_on_the_demo_with_one_effect(app, session):
    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    now = clock.now_utc()
    for job in JOBS:
        run_job(app, job, now=now)
        after_first = row_counts(session)
        job.function(session, now, app.config)
        assert row_counts(session) == after_first, job.name


# --- the runner -------------------------------------------------------------------------


def test_a_once_a_day_job_runs_once_per_day(app, session):
    calls = []
    job = Job("test.daily", lambda s, now, config: calls.append(now) or len(calls), once_per="day")
    first = run_job(app, job, now=NOW)
    second = run_job(app, job, now=NOW + timedelta(hours=2))
    tomorrow = run_job(app, job, now=NOW + timedelta(days=1))
    assert (first.ran, second.ran, tomorrow.ran) == (True, False, True)
    assert first.describe() == "test.daily: ran for 2026-11-20: 1"
    assert second.describe() == "test.daily: already ran for 2026-11-20, skipped"
    assert len(calls) == 2
    runs = session.execute(
        select(JobRun.period, JobRun.finished_at).where(JobRun.job == "test.daily")
    ).all()
    assert sorted(r.period for r in runs) == ["2026-11-20", "2026-11-21"]
    assert all(r.finished_at is not None for r in runs)
    forced = run_job(app, job, now=NOW, force=True)
    assert forced.ran and len(calls) == 3
    assert count(session, JobRun, JobRun.job == "test.daily") == 2


def test_a_failing_job_leaves_nothing_behind(app, session, make):
    user = make.member().user

    def broken(s, now, config):
        s.add(Message(user_id=user.id, kind="k", subject="half", created_at=now))
        s.flush()
        raise RuntimeError("boom")

    job = Job("test.broken", broken, once_per="day")
    with pytest.raises(RuntimeError):
        run_job(app, job, now=NOW)
    assert count(session, JobRun, JobRun.job == "test.broken") == 0
    assert count(session, Message, Message.user_id == user.id) == 0
    ok = Job("test.broken", lambda s, now, config: "fine", once_per="day")
    assert run_job(app, ok, now=NOW).ran


def test_a_job_without_a_period_records_no_runs(app, session):
    calls = []
    job = Job("test.every", lambda s, now, config: calls.append(1))
    run_job(app, job, now=NOW)
    run_job(app, job, now=NOW)
    assert len(calls) == 2
    assert count(session, JobRun, JobRun.job == "test.every") == 0


# --- the command ------------------------------------------------------------------------


def test_scheduler_once_runs_a_job_and_says_what_it_did(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler", "--once", "readings.assign_lead_readers"])
    assert result.exit_code == 0, result.output
    period = clock.local_date(clock.now_utc(), TZ).isoformat()
    assert f"readings.assign_lead_readers: ran for {period}: 0" in result.output
    again = runner.invoke(args=["scheduler", "--once", "readings.assign_lead_readers"])
    assert f"already ran for {period}, skipped" in again.output
    forced = runner.invoke(args=["scheduler", "--once", "readings.assign_lead_readers", "--force"])
    assert f"readings.assign_lead_readers: ran for {period}" in forced.output


def test_scheduler_once_refuses_an_unknown_job(app, session):
    result = app.test_cli_runner().invoke(args=["scheduler", "--once", "nope"])
    assert result.exit_code == 2
    assert "no job 'nope'" in result.output and "notify.deliver_outbox" in result.output


def test_scheduler_list_shows_every_job(app, session):
    result = app.test_cli_runner().invoke(args=["scheduler", "--list"])
    assert result.exit_code == 0
    for name in NAMES:
        assert name in result.output
    assert "hour=7 minute=30" in result.output
