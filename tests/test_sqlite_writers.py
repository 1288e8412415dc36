"""The file lock that SQLite writers of one machine queue on before BEGIN IMMEDIATE."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from studyhub.core import sqlite_writers


def test_a_second_writer_waits_until_the_first_leaves(tmp_path: Path):
    database = str(tmp_path / "app.sqlite")
    first: dict = {}
    second: dict = {}
    sqlite_writers.queue(first, database, timeout=5)
    assert sqlite_writers.INFO_KEY in first
    entered = threading.Event()

    def other_writer() -> None:
        sqlite_writers.queue(second, database, timeout=5)
        entered.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert not entered.wait(0.2), "the second writer went in while the first held the lock"
    sqlite_writers.leave(first)
    assert entered.wait(5), "the second writer did not go in after the first left"
    thread.join()
    assert sqlite_writers.INFO_KEY not in first
    sqlite_writers.leave(second)
    assert sqlite_writers.INFO_KEY not in second


def test_a_writer_stops_waiting_after_the_timeout_and_holds_nothing(tmp_path: Path):
    database = str(tmp_path / "app.sqlite")
    holder: dict = {}
    late: dict = {}
    sqlite_writers.queue(holder, database, timeout=5)
    started = time.monotonic()
    sqlite_writers.queue(late, database, timeout=0.1)
    assert time.monotonic() - started >= 0.1
    assert sqlite_writers.INFO_KEY not in late  # BEGIN IMMEDIATE decides from here
    sqlite_writers.leave(holder)


def test_in_memory_databases_take_no_lock():
    info: dict = {}
    sqlite_writers.queue(info, ":memory:", timeout=1)
    sqlite_writers.queue(info, None, timeout=1)
    assert info == {}
