# ruff: noqa: F811  (the fixtures imported below are parameters of the ones here)
"""The meetings' world (a committee with branches A and B, staff, another committee) and
a live lesson of the committee for both branches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyhub.live import feedstate
from studyhub.live.services import lessons
from tests.conftest import TEST_START
from tests.meetings.conftest import client, english, world  # noqa: F401

STARTS = TEST_START - timedelta(minutes=10)  # the view tests' clock is in the lesson
ENDS = STARTS + timedelta(minutes=60)


def schedule(session, world, *, branches=None, starts=STARTS, ends=ENDS, **kwargs):
    fields = lessons.LessonFields(
        title="学习贯彻全会精神直播党课",
        lecturer_name="王书记",
        starts_at=starts,
        planned_end_at=ends,
        branches=branches or [world.branch_a, world.branch_b],
        stream_url=kwargs.pop("stream_url", "https://live.example.cn/lesson/index.m3u8"),
        **kwargs,
    )
    return lessons.schedule_lesson(
        session, world.committee, fields, by=world.staff.user, now=starts - timedelta(days=1)
    )


@pytest.fixture(autouse=True)
def _fresh_feed_state():
    """The feed's per-process cache (``live.feedstate``) starts empty in every test."""
    feedstate.forget()
    yield
    feedstate.forget()


@pytest.fixture
def lesson(session, world):
    return schedule(session, world)
