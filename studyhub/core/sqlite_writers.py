"""SQLite writers of this machine queue on a file lock before they take SQLite's own.

A write unit's ``BEGIN IMMEDIATE`` that finds the write lock taken waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10… milliseconds between tries: a
lock held for half a millisecond (an answer save) costs the next writer several
milliseconds, and under a burst of saves that sleeping, not the work, sets the
rate. So a write unit first takes an exclusive ``flock`` on ``<database>-writers``
beside the database file, polling every 0.2 ms, and only then begins; the lock
goes when its connection returns to the pool (after the commit or rollback).
Every process on the machine that writes the file (app workers, the scheduler,
commands) goes through the same engine listener, so they queue on the same lock.
After the busy timeout the writer stops waiting here and lets ``BEGIN IMMEDIATE``
decide, so a stuck lock file can never make writes fail in a new way.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

INFO_KEY = "studyhub_writer_fd"
POLL_SECONDS = 0.0002


def lock_path(database: str | None) -> str | None:
    """The lock file of a database file; None for an in-memory database."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return f"{database}-writers"


def queue(info: dict[str, Any], database: str | None, *, timeout: float) -> None:
    """Wait (up to ``timeout`` seconds) for this machine's other writers of ``database``.

    ``info`` is the pooled connection's info dictionary, where the lock is kept
    until :func:`leave`.
    """
    path = lock_path(database)
    if path is None or INFO_KEY in info:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return
            time.sleep(POLL_SECONDS)
        else:
            info[INFO_KEY] = fd
            return


def leave(info: dict[str, Any]) -> None:
    """Let the next writer go (the connection's transaction has ended)."""
    fd = info.pop(INFO_KEY, None)
    if fd is not None:
        os.close(fd)  # closing the descriptor releases its flock
