"""The jobs' functions: each takes the session, ``now`` and the app's config and calls its
domain's job, returning something to report (usually how many rows it touched)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from studyhub.accounts import jobs as accounts_jobs
from studyhub.backup import jobs as backup_jobs
from studyhub.backup.files import StoredFiles
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


def assign_lead_readers(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.assign_lead_readers(session, now=now)


def remind_cross_rota(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.remind_cross_rota(session, now=now)


def notify_daily_reading(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.notify_daily_reading(
        session, now=now, email=mail_enabled(config), sms=sms_enabled(config)
    )


def deliver_outbox(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return notify_jobs.deliver_outbox(
        session, now=now, smtp_settings=SmtpSettings.from_config(config)
    )


def post_not_studied(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return study_reminders.post_not_studied(session, now=now)


def deliver_channels(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return notify_jobs.deliver_channels(session, now=now, base_url=config.get("BASE_URL"))


def deliver_sms(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return notify_jobs.deliver_sms(
        session, now=now, provider=provider_from_config(config), base_url=config.get("BASE_URL")
    )


def submit_expired_attempts(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return quizzes_jobs.submit_expired_attempts(
        session, now=now, grace=timedelta(seconds=config["QUIZ_GRACE_SECONDS"])
    )


def remind_due_plans(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return plans_jobs.remind_due_plans(
        session,
        now=now,
        days=config.get("PLAN_REMINDER_DAYS", plans_jobs.DEFAULT_DAYS),
        email=mail_enabled(config),
        sms=sms_enabled(config),
    )


def run_export_jobs(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return reports_jobs.run_export_jobs(
        session,
        now=now,
        storage=current_storage(),
        email=mail_enabled(config),
        commit_each=commit_now,
        excused_counts_as=config.get("MEETING_EXCUSED_COUNTS_AS", "excluded"),
    )


def queue_quarter_exports(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return reports_jobs.queue_quarter_exports(session, now=now)


def snapshot_competitions(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return reports_jobs.snapshot_competitions(session, now=now)


def write_ended_lessons(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return live_jobs.write_ended_lessons(session, now=now)


def remind_missing_meetings(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meetings_jobs.remind_missing_meetings(
        session,
        now=now,
        days_before=config.get("MEETING_REMINDER_DAYS_BEFORE", meetings_jobs.DEFAULT_DAYS_BEFORE),
        email=mail_enabled(config),
    )


def _meeting_delivery(config: Mapping[str, Any]) -> dict[str, bool]:
    return {"email": mail_enabled(config), "sms": sms_enabled(config)}


def send_meeting_notices(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meeting_notices.send_event_notices(session, now=now, **_meeting_delivery(config))


def send_meeting_reminders(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meeting_notices.send_reminders(
        session,
        now=now,
        before=config.get("MEETING_NOTICE_REMINDERS", meeting_notices.DEFAULT_REMINDERS),
        **_meeting_delivery(config),
    )


def send_review_digest(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return meeting_notices.send_review_digest(session, now=now, **_meeting_delivery(config))


def purge_old_logins(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return accounts_jobs.purge_old_logins(
        session, now=now, keep=timedelta(days=config.get("LOGIN_SESSION_KEEP_DAYS", 30))
    )


def purge_old_read_events(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return readings_jobs.purge_old_read_events(
        session, now=now, keep_days=int(config.get("RETENTION_DAYS_READ_EVENTS") or 0)
    )


def purge_old_reviews(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return quizzes_jobs.purge_old_reviews(
        session, now=now, keep_days=int(config.get("RETENTION_DAYS_REVIEW_EVENTS") or 0)
    )


def back_up_nightly(session: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return backup_jobs.back_up_nightly(
        db.engine,
        StoredFiles(current_storage()),
        now=now,
        timezone=config["SCHEDULER_TIMEZONE"],
        folder=backup_jobs.backup_folder(config, current_app.instance_path),
        keep=int(config.get("BACKUP_KEEP") or backup_jobs.DEFAULT_KEEP),
        before=commit_now,
    )


def heartbeat(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    return f"pid {os.getpid()}"
