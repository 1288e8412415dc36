"""The feed's per-process state: each lesson's change number, and who may read its feed.

Thousands of pages ask the feed every few seconds whether anything changed; almost
always nothing did. This process answers them from memory:

- each lesson's change number (``seq``), whether it ended and its viewer count, read
  from the database at most once a second per lesson (the count every 5 seconds),
  and moved on at once when this process changes the lesson (a comment posted,
  hidden or pinned here);
- for each (login, lesson) that the full checks let in, until when it may skip
  them (``TRUST_SECONDS``): a logout or a withdrawn invitation reaches the feed
  within that time. The feed only says "nothing new" to such a login; anything
  new goes through the full checks again.

The dictionaries are shared by the process's threads; every update is a single
assignment (atomic under the GIL), and a stale read only costs a full answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

STATE_SECONDS = 1.0  # the change number is read at most this often per lesson
VIEWERS_SECONDS = 5.0  # the viewer count (a count over the lesson's watch rows)
TRUST_SECONDS = 60.0  # a login let in by the full checks skips them this long
MAX_TRUSTED = 100_000  # past this, expired entries are dropped

# The poll interval the feed asks for: comments must reach every page within 3 s.
POLL_MIN_MS = 2000
POLL_AT_2000_MS = 2700  # 2,000 viewers: ≈ 740 answers/s, a change seen within 2.7 s
POLL_MAX_MS = 5000


@dataclass
class LessonState:
    seq: int
    ended: bool
    read_at: float
    viewers: int = 0
    viewers_at: float = float("-inf")


_lessons: dict[int, LessonState] = {}
_trusted: dict[tuple[int, str, int], float] = {}


def poll_every_ms(viewers: int) -> int:
    """When a page should ask again: every 2 s up to 1,000 viewers, then longer, so the
    requests grow slower than the audience (2.7 s at 2,000, at most 5 s)."""
    if viewers <= 1000:
        return POLL_MIN_MS
    if viewers <= 2000:
        return POLL_MIN_MS + (POLL_AT_2000_MS - POLL_MIN_MS) * (viewers - 1000) // 1000
    return min(POLL_MAX_MS, POLL_AT_2000_MS + (viewers - 2000) // 2)


def state(
    lesson_id: int,
    read: Callable[[], tuple[int, datetime | None] | None],
    count: Callable[[], int],
    *,
    tick: float | None = None,
) -> LessonState | None:
    """The lesson's cached state; ``read`` (seq, ended_at) and ``count`` (viewers) are
    called only when it is older than STATE_SECONDS / VIEWERS_SECONDS. None: no lesson."""
    tick = time.monotonic() if tick is None else tick
    cached = _lessons.get(lesson_id)
    if cached is None or tick - cached.read_at >= STATE_SECONDS:
        row = read()
        if row is None:
            _lessons.pop(lesson_id, None)
            return None
        fresh = LessonState(seq=row[0], ended=row[1] is not None, read_at=tick)
        if cached is not None:
            fresh.viewers, fresh.viewers_at = cached.viewers, cached.viewers_at
        cached = _lessons[lesson_id] = fresh
    if tick - cached.viewers_at >= VIEWERS_SECONDS:
        cached.viewers, cached.viewers_at = count(), tick
    return cached


def cached(lesson_id: int, *, tick: float | None = None) -> LessonState | None:
    """The lesson's state when it is fresh enough to answer from, else None."""
    tick = time.monotonic() if tick is None else tick
    found = _lessons.get(lesson_id)
    if found is None or tick - found.read_at >= STATE_SECONDS:
        return None
    return found


def changed(lesson_id: int, seq: int, *, ended: bool = False) -> None:
    """This process changed the lesson (its change number is now ``seq``)."""
    found = _lessons.get(lesson_id)
    if found is not None:
        found.seq = max(found.seq, seq)
        found.ended = found.ended or ended


def trust(user_id: int, token: str, lesson_id: int, *, tick: float | None = None) -> None:
    """The full checks let this login read this lesson's feed."""
    tick = time.monotonic() if tick is None else tick
    if len(_trusted) > MAX_TRUSTED:
        for key, until in list(_trusted.items()):
            if until <= tick:
                _trusted.pop(key, None)
    _trusted[(user_id, token, lesson_id)] = tick + TRUST_SECONDS


def is_trusted(user_id: int, token: str, lesson_id: int, *, tick: float | None = None) -> bool:
    tick = time.monotonic() if tick is None else tick
    return _trusted.get((user_id, token, lesson_id), float("-inf")) > tick


def forget() -> None:
    """Drop everything (tests)."""
    _lessons.clear()
    _trusted.clear()
