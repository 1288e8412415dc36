"""The scheduler process: take the lock (or wait for it), run the registry's jobs, keep the lock.

``studyhub scheduler`` runs :meth:`SchedulerProcess.run` in the foreground
until SIGTERM; ``studyhub demo`` runs it on a thread beside the development
server. Nothing else starts a scheduler: ``create_app`` and ``wsgi.py`` never do.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy.exc import DBAPIError

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.scheduler.lock import SchedulerLock, lock_for
from studyhub.scheduler.registry import Job, jobs_for
from studyhub.scheduler.runner import run_job

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
LEASE_SECONDS = 60.0
# A waiting process says so again after this long.
WAITING_LOG_EVERY = timedelta(minutes=1)
WORKERS = 4


class SchedulerProcess:
    """One scheduler: waits for the lock, then runs every job of the registry.

    ``SCHEDULER_LOCK_POLL_SECONDS`` (how often a waiting process tries the
    lock) and ``SCHEDULER_LEASE_SECONDS`` (the SQLite lease, renewed three
    times per lease) may be set in the config.
    """

    def __init__(self, app: Flask, *, lock: SchedulerLock | None = None) -> None:
        self.app = app
        config = app.config
        self.timezone = config["SCHEDULER_TIMEZONE"]
        self.poll_seconds = float(config.get("SCHEDULER_LOCK_POLL_SECONDS") or POLL_SECONDS)
        lease = float(config.get("SCHEDULER_LEASE_SECONDS") or LEASE_SECONDS)
        self.renew_seconds = lease / 3
        if lock is None:
            with app.app_context():
                lock = lock_for(db.engine, lease=timedelta(seconds=lease))
        self.lock = lock
        self.jobs = jobs_for(config)
        self._stop = threading.Event()
        self.scheduler: BackgroundScheduler | None = None

    def stop(self) -> None:
        """Ask :meth:`run` to finish (safe from a signal handler or another thread)."""
        self._stop.set()

    def run(self) -> int:
        """Block until stopped; returns the exit status (1 when the lock was lost)."""
        if not self._wait_for_lock():
            return 0
        lost = False
        try:
            self.scheduler = self._start_scheduler()
            while not self._stop.wait(self.renew_seconds):
                if not self._renew():
                    log.error("lost the scheduler lock; stopping so that jobs never run twice")
                    lost = True
                    break
        finally:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=not lost)
            if not lost:
                self.lock.release()
            log.info("scheduler stopped")
        return 1 if lost else 0

    def _renew(self) -> bool:
        try:
            return self.lock.renew()
        except DBAPIError as exc:  # a busy or unreachable database: try again next time
            log.warning("could not renew the scheduler lock: %s", exc)
            return True

    def _wait_for_lock(self) -> bool:
        said_at: datetime | None = None
        while not self._stop.is_set():
            try:
                if self.lock.try_acquire():
                    log.info("took the scheduler lock")
                    return True
            except DBAPIError as exc:
                log.warning("cannot reach the database for the scheduler lock: %s", exc)
            now = clock.now_utc()
            if said_at is None or now - said_at >= WAITING_LOG_EVERY:
                log.info(
                    "another scheduler holds the lock (%s); waiting for it",
                    self.lock.holder() or "unknown",
                )
                said_at = now
            self._stop.wait(self.poll_seconds)
        return False

    def _start_scheduler(self) -> BackgroundScheduler:
        zone = ZoneInfo(self.timezone)
        scheduler = BackgroundScheduler(
            timezone=zone,
            executors={"default": ThreadPoolExecutor(WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        now = clock.now_utc()
        for job in self.jobs:
            options = {}
            if job.missed_run(now, self.timezone) is not None:
                options["next_run_time"] = now.astimezone(zone)
                log.info("%s was due while no scheduler ran; running it now", job.name)
            scheduler.add_job(
                self._run,
                trigger=job.trigger(self.timezone),
                args=[job],
                id=job.name,
                name=job.name,
                misfire_grace_time=int(job.misfire_grace.total_seconds()),
                coalesce=True,
                **options,
            )
        scheduler.start()
        log.info("scheduler running %d jobs in %s", len(self.jobs), self.timezone)
        return scheduler

    def _run(self, job: Job) -> None:
        try:
            run_job(self.app, job)
        except Exception:
            log.exception("job %s failed", job.name)


def start_in_background(app: Flask) -> tuple[SchedulerProcess, threading.Thread]:
    """Run a scheduler on a daemon thread (``studyhub demo``); stop it with ``process.stop()``."""
    process = SchedulerProcess(app)
    thread = threading.Thread(target=process.run, name="scheduler", daemon=True)
    thread.start()
    return process, thread


def configure_logging() -> None:
    """INFO lines on stderr from studyhub's own loggers, unless logging is set up already."""
    logger = logging.getLogger("studyhub")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
