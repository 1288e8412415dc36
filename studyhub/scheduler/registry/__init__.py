"""Every scheduled job: what it runs, when (cron in ``SCHEDULER_TIMEZONE``) and how often at most.

A job's function takes the session, ``now`` and the app's config, and returns
something to report (usually how many rows it touched). Jobs are idempotent by
their own unique keys; a job with ``once_per`` is also recorded as a
``JobRun`` for its period, so a second run in the same period is skipped.

The table of jobs is here; :mod:`.job` defines a job and :mod:`.tasks` holds the functions
that call each domain's jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from studyhub.scheduler.registry import tasks
from studyhub.scheduler.registry.job import DAILY_GRACE as DAILY_GRACE
from studyhub.scheduler.registry.job import Job as Job
from studyhub.scheduler.registry.job import JobFunction as JobFunction

JOBS: tuple[Job, ...] = (
    Job(
        "readings.assign_lead_readers",
        tasks.assign_lead_readers,
        cron={"hour": "0", "minute": "10"},
        once_per="day",
        description="Assign each branch's lead reader for today.",
    ),
    Job(
        "readings.remind_cross_rota",
        tasks.remind_cross_rota,
        cron={"hour": "17", "minute": "0"},
        once_per="day",
        description="Remind tomorrow's reader on each committee's rota across branches.",
    ),
    Job(
        "readings.notify_daily_reading",
        tasks.notify_daily_reading,
        cron={"hour": "7", "minute": "30"},
        once_per="day",
        description="Tell members about today's reading, once.",
    ),
    Job(
        "notify.deliver_outbox",
        tasks.deliver_outbox,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Send queued e-mails (when SMTP is configured).",
    ),
    Job(
        "readings.post_not_studied",
        tasks.post_not_studied,
        cron={"hour": "19", "minute": "0"},
        once_per="day",
        description="Tell each branch's group chat how many have not studied today's reading.",
    ),
    Job(
        "notify.deliver_channels",
        tasks.deliver_channels,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Post queued messages to the branches' group robots.",
    ),
    Job(
        "notify.deliver_sms",
        tasks.deliver_sms,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Send queued SMS copies (when an SMS provider is configured).",
    ),
    Job(
        "quizzes.submit_expired_attempts",
        tasks.submit_expired_attempts,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Submit attempts whose time is up, with the answers saved so far.",
    ),
    Job(
        "plans.remind_due_plans",
        tasks.remind_due_plans,
        cron={"hour": "9", "minute": "0"},
        once_per="day",
        description="Remind members whose study plan is due soon; digests for secretaries.",
    ),
    Job(
        "reports.run_export_jobs",
        tasks.run_export_jobs,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Produce the score exports waiting in the background queue.",
    ),
    Job(
        "reports.snapshot_competitions",
        tasks.snapshot_competitions,
        cron={"hour": "23", "minute": "30"},
        once_per="day",
        description="Snapshot the branch figures of each running 比学习 competition.",
    ),
    Job(
        "reports.queue_quarter_exports",
        tasks.queue_quarter_exports,
        cron={"hour": "0", "minute": "40"},
        once_per="day",
        description="Queue each committee's score export of the quarter that just ended (once).",
    ),
    Job(
        "live.write_ended_lessons",
        tasks.write_ended_lessons,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Write the attendance of ended live lessons into each branch's record.",
    ),
    Job(
        "meetings.remind_missing_meetings",
        tasks.remind_missing_meetings,
        cron={"hour": "9", "minute": "10"},
        once_per="day",
        description="Remind secretaries of required meetings not yet held as a period ends.",
    ),
    Job(
        "meetings.send_notices",
        tasks.send_meeting_notices,
        cron={"minute": "*"},
        misfire_grace=timedelta(minutes=10),
        description="Meeting invitations, changes, cancellations, leave decisions, returns.",
    ),
    Job(
        "meetings.send_reminders",
        tasks.send_meeting_reminders,
        cron={"minute": "*/5"},
        misfire_grace=timedelta(minutes=10),
        description="Remind those invited before a meeting starts (MEETING_NOTICE_REMINDERS).",
    ),
    Job(
        "meetings.review_digest",
        tasks.send_review_digest,
        cron={"hour": "8", "minute": "45"},
        once_per="day",
        description="Tell staff once a day how many meeting records wait for their review.",
    ),
    Job(
        "accounts.purge_old_logins",
        tasks.purge_old_logins,
        cron={"hour": "3", "minute": "20"},
        once_per="day",
        description="Delete login records whose login ended long ago.",
    ),
    Job(
        "readings.purge_old_read_events",
        tasks.purge_old_read_events,
        cron={"hour": "3", "minute": "30"},
        once_per="day",
        description="Delete old receipts of readings never studied (RETENTION_DAYS_READ_EVENTS).",
    ),
    Job(
        "quizzes.purge_old_reviews",
        tasks.purge_old_reviews,
        cron={"hour": "3", "minute": "35"},
        once_per="day",
        description="Delete the mistake book's old review log (RETENTION_DAYS_REVIEW_EVENTS).",
    ),
    Job(
        "backup.nightly",
        tasks.back_up_nightly,
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
        tasks.heartbeat,
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
