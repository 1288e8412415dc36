"""What the current unit of work is: a write, a read, or not said.

The edge (``web/saving.py``: a request, a job, a command) says so when the unit
begins, before its first statement. On SQLite the engine's ``begin`` listener
(``studyhub/__init__.py``) reads it: a write unit's transaction takes the write
lock when it begins (``BEGIN IMMEDIATE``) and so waits its turn, up to the busy
timeout, instead of failing with "database is locked" when it writes after
reading; a read unit begins as usual and runs beside the others (WAL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum


class Unit(Enum):
    READ = "read"
    WRITE = "write"


_current: ContextVar[Unit | None] = ContextVar("studyhub_unit", default=None)


def current() -> Unit | None:
    """The unit of work this code runs in; ``None`` outside any edge (tests, shells)."""
    return _current.get()


def is_write() -> bool:
    return _current.get() is Unit.WRITE


@contextmanager
def running(unit: Unit) -> Iterator[None]:
    """Mark the code inside as running in ``unit`` (restored afterwards)."""
    token = _current.set(unit)
    try:
        yield
    finally:
        _current.reset(token)


def switch(unit: Unit) -> None:
    """Change the current unit in place (a request that reads first, then writes)."""
    _current.set(unit)
