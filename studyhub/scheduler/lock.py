"""The lock that lets one scheduler process run jobs while any other waits.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held by
a dedicated connection for the life of the process; the server drops it when
that connection ends, however the process dies. SQLite: a lease row in
``scheduler_lease`` that its holder renews; another process takes it over
once it has expired.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, delete, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from studyhub.core import clock
from studyhub.scheduler.models import SchedulerLease

# pg_try_advisory_lock's key: any constant that no other code uses ("studyhub").
ADVISORY_KEY = 0x7374_7564_7968_7562
LEASE_NAME = "scheduler"
DEFAULT_LEASE = timedelta(seconds=60)


def process_id() -> str:
    """``host:pid:random``: who holds a lease, unique even when pids are reused."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class SchedulerLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free (or already ours); never blocks."""

    def renew(self) -> bool:
        """Keep holding the lock; ``False`` when it has been lost."""

    def release(self) -> None: ...

    def holder(self) -> str | None:
        """Who holds the lock now, for the log of a waiting process."""


class AdvisoryLock:
    """PostgreSQL's advisory lock on a connection kept open while the lock is held."""

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.renew()
        conn = self.engine.connect()
        try:
            got = conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
            # Not a unit of work: the lock's own connection, outside the session, ends the
            # statement's transaction so the lock (a session lock) is all it holds.
            conn.commit()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def renew(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.scalar(text("SELECT 1"))
            self._conn.commit()
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._conn.commit()
            self._conn.close()
        except DBAPIError:
            self._drop()
        self._conn = None

    def holder(self) -> str | None:
        query = text(
            "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid::bigint = :hi AND l.objid::bigint = :lo AND l.objsubid = 1"
        )
        unsigned = self.key & 0xFFFF_FFFF_FFFF_FFFF
        with self.engine.connect() as conn:
            row = conn.execute(query, {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}).first()
        if row is None:
            return None
        return f"PostgreSQL backend {row.pid} ({row.client_addr or 'local'})"

    def _drop(self) -> None:
        """Throw the connection away, so no pool ever hands out a connection holding the lock."""
        if self._conn is not None:
            self._conn.invalidate()
            self._conn.close()
        self._conn = None


class LeaseLock:
    """A row in ``scheduler_lease``: taken when free or expired, renewed by its holder."""

    def __init__(
        self,
        engine: Engine,
        *,
        lease: timedelta = DEFAULT_LEASE,
        name: str = LEASE_NAME,
        holder_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.name = name
        self.holder_id = holder_id or process_id()

    def try_acquire(self, now: datetime | None = None) -> bool:
        """Insert the lease, or take it over when it is ours or has expired."""
        now = now or clock.now_utc()
        insert = _dialect_insert(self.engine)(SchedulerLease).values(
            name=self.name, holder=self.holder_id, expires_at=now + self.lease
        )
        insert = insert.on_conflict_do_update(
            index_elements=[SchedulerLease.name],
            set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
            where=or_(SchedulerLease.holder == self.holder_id, SchedulerLease.expires_at <= now),
        )
        with self.engine.begin() as conn:
            conn.execute(insert)
            holder = conn.scalar(
                select(SchedulerLease.holder).where(SchedulerLease.name == self.name)
            )
            if holder is not None and holder != self.holder_id and _is_dead_here(holder):
                # A scheduler on this machine that was killed: no need to wait for its lease.
                taken = conn.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == self.name, SchedulerLease.holder == holder)
                    .values(holder=self.holder_id, expires_at=now + self.lease)
                )
                if taken.rowcount == 1:
                    holder = self.holder_id
        return holder == self.holder_id

    def renew(self, now: datetime | None = None) -> bool:
        return self.try_acquire(now)

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(SchedulerLease).where(
                    SchedulerLease.name == self.name, SchedulerLease.holder == self.holder_id
                )
            )

    def holder(self) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(SchedulerLease.holder, SchedulerLease.expires_at).where(
                    SchedulerLease.name == self.name
                )
            ).first()
        if row is None:
            return None
        return f"{row.holder} (lease until {clock.as_utc(row.expires_at):%Y-%m-%d %H:%M:%S} UTC)"


def _is_dead_here(holder_id: str) -> bool:
    """Whether ``holder_id`` names a process on this host that no longer exists."""
    host, _, rest = holder_id.rpartition(":")[0].rpartition(":")
    try:
        pid = int(rest)
    except ValueError:
        return False
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but belongs to someone else
        return False
    return False


def _dialect_insert(engine: Engine):
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def lock_for(engine: Engine, *, lease: timedelta = DEFAULT_LEASE) -> SchedulerLock:
    """The advisory lock on PostgreSQL, a lease row elsewhere (SQLite)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return LeaseLock(engine, lease=lease)
