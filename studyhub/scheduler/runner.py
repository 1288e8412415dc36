"""Running one job: an app context, one session, ``now`` from the clock, one commit.

The runner is the edge where a job's work is committed: each run is one
:func:`~studyhub.web.saving.unit_of_work` (jobs flush; the outbox job also
commits per mail with ``commit_now`` so a crash does not resend). For a job with
a period it first inserts that period's ``JobRun``; the unique (job, period)
constraint means a second run for the period, even from another process,
does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.scheduler.models import JobRun
from studyhub.scheduler.registry import Job
from studyhub.web.saving import unit_of_work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    job: str
    period: str | None
    ran: bool
    result: Any = None

    def describe(self) -> str:
        where = f" for {self.period}" if self.period else ""
        if not self.ran:
            return f"{self.job}: already ran{where}, skipped"
        return f"{self.job}: ran{where}: {self.result}"


def run_job(app: Flask, job: Job, *, now: datetime | None = None, force: bool = False) -> Outcome:
    """Run ``job`` once in its own app context and commit; returns what happened.

    ``force`` runs a job even when its period already has a run (an operator
    re-running an idempotent job); the period keeps its one ``JobRun``.
    Errors roll the work back and propagate.
    """
    with app.app_context(), unit_of_work():
        session = db.session
        now = now or clock.now_utc()
        period = job.period(now, app.config["SCHEDULER_TIMEZONE"])
        run = _start_run(session, job.name, period, now) if period else None
        if period and run is None and not force:
            session.rollback()
            outcome = Outcome(job.name, period, ran=False)
            log.info("%s", outcome.describe())
            return outcome
        result = job.function(session, now, app.config)
        if run is not None:
            run.finished_at = clock.now_utc()
    outcome = Outcome(job.name, period, ran=True, result=result)
    log.info("%s", outcome.describe())
    return outcome


def _start_run(session: Session, job: str, period: str, now: datetime) -> JobRun | None:
    """This period's ``JobRun``, new; ``None`` when the period already has one.

    The unit is a write unit (on SQLite its transaction took the write lock when
    it began, so the job's reads and writes cannot fail "database is locked"); on
    PostgreSQL a concurrent run of the same period waits here for the first
    to commit, then finds the row taken.
    """
    run = JobRun(job=job, period=period, started_at=now)
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        return None
    return run
