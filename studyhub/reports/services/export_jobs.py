"""Exports produced in the background: large units, and each committee's quarter-end export.

A web request for a unit with more members than ``EXPORT_INLINE_MAX_MEMBERS``
becomes an ``ExportJob`` row; the scheduler's ``reports.run_export_jobs``
claims pending jobs one at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so two schedulers never take the same job), writes the file into the app's
storage (``exports/…``: a folder or the bucket every machine reads) and tells
whoever asked (or, for the quarter-end export, the
committee's staff). ``reports.queue_quarter_exports`` adds each committee's
export of the quarter that just ended, once: its ``dedupe_key`` is unique.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.notify import services as notify
from studyhub.org.models import OrgUnit
from studyhub.org.queries import committees
from studyhub.reports import queries
from studyhub.reports.models import ExportJob
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.exports import FORMATS, export_scores
from studyhub.web.storage import Storage

KIND_SCORES = "scores"
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
# A finished job whose file was removed (a member's personal data was erased since).
EXPIRED = "expired"


def request_export(
    session: Session,
    committee: OrgUnit,
    unit: OrgUnit,
    quarter: Quarter,
    file_format: str,
    *,
    by: User,
    now: datetime,
) -> ExportJob:
    """A pending job for this export; the same person asking again gets the same job."""
    if file_format not in FORMATS:
        raise InvalidInput(_l("Unknown file format."))
    existing = session.scalars(
        select(ExportJob).where(
            ExportJob.unit_id == unit.id,
            ExportJob.kind == KIND_SCORES,
            ExportJob.year == quarter.year,
            ExportJob.quarter == quarter.number,
            ExportJob.file_format == file_format,
            ExportJob.requested_by_id == by.id,
            ExportJob.state.in_([PENDING, RUNNING]),
        )
    ).first()
    if existing is not None:
        return existing
    job = ExportJob(
        committee_id=committee.id,
        unit_id=unit.id,
        kind=KIND_SCORES,
        year=quarter.year,
        quarter=quarter.number,
        file_format=file_format,
        state=PENDING,
        requested_by_id=by.id,
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def quarter_end_key(committee_id: int, quarter: Quarter) -> str:
    return f"scores-quarter-end:{committee_id}:{quarter.label}"


def queue_quarter_exports(session: Session, *, now: datetime) -> int:
    """Queue each committee's export of the quarter that has just ended, once.

    Run daily: the first run after a committee's quarter ends (in its time
    zone) adds the job; later runs find its key. A committee created after
    that quarter ended gets none.
    """
    queued = 0
    for committee in session.scalars(committees().where(OrgUnit.is_active.is_(True))):
        quarter = Quarter.at(now, committee.timezone).previous()
        if as_utc(committee.created_at) >= quarter.ends_at(committee.timezone):
            continue
        key = quarter_end_key(committee.id, quarter)
        if session.scalars(queries.job_by_key(key)).first() is not None:
            continue
        job = ExportJob(
            committee_id=committee.id,
            unit_id=committee.id,
            kind=KIND_SCORES,
            year=quarter.year,
            quarter=quarter.number,
            file_format="xlsx",
            state=PENDING,
            dedupe_key=key,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(job)
                session.flush()
        except IntegrityError:  # another scheduler queued it at the same moment
            continue
        queued += 1
    return queued


def claim_next(session: Session) -> ExportJob | None:
    """The oldest pending job, locked for this transaction (skipping ones others hold).

    Its state is "running" only inside this transaction: if the process dies
    while producing it, the transaction rolls back and the job is pending again.
    """
    stmt = queries.pending_jobs().limit(1).with_for_update(skip_locked=True)
    job = session.scalars(stmt).first()
    if job is not None:
        job.state = RUNNING
        session.flush()
    return job


def _key(stored_name: str) -> str:
    return f"exports/{stored_name}"


def stored_key(job: ExportJob) -> str:
    """The finished job's file in the storage."""
    assert job.stored_name
    return _key(job.stored_name)


def produce(
    session: Session,
    job: ExportJob,
    *,
    storage: Storage,
    now: datetime,
    email: bool = False,
    excused_counts_as: str = "excluded",
) -> None:
    """Write the job's file and record the outcome; a failure is recorded, not raised."""
    unit = session.get(OrgUnit, job.unit_id)
    committee = session.get(OrgUnit, job.committee_id)
    assert unit is not None and committee is not None
    quarter = Quarter(job.year, job.quarter or 1)
    stored = f"{job.id}-{secrets.token_hex(8)}.{job.file_format}"
    with tempfile.TemporaryDirectory(prefix="studyhub-export-") as work:
        partial = Path(work) / stored
        try:
            with session.begin_nested():
                rows = export_scores(
                    session,
                    committee,
                    unit,
                    quarter,
                    job.file_format,
                    partial,
                    now=now,
                    excused_counts_as=excused_counts_as,
                )
            with partial.open("rb") as made:
                storage.save(_key(stored), made)
        except Exception as exc:  # noqa: BLE001 - any failure is the job's outcome
            job.state = FAILED
            job.error = f"{type(exc).__name__}: {exc}"[:500]
            job.finished_at = now
            session.flush()
            return
    job.state = DONE
    job.stored_name = stored
    job.rows = rows
    job.finished_at = now
    session.flush()
    _tell(session, job, unit, quarter, now=now, email=email)


def expire_files(session: Session, committee_id: int, *, before: datetime, storage: Storage) -> int:
    """Remove the stored files of the committee's jobs finished before ``before`` and mark
    the jobs expired; returns how many.

    Erasure calls this (:mod:`studyhub.reports.erasure`): a file made before a member's
    personal data was erased still holds their name and number, and outside the
    database nothing else could find it. Staff export again (the new file shows the
    placeholder). The files go at once, before the erasure commits: should it roll
    back, the jobs are still "done" with no file, and the download answers 404.
    """
    found = session.scalars(
        select(ExportJob).where(
            ExportJob.committee_id == committee_id,
            ExportJob.stored_name.is_not(None),
            ExportJob.finished_at <= before,
        )
    ).all()
    for job in found:
        storage.delete(stored_key(job))
        job.state = EXPIRED
        job.stored_name = None
    session.flush()
    return len(found)


def _tell(
    session: Session, job: ExportJob, unit: OrgUnit, quarter: Quarter, *, now: datetime, email: bool
) -> None:
    subject = str(
        _l(
            "Scores of %(unit)s for %(quarter)s are ready to download.",
            unit=unit.name,
            quarter=quarter.label,
        )
    )
    link = f"/reports/exports/{job.id}"
    recipients = (
        [job.requested_by_id] if job.requested_by_id else queries.committee_staff(job.committee_id)
    )
    notify.send_many(
        session,
        recipients,
        kind="reports.export_ready",
        subject=subject,
        link=link,
        dedupe_key=f"reports.export_ready:{job.id}",
        now=now,
        email=email,
    )


def run_export_jobs(
    session: Session,
    *,
    now: datetime,
    storage: Storage,
    email: bool = False,
    commit_each: Callable[[], None] | None = None,
    excused_counts_as: str = "excluded",
) -> int:
    """Produce every pending job, oldest first; returns how many were produced.

    ``commit_each`` (the runner's ``commit_now``) is called after each job, so a finished job is
    visible — and its lock released — before the next one starts.
    """
    done = 0
    while (job := claim_next(session)) is not None:
        produce(
            session,
            job,
            storage=storage,
            now=now,
            email=email,
            excused_counts_as=excused_counts_as,
        )
        done += 1
        if commit_each is not None:
            commit_each()
    return done
