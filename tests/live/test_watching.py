"""Honest watch time: playing and visible only, no faster than real time, reconnects, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyhub.core.errors import Closed
from studyhub.live.services import watching
from tests.live.conftest import ENDS, STARTS


def report(session, lesson, member, seconds, *, at, playing=True, visible=True):
    return watching.record_watch(
        session,
        lesson,
        member=member,
        seconds=seconds,
        is_playing=playing,
        is_visible=visible,
        now=at,
    )


def at(seconds: int):
    return STARTS + timedelta(seconds=seconds)


def test_reports_while_playing_add_up(session, world, lesson):
    report(session, lesson, world.member_a1, 0, at=at(0))
    for t in range(15, 181, 15):
        watch = report(session, lesson, world.member_a1, 15, at=at(t))
    assert watch.live_seconds == 180
    assert watch.replay_seconds == 0


def test_no_more_than_real_time(session, world, lesson):
    report(session, lesson, world.member_a1, 0, at=at(0))
    watch = report(session, lesson, world.member_a1, 600, at=at(60))
    assert watch.live_seconds == 65  # 60 s passed, plus the slack once
    watch = report(session, lesson, world.member_a1, 30, at=at(61))
    assert watch.live_seconds == 66  # never more than the 61 s that passed plus the slack
    watch = report(session, lesson, world.member_a1, 30, at=at(62))
    assert watch.live_seconds == 67


def test_a_background_tab_earns_nothing(session, world, lesson):
    report(session, lesson, world.member_a1, 0, at=at(0))
    report(session, lesson, world.member_a1, 30, at=at(30), visible=False)  # hidden now
    # Ten minutes in the background, then a report claiming them: nothing.
    watch = report(session, lesson, world.member_a1, 600, at=at(630))
    assert watch.live_seconds == 30
    # Back and playing: counting resumes from that report.
    watch = report(session, lesson, world.member_a1, 15, at=at(645))
    assert watch.live_seconds == 45


def test_a_paused_video_earns_nothing(session, world, lesson):
    report(session, lesson, world.member_a1, 0, at=at(0))
    report(session, lesson, world.member_a1, 10, at=at(10), playing=False)
    watch = report(session, lesson, world.member_a1, 0, at=at(300))  # plays again
    watch = report(session, lesson, world.member_a1, 15, at=at(315))
    assert watch.live_seconds == 25


def test_a_flaky_network_loses_nothing_it_watched(session, world, lesson):
    report(session, lesson, world.member_a1, 0, at=at(0))
    # Three reports were lost; the fourth carries their seconds too.
    watch = report(session, lesson, world.member_a1, 60, at=at(61))
    assert watch.live_seconds == 60


def test_live_seconds_stop_at_the_end_then_count_as_replay(session, world, lesson):
    end = int((ENDS - STARTS).total_seconds())
    report(session, lesson, world.member_a1, 0, at=at(end - 20))
    watch = report(session, lesson, world.member_a1, 30, at=at(end + 10))
    assert watch.live_seconds == 25  # 20 s before the end, plus the slack
    watch = report(session, lesson, world.member_a1, 15, at=at(end + 25))
    assert watch.live_seconds == 25
    assert watch.replay_seconds == 15


def test_before_the_start_nothing(session, world, lesson):
    with pytest.raises(Closed):
        report(session, lesson, world.member_a1, 10, at=at(-60))


def test_the_viewer_count_is_of_the_last_40_seconds(session, world, lesson):
    report(session, lesson, world.member_a1, 0, at=at(0))
    report(session, lesson, world.member_a2, 0, at=at(30))
    report(session, lesson, world.member_b, 0, at=at(60))
    assert watching.viewer_count(session, lesson, now=at(61)) == 2
