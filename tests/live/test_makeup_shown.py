"""A member who made a live lesson up by its replay sees 补学 on their own meeting page and
in their meeting history, beside their attendance, which stays absent."""

from __future__ import annotations

import re
from datetime import timedelta

from studyhub.live.jobs import write_ended_lessons
from studyhub.meetings.models import AttendanceStatus, MeetingState
from tests.live.conftest import ENDS, schedule
from tests.live.test_attendance import AFTER, HOUR, meeting_of, row_of, watch_for


def _my_status(page: str) -> str:
    return re.search(r'<p id="my-status">(.*?)</p>', page, re.S).group(1)


def test_replay_makeup_shows_as_such_never_as_attendance(client, login, world, session):
    lesson = schedule(session, world, makeup_until=ENDS + timedelta(days=3))
    watch_for(session, lesson, world.member_a2, int(HOUR * 0.9))  # live: present
    write_ended_lessons(session, now=AFTER)
    watch_for(session, lesson, world.member_a1, int(HOUR * 0.8), start=ENDS + timedelta(hours=5))
    meeting = meeting_of(session, lesson, world.branch_a)
    assert row_of(session, meeting.id, world.member_a1).status == AttendanceStatus.ABSENT
    meeting.state = MeetingState.SUBMITTED  # the secretary submitted the record
    session.flush()

    login(world.member_a1.user)
    status = _my_status(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert 'id="my-makeup"' in status and "补学" in status
    assert "Absent" in status and "Present" not in status
    history = client.get("/meetings/").get_data(as_text=True)
    past = history.split('id="past"', 1)[1]
    assert meeting.title in past and 'data-makeup="done"' in past

    login(world.member_a2.user)
    status = _my_status(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "Present" in status and "my-makeup" not in status
    past = client.get("/meetings/").get_data(as_text=True).split('id="past"', 1)[1]
    assert meeting.title in past and "data-makeup" not in past
