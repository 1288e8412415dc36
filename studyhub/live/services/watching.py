"""Honest watch time of a live lesson, live and by replay, and 补学.

The page counts a second only while the video is playing and the page is
visible, and reports the seconds it has not yet reported every 15 seconds,
when it is hidden or paused (saying so) and when it plays again (with no
seconds, saying so). The stretch after a report that said "paused" or
"hidden" earns nothing, whatever the next report claims. The server believes a report no further
than the reading pages' beacons (``readings.services.tracking.clamp_credit``):
never more than the wall time since the time already credited plus a little
slack, never a stretch beyond 30 minutes. So a tab in the background earns
nothing (the page stops counting, and a forged report cannot add more than the
time that passed), a faster-than-real-time player earns real time at most, and
after a network failure the kept seconds arrive with the next report, still
clamped to the time that passed.

Live seconds are counted between the start and the end of the lesson, never
more than its length; after the end, seconds count as replay. A member who
was not present live and has watched the required share of the replay before
the host's deadline has made the lesson up (补学): the branch's record shows it
on their (still absent) attendance row, never as attendance.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed
from studyhub.live import queries
from studyhub.live.models import LiveLesson, LiveWatch
from studyhub.live.services import attendance
from studyhub.live.services.attendance import duration_seconds, required_seconds
from studyhub.org.models import Member
from studyhub.readings.services.tracking import SLACK_SECONDS, clamp_credit

# A viewer reports every 15 s; one silent for longer than this has left.
VIEWER_WINDOW = timedelta(seconds=40)


def is_replay_time(lesson: LiveLesson, now: datetime) -> bool:
    return lesson.ended_at is not None or now >= as_utc(lesson.planned_end_at)


def watch_of(session: Session, lesson: LiveLesson, member: Member, *, now: datetime) -> LiveWatch:
    """The member's watch row, made on their first report (a concurrent first report wins)."""
    key = {"lesson_id": lesson.id, "user_id": member.user_id}
    watch = session.scalars(select(LiveWatch).filter_by(**key).with_for_update()).first()
    if watch is not None:
        return watch
    watch = LiveWatch(
        **key,
        branch_id=member.branch_id,
        live_seconds=0,
        replay_seconds=0,
        first_seen_at=now,
        last_seen_at=now,
        is_paused=False,
    )
    try:
        with session.begin_nested():
            session.add(watch)
    except IntegrityError:
        watch = session.scalars(select(LiveWatch).filter_by(**key).with_for_update()).one()
    return watch


def record_watch(
    session: Session,
    lesson: LiveLesson,
    *,
    member: Member,
    seconds: int,
    is_playing: bool,
    is_visible: bool,
    now: datetime,
) -> LiveWatch:
    """Credit a report of ``seconds`` watched (the caller checked the member is invited)."""
    if now < as_utc(lesson.starts_at):
        raise Closed(_l("The lesson has not started yet."))
    watch = watch_of(session, lesson, member, now=now)
    if watch.is_paused:
        seconds = 0  # the stretch since a report said "paused" or "hidden" was not watched
    watch.is_paused = not (is_playing and is_visible)
    before = as_utc(watch.last_seen_at)
    added, watch.last_seen_at = clamp_credit(before, max(0, seconds), now=now)
    ends_at = as_utc(lesson.ends_at)
    if before < ends_at:
        # Live: only the part of the stretch before the end (plus the slack) is live.
        live_room = math.floor((ends_at - before).total_seconds()) + SLACK_SECONDS
        live = min(added, max(0, live_room))
        watch.live_seconds = min(duration_seconds(lesson), watch.live_seconds + live)
    else:
        watch.replay_seconds = min(duration_seconds(lesson), watch.replay_seconds + added)
        _maybe_made_up(session, lesson, watch, now=now)
    session.flush()
    return watch


def _maybe_made_up(session: Session, lesson: LiveLesson, watch: LiveWatch, *, now: datetime):
    """Record 补学 once: enough replay, before the deadline, not already present live."""
    if watch.made_up_at is not None or lesson.makeup_until is None:
        return
    if now > as_utc(lesson.makeup_until) or watch.replay_seconds < required_seconds(lesson):
        return
    if watch.live_seconds >= required_seconds(lesson):
        return
    if attendance.mark_made_up(session, lesson, watch, now=now):
        watch.made_up_at = now


def viewer_window(report_every_seconds: int) -> timedelta:
    """How far back a report still makes a viewer: 40 s, or more when pages report less
    often (one missed report and some slack)."""
    return max(VIEWER_WINDOW, timedelta(seconds=report_every_seconds * 1.5 + 10))


def viewer_count(
    session: Session, lesson: LiveLesson, *, now: datetime, window: timedelta = VIEWER_WINDOW
) -> int:
    """Members who reported in the last ``window`` (40 seconds unless told)."""
    return session.scalar(queries.viewers(lesson.id, now - window)) or 0
