"""The scheduler lock: one process runs jobs, a second one waits, and takes over when free."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url

from studyhub import create_app
from studyhub.extensions import db
from studyhub.scheduler.lock import AdvisoryLock, LeaseLock, lock_for
from studyhub.scheduler.models import JobRun, SchedulerLease
from studyhub.scheduler.process import SchedulerProcess
from tests.conftest import NOW, reset_schema

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def dialect(app: Flask) -> str:
    with app.app_context():
        return db.engine.dialect.name


# --- the lease (SQLite's lock; the code is generic, so it runs on both databases) -----


@pytest.fixture
def lease_name(app):
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(delete(SchedulerLease).where(SchedulerLease.name == name))


def test_a_second_lease_is_refused_while_the_first_is_valid_and_wins_after_expiry(app, lease_name):
    with app.app_context():
        engine = db.engine
    minute = timedelta(seconds=60)
    first = LeaseLock(engine, lease=minute, name=lease_name, holder_id="host-a:1:aa")
    second = LeaseLock(engine, lease=minute, name=lease_name, holder_id="host-b:2:bb")
    assert first.try_acquire(NOW)
    assert not second.try_acquire(NOW + timedelta(seconds=10))
    assert "host-a:1:aa" in second.holder()
    assert first.renew(NOW + timedelta(seconds=30))  # now valid until +90 s
    assert not second.try_acquire(NOW + timedelta(seconds=80))
    assert second.try_acquire(NOW + timedelta(seconds=91))  # the first stopped renewing
    assert not first.renew(NOW + timedelta(seconds=92))  # and learns it lost the lock
    assert "host-b:2:bb" in first.holder()
    first.release()  # not the holder: changes nothing
    assert "host-b:2:bb" in first.holder()
    second.release()
    assert first.holder() is None
    assert first.try_acquire(NOW + timedelta(seconds=93))


def test_a_lease_of_a_dead_process_on_this_host_is_taken_at_once(app, lease_name):
    with app.app_context():
        engine = db.engine
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    here = socket.gethostname()
    remote = LeaseLock(engine, name=lease_name, holder_id=f"elsewhere-{here}:{gone.pid}:rr")
    assert remote.try_acquire(NOW)
    # a process on another machine cannot be checked: wait for its lease to expire
    assert not LeaseLock(engine, name=lease_name).try_acquire(NOW + timedelta(seconds=1))
    remote.release()
    dead = LeaseLock(engine, name=lease_name, holder_id=f"{here}:{gone.pid}:dd")
    assert dead.try_acquire(NOW)
    alive = LeaseLock(engine, name=lease_name, holder_id=f"{here}:{os.getpid()}:aa")
    assert alive.try_acquire(NOW + timedelta(seconds=1))
    assert not dead.renew(NOW + timedelta(seconds=2))


def test_each_process_has_its_own_holder_id(app):
    with app.app_context():
        a, b = LeaseLock(db.engine), LeaseLock(db.engine)
    assert a.holder_id != b.holder_id
    assert a.holder_id.split(":")[1] == str(os.getpid())


def test_postgresql_uses_an_advisory_lock_held_by_one_connection(app):
    if dialect(app) != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    with app.app_context():
        engine = db.engine
    assert isinstance(lock_for(engine), AdvisoryLock)
    key = int(uuid.uuid4().int % 2**62)
    first, second = AdvisoryLock(engine, key), AdvisoryLock(engine, key)
    try:
        assert first.try_acquire()
        assert first.try_acquire()  # already ours
        assert not second.try_acquire()
        assert second.holder().startswith("PostgreSQL backend")
        assert first.renew()
        first.release()
        assert not first.renew()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_sqlite_uses_the_lease(app):
    if dialect(app) != "sqlite":
        pytest.skip("SQLite only")
    with app.app_context():
        assert isinstance(lock_for(db.engine), LeaseLock)


# --- the process loop, with fake locks -------------------------------------------------


class FakeLock:
    def __init__(self, *, free: bool, keeps: bool = True) -> None:
        self.free, self.keeps = free, keeps
        self.released = False

    def try_acquire(self) -> bool:
        return self.free

    def renew(self) -> bool:
        return self.keeps

    def release(self) -> None:
        self.released = True

    def holder(self) -> str:
        return "the other one"


def test_a_process_without_the_lock_waits_and_says_so(app, caplog):
    caplog.set_level(logging.INFO, logger="studyhub.scheduler")
    lock = FakeLock(free=False)
    process = SchedulerProcess(app, lock=lock)
    process.poll_seconds = 0.01
    result = []
    thread = threading.Thread(target=lambda: result.append(process.run()))
    thread.start()
    deadline = time.monotonic() + 5
    while "waiting" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    process.stop()
    thread.join(5)
    assert result == [0]
    assert "another scheduler holds the lock (the other one); waiting for it" in caplog.text
    assert caplog.text.count("waiting for it") == 1  # not once per poll
    assert process.scheduler is None and not lock.released


def test_a_process_that_loses_the_lock_stops_running_jobs(app, caplog):
    caplog.set_level(logging.INFO, logger="studyhub.scheduler")
    lock = FakeLock(free=True, keeps=False)
    process = SchedulerProcess(app, lock=lock)
    process.jobs = ()
    process.renew_seconds = 0.01
    assert process.run() == 1
    assert "lost the scheduler lock" in caplog.text
    assert not lock.released
    assert not process.scheduler.running


def test_a_stopped_process_releases_the_lock(app):
    lock = FakeLock(free=True)
    process = SchedulerProcess(app, lock=lock)
    process.jobs = ()
    process.renew_seconds = 0.01
    threading.Timer(0.1, process.stop).start()
    assert process.run() == 0
    assert lock.released


# --- two real scheduler processes against one database ---------------------------------

HEARTBEAT = re.compile(r"scheduler\.heartbeat: ran for (\S+): pid (\d+)")


class Scheduler:
    """A ``studyhub scheduler`` subprocess whose output is collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from studyhub import main; main()", "scheduler"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def said(self, text: str) -> bool:
        return text in self.output

    def heartbeats(self) -> list[str]:
        return [m.group(1) for m in HEARTBEAT.finditer(self.output)]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code


def wait_for(condition, deadline: float, what: str) -> None:
    """Poll ``condition`` until it holds or the test's ``deadline`` (monotonic) passes."""
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def scheduler_database(app, tmp_path):
    """A database of its own (not the rolled-back test database), built by the migrations."""
    if dialect(app) == "sqlite":
        yield f"sqlite:///{tmp_path / 'scheduler.sqlite'}"
        return
    url = make_url(os.environ["STUDYHUB_TEST_DATABASE_URL"])
    name = f"studyhub_test_sched_{os.getpid()}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_scheduler_processes_run_each_job_period_once(scheduler_database, tmp_path):
    instance = tmp_path / "instance"
    own = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": scheduler_database})
    reset_schema(own)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("STUDYHUB_") and key != "FLASK_APP"
    }
    env.update(
        STUDYHUB_ENV="testing",
        STUDYHUB_DATABASE_URL=scheduler_database,
        STUDYHUB_INSTANCE_PATH=str(instance),
        STUDYHUB_SCHEDULER_TEST_INTERVAL="1",
        STUDYHUB_SCHEDULER_LOCK_POLL_SECONDS="0.2",
        STUDYHUB_SCHEDULER_LEASE_SECONDS="3",
        PYTHONUNBUFFERED="1",
    )
    deadline = time.monotonic() + 30  # the whole exchange; each process stops within 5 s more
    started = [Scheduler(env), Scheduler(env)]
    try:
        wait_for(
            lambda: all(s.said("took the scheduler lock") or s.said("waiting") for s in started),
            deadline,
            "both schedulers to start",
        )
        holders = [s for s in started if s.said("took the scheduler lock")]
        assert len(holders) == 1, [s.output for s in started]
        first = holders[0]
        second = started[1] if first is started[0] else started[0]
        assert second.said("another scheduler holds the lock")
        wait_for(lambda: len(first.heartbeats()) >= 3, deadline, "three heartbeats")
        assert second.heartbeats() == []

        assert first.stop() == 0
        assert first.said("SIGTERM: stopping the scheduler")
        assert first.said("scheduler stopped")
        handed_over = len(first.heartbeats())
        wait_for(lambda: second.said("took the scheduler lock"), deadline, "the takeover")
        wait_for(lambda: len(second.heartbeats()) >= 2, deadline, "the second's heartbeats")
        assert second.stop() == 0
    finally:
        for scheduler in started:
            scheduler.stop()

    periods = first.heartbeats() + second.heartbeats()
    assert len(first.heartbeats()) == handed_over  # nothing ran after it stopped
    assert len(periods) == len(set(periods)), "a period ran twice"
    assert "Traceback" not in first.output + second.output, first.output + second.output
    with own.app_context():
        runs = db.session.scalars(
            select(JobRun.period).where(JobRun.job == "scheduler.heartbeat")
        ).all()
        assert sorted(runs) == sorted(periods)
        db.session.remove()
        db.engine.dispose()
