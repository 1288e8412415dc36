"""Every scheduled job: what it runs, when (cron in ``SCHEDULER_TIMEZONE``) and how often at most.

A job's function takes the session, ``now`` and the app's config, and returns
something to report (usually how many rows it touched). Jobs are idempotent by
their own unique keys; a job with ``once_per`` is also recorded as a
``JobRun`` for its period, so a second run in the same period is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from sqlalchemy.orm import Session

from studyhub.accounts import jobs as accounts_jobs
from studyhub.backup import jobs as backup_jobs
from studyhub.backup.files import StoredFiles
from studyhub.core.clock import local_date
from studyhub.extensions import db
from studyhub.live import jobs as live_jobs
from studyhub.meetings import jobs as meetings_jobs
from studyhub.meetings import notices as meeting_notices
from studyhub.notify import jobs as notify_jobs
from studyhub.notify.mail import SmtpSettings, mail_enabled
from studyhub.notify.sms import provider_from_config, sms_enabled
from studyhub.plans import jobs as plans_jobs
from studyhub.quizzes import jobs as quizzes_jobs
from studyhub.readings import jobs as readings_jobs
from studyhub.readings.services import reminders as study_reminders
from studyhub.reports import jobs as reports_jobs
from studyhub.web.saving import commit_now
from studyhub.web.storage import current_storage

JobFunction = Callable[[Session, datetime, Mapping[str, Any]], Any]

DAILY_GRACE = timedelta(hours=8)


@dataclass(frozen=True)
class Job:
    """One scheduled job.

    ``cron`` holds APScheduler ``CronTrigger`` fields, read in the scheduler's
    time zone. ``once_per`` ("day" or "second") names the period a run
    counts for; ``None`` means every run is wanted (the outbox). A run missed
    by less than ``misfire_grace`` (the process was down) still happens once:
    late runs coalesce into one.
    """

    name: str
    function: JobFunction
    cron: Mapping[str, str] = field(default_factory=dict)
    once_per: str | None = None
    misfire_grace: timedelta = DAILY_GRACE
    description: str = ""

    def trigger(self, timezone: str) -> CronTrigger:
        return CronTrigger(timezone=ZoneInfo(timezone), **self.cron)

    def period(self, now: datetime, timezone: str) -> str | None:
        """The key of the period ``now`` falls in, or ``None`` for jobs without periods."""
        if self.once_per == "day":
            return local_date(now, timezone).isoformat()
        if self.once_per == "second":
            return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return None

    def missed_run(self, now: datetime, timezone: str) -> datetime | None:
        """The last time this job was due within its grace before ``now``, if any.

        The scheduler keeps no state across restarts; at start it uses this to
        run a once-per-period job that fell due while no scheduler was up (a
        restart at 06:00 still assigns the day's lead readers). Its ``JobRun``
        makes that a no-op when the run had happened after all.
        """
        if self.once_per is None:
            return None
        trigger = self.trigger(timezone)
        zone = ZoneInfo(timezone)
        start = (now - self.misfire_grace).astimezone(zone)
        due = trigger.get_next_fire_time(None, start)
        last = None
        while due is not None and due <= now:
            last = due
            due = trigger.get_next_fire_time(due, due + timedelta(microseconds=1))
        return last


def _assign_lead_readers(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.assign_lead_readers(session, now=now)


def _remind_cross_rota(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.remind_cross_rota(session, now=now)


def _notify_daily_reading(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.notify_daily_reading(
        session, now=now, email=mail_enabled(config), sms=sms_enabled(config)
    )


def _deliver_outbox(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return notify_jobs.deliver_outbox(
        session, now=now, smtp_settings=SmtpSettings.from_config(config)
    )


def _post_not_studied(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return study_reminders.post_not_studied(session, now=now)


def _deliver_channels(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return notify_jobs.deliver_channels(session, now=now, base_url=config.get("BASE_URL"))


def _deliver_sms(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return notify_jobs.deliver_sms(
        session, now=now, provider=provider_from_config(config), base_url=config.get("BASE_URL")
    )


def _submit_expired_attempts(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return quizzes_jobs.submit_expired_attempts(
        session, now=now, grace=timedelta(seconds=config["QUIZ_GRACE_SECONDS"])
    )


def _remind_due_plans(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return plans_jobs.remind_due_plans(
        session,
        now=now,
        days=config.get("PLAN_REMINDER_DAYS", plans_jobs.DEFAULT_DAYS),
        email=mail_enabled(config),
        sms=sms_enabled(config),
    )


def _run_export_jobs(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return reports_jobs.run_export_jobs(
        session,
        now=now,
        storage=current_storage(),
        email=mail_enabled(config),
        commit_each=commit_now,
        excused_counts_as=config.get("MEETING_EXCUSED_COUNTS_AS", "excluded"),
    )


def _queue_quarter_exports(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return reports_jobs.queue_quarter_exports(session, now=now)


def _snapshot_competitions(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return reports_jobs.snapshot_competitions(session, now=now)


def _write_ended_lessons(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return live_jobs.write_ended_lessons(session, now=now)


def _remind_missing_meetings(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meetings_jobs.remind_missing_meetings(
        session,
        now=now,
        days_before=config.get("MEETING_REMINDER_DAYS_BEFORE", meetings_jobs.DEFAULT_DAYS_BEFORE),
        email=mail_enabled(config),
    )


def _meeting_delivery(config: Mapping[str, Any]) -> dict[str, bool]:
    return {"email": mail_enabled(config), "sms": sms_enabled(config)}


def _send_meeting_notices(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meeting_notices.send_event_notices(session, now=now, **_meeting_delivery(config))


def _send_meeting_reminders(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meeting_notices.send_reminders(
        session,
        now=now,
        before=config.get("MEETING_NOTICE_REMINDERS", meeting_notices.DEFAULT_REMINDERS),
        **_meeting_delivery(config),
    )


def _send_review_digest(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meeting_notices.send_review_digest(session, now=now, **_meeting_delivery(config))


def _purge_old_logins(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return accounts_jobs.purge_old_logins(
        session, now=now, keep=timedelta(days=config.get("LOGIN_SESSION_KEEP_DAYS", 30))
    )


def _purge_old_read_events(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.purge_old_read_events(
        session, now=now, keep_days=int(config.get("RETENTION_DAYS_READ_EVENTS") or 0)
    )


def _purge_old_reviews(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return quizzes_jobs.purge_old_reviews(
        session, now=now, keep_days=int(config.get("RETENTION_DAYS_REVIEW_EVENTS") or 0)
    )


def _back_up_nightly(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return backup_jobs.back_up_nightly(
        db.engine,
        StoredFiles(current_storage()),
        now=now,
        timezone=config["SCHEDULER_TIMEZONE"],
        folder=backup_jobs.backup_folder(config, current_app.instance_path),
        keep=int(config.get("BACKUP_KEEP") or backup_jobs.DEFAULT_KEEP),
        before=commit_now,
    )


def _heartbeat(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    return f"pid {os.getpid()}"


JOBS: tuple[Job, ...] = (
    Job(
        "readings.assign_lead_readers",
        _assign_lead_readers,
        cron={"hour": "0", "minute": "10"},
        once_per="day",
        description="Assign each branch's lead reader for today.",
    ),
    Job(
        "readings.remind_cross_rota",
        _remind_cross_rota,
        cron={"hour": "17", "minute": "0"},
        once_per="day",
        description="Remind tomorrow's reader on each committee's rota across branches.",
    ),
    Job(
        "readings.notify_daily_reading",
        _notify_daily_reading,
        cron={"hour": "7", "minute": "30"},
        once_per="day",
        description="Tell members about today's reading, once.",
    ),
    Job(
        "notify.deliver_outbox",
        _deliver_outbox,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Send queued e-mails (when SMTP is configured).",
    ),
    Job(
        "readings.post_not_studied",
        _post_not_studied,
        cron={"hour": "19", "minute": "0"},
        once_per="day",
        description="Tell each branch's group chat how many have not studied today's reading.",
    ),
    Job(
        "notify.deliver_channels",
        _deliver_channels,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Post queued messages to the branches' group robots.",
    ),
    Job(
        "notify.deliver_sms",
        _deliver_sms,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Send queued SMS copies (when an SMS provider is configured).",
    ),
    Job(
        "quizzes.submit_expired_attempts",
        _submit_expired_attempts,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Submit attempts whose time is up, with the answers saved so far.",
    ),
    Job(
        "plans.remind_due_plans",
        _remind_due_plans,
        cron={"hour": "9", "minute": "0"},
        once_per="day",
        description="Remind members whose study plan is due soon; digests for secretaries.",
    ),
    Job(
        "reports.run_export_jobs",
        _run_export_jobs,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Produce the score exports waiting in the background queue.",
    ),
    Job(
        "reports.snapshot_competitions",
        _snapshot_competitions,
        cron={"hour": "23", "minute": "30"},
        once_per="day",
        description="Snapshot the branch figures of each running 比学习 competition.",
    ),
    Job(
        "reports.queue_quarter_exports",
        _queue_quarter_exports,
        cron={"hour": "0", "minute": "40"},
        once_per="day",
        description="Queue each committee's score export of the quarter that just ended (once).",
    ),
    Job(
        "live.write_ended_lessons",
        _write_ended_lessons,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Write the attendance of ended live lessons into each branch's record.",
    ),
    Job(
        "meetings.remind_missing_meetings",
        _remind_missing_meetings,
        cron={"hour": "9", "minute": "10"},
        once_per="day",
        description="Remind secretaries of required meetings not yet held as a period ends.",
    ),
    Job(
        "meetings.send_notices",
        _send_meeting_notices,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Meeting invitations, changes, cancellations, leave decisions, returns.",
    ),
    Job(
        "meetings.send_reminders",
        _send_meeting_reminders,
        cron={"minute": "*/5"},
        misfire_grace=timedelta(minutes=10),
        description="Remind those invited before a meeting starts (MEETING_NOTICE_REMINDERS).",
    ),
    Job(
        "meetings.review_digest",
        _send_review_digest,
        cron={"hour": "8", "minute": "45"},
        once_per="day",
        description="Tell staff once a day how many meeting records wait for their review.",
    ),
    Job(
        "accounts.purge_old_logins",
        _purge_old_logins,
        cron={"hour": "3", "minute": "20"},
        once_per="day",
        description="Delete login records whose login ended long ago.",
    ),
    Job(
        "readings.purge_old_read_events",
        _purge_old_read_events,
        cron={"hour": "3", "minute": "30"},
        once_per="day",
        description="Delete old receipts of readings never studied (RETENTION_DAYS_READ_EVENTS).",
    ),
    Job(
        "quizzes.purge_old_reviews",
        _purge_old_reviews,
        cron={"hour": "3", "minute": "35"},
        once_per="day",
        description="Delete the mistake book's old review log (RETENTION_DAYS_REVIEW_EVENTS).",
    ),
    Job(
        "backup.nightly",
        _back_up_nightly,
        cron={"hour": "2", "minute": "30"},
        once_per="day",
        description="Back up the database and uploaded files to BACKUP_FOLDER; keep BACKUP_KEEP.",
    ),
)


def jobs_for(config: Mapping[str, Any]) -> tuple[Job, ...]:
    """The jobs an app with ``config`` schedules.

    ``SCHEDULER_TEST_INTERVAL`` (seconds, tests only) adds ``scheduler.heartbeat``,
    a job that runs every few seconds, so tests can watch two scheduler
    processes share the work.
    """
    interval = config.get("SCHEDULER_TEST_INTERVAL")
    if not interval:
        return JOBS
    heartbeat = Job(
        "scheduler.heartbeat",
        _heartbeat,
        cron={"second": f"*/{int(interval)}"},
        once_per="second",
        misfire_grace=timedelta(seconds=int(interval)),
        description="Test only: proves which process runs jobs.",
    )
    return (*JOBS, heartbeat)


def find_job(name: str, config: Mapping[str, Any]) -> Job:
    for job in jobs_for(config):
        if job.name == name:
            return job
    raise KeyError(name)
