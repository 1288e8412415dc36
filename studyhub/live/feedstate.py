"""The feed's per-process state: each lesson's change number, and who may read its feed.

Thousands of pages ask the feed every few seconds whether anything changed; almost
always nothing did. This process answers them from memory:

- each lesson's change number (``seq``), whether it ended and its viewer count, read
  from the database at most once a second per lesson (the count every 5 seconds),
  and moved on at once when this process changes the lesson (a comment posted,
  hidden or pinned here);
- for each (login, lesson) that the full checks let in, until when it may skip
  them (``TRUST_SECONDS``) and whether it moderates, renewed by each watch report
  (which passes the full checks every minute): a logout or a withdrawn invitation
  reaches the feed within that time;
- the members' answer to "what changed after n" at the current change number
  (after a comment every page asks the same question; one range read answers
  them all). Moderators, who also see hidden comments, always read their own.

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
TRUST_SECONDS = 90.0  # a login let in by the full checks skips them this long
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
_trusted: dict[tuple[int, str, int], tuple[float, bool]] = {}
# The members' answer to "what changed after since" at a lesson's change number:
# lesson → (seq, {since: (answer's seq, comments as JSON)}).
_answers: dict[int, tuple[int, dict[int, tuple[int, str]]]] = {}


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


def trust(
    user_id: int,
    token: str,
    lesson_id: int,
    *,
    moderator: bool = False,
    tick: float | None = None,
) -> None:
    """The full checks let this login read this lesson's feed (as a moderator or not)."""
    tick = time.monotonic() if tick is None else tick
    if len(_trusted) > MAX_TRUSTED:
        for key, (until, _moderator) in list(_trusted.items()):
            if until <= tick:
                _trusted.pop(key, None)
    _trusted[(user_id, token, lesson_id)] = (tick + TRUST_SECONDS, moderator)


def trusted(user_id: int, token: str, lesson_id: int, *, tick: float | None = None) -> bool | None:
    """None unless the login is trusted; else whether it moderates the lesson."""
    tick = time.monotonic() if tick is None else tick
    found = _trusted.get((user_id, token, lesson_id))
    if found is None or found[0] <= tick:
        return None
    return found[1]


def renew(user_id: int, token: str, lesson_id: int, *, tick: float | None = None) -> None:
    """The full checks let this login in again (a watch report, every minute): a trusted
    login stays trusted while it watches, and its feed never needs the full checks."""
    tick = time.monotonic() if tick is None else tick
    found = _trusted.get((user_id, token, lesson_id))
    if found is not None and found[0] > tick:
        _trusted[(user_id, token, lesson_id)] = (tick + TRUST_SECONDS, found[1])


def is_trusted(user_id: int, token: str, lesson_id: int, *, tick: float | None = None) -> bool:
    return trusted(user_id, token, lesson_id, tick=tick) is not None


def answer(lesson_id: int, seq: int, since: int) -> tuple[int, str] | None:
    """The members' cached answer for ``since`` at change number ``seq``, if any."""
    found = _answers.get(lesson_id)
    if found is None or found[0] != seq:
        return None
    return found[1].get(since)


def keep_answer(lesson_id: int, seq: int, since: int, body: tuple[int, str]) -> None:
    """Keep an answer read at ``seq`` (only a complete one: its own seq is ``seq``)."""
    if body[0] != seq:
        return
    found = _answers.get(lesson_id)
    if found is None or found[0] != seq:
        found = _answers[lesson_id] = (seq, {})
    if len(found[1]) < 64:
        found[1][since] = body


def forget() -> None:
    """Drop everything (tests)."""
    _lessons.clear()
    _trusted.clear()
    _answers.clear()
