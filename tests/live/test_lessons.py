"""Scheduling: invitations, the branch meetings, guests, secretaries, and who may watch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyhub.core.errors import InvalidInput, NotFound
from studyhub.live import access, queries
from studyhub.live.services import lessons
from studyhub.meetings.models import Meeting, MeetingKind, MeetingState
from studyhub.org.access import grants_for
from tests.live.conftest import ENDS, STARTS, schedule
from tests.meetings.conftest import plan_lesson


def invited(session, grants, lesson) -> bool:
    """What the views ask: an invitation of one of the user's units (one lookup)."""
    ids = access.member_unit_ids(grants)
    return session.scalar(queries.invitation_among(lesson.id, ids)) is not None


def watch_ok(session, grants, lesson) -> bool:
    return access.can_watch(grants, lesson, is_invited=invited(session, grants, lesson))


def test_each_invited_branch_gets_a_planned_lesson_meeting(session, world, lesson):
    meetings = {i.branch_id: session.get(Meeting, i.meeting_id) for i in lesson.invitations}
    assert set(meetings) == {world.branch_a.id, world.branch_b.id}
    for branch_id, meeting in meetings.items():
        assert meeting.branch_id == branch_id
        assert meeting.kind == MeetingKind.LESSON
        assert meeting.state == MeetingState.PLANNED
        assert meeting.lecturer_name == "王书记"
    assert not any(i.is_guest for i in lesson.invitations)


def test_the_branch_own_lesson_of_that_day_is_linked_not_duplicated(session, world):
    own = plan_lesson(session, world, at=STARTS + timedelta(hours=3))
    lesson = schedule(session, world)
    linked = {i.branch_id: i.meeting_id for i in lesson.invitations}
    assert linked[world.branch_a.id] == own.id
    assert linked[world.branch_b.id] != own.id


def test_a_guest_branch_of_another_committee(session, world, make):
    guest_branch = make.branch(world.other_staff.branch.parent, "别的支部")
    guest = make.member(guest_branch, name="客人党员")
    lesson = schedule(session, world, branches=[world.branch_a, guest_branch])
    invitation = next(i for i in lesson.invitations if i.branch_id == guest_branch.id)
    assert invitation.is_guest
    meeting = session.get(Meeting, invitation.meeting_id)
    assert meeting.committee_id == guest_branch.committee_id
    grants = grants_for(session, guest.user)
    assert watch_ok(session, grants, lesson)
    assert not access.can_moderate(grants, lesson)
    # Another lesson of the host committee, not for the guest's branch, stays unknown.
    other = schedule(session, world, branches=[world.branch_b])
    with pytest.raises(NotFound):
        access.require_watch(grants, other, is_invited=invited(session, grants, other))


def test_uninvited_members_do_not_see_the_lesson(session, world):
    lesson = schedule(session, world, branches=[world.branch_a])
    assert watch_ok(session, grants_for(session, world.member_a1.user), lesson)
    outsider = grants_for(session, world.member_b.user)
    assert not invited(session, outsider, lesson)
    with pytest.raises(NotFound):
        access.require_watch(outsider, lesson, is_invited=False)
    assert access.can_host(grants_for(session, world.staff.user), lesson)
    assert not access.can_host(grants_for(session, world.other_staff.user), lesson)


def test_a_secretary_schedules_for_their_branch_only(session, world):
    fields = lessons.LessonFields(
        title="支部直播党课", starts_at=STARTS, planned_end_at=ENDS, branches=[world.branch_a]
    )
    lesson = lessons.schedule_lesson(
        session,
        world.committee,
        fields,
        host_branch=world.branch_a,
        by=world.secretary_a.user,
        now=STARTS,
    )
    assert access.can_host(grants_for(session, world.secretary_a.user), lesson)
    assert not access.can_host(grants_for(session, world.secretary_b.user), lesson)
    wider = lessons.LessonFields(
        title="支部直播党课",
        starts_at=STARTS,
        planned_end_at=ENDS,
        branches=[world.branch_a, world.branch_b],
    )
    with pytest.raises(InvalidInput):
        lessons.schedule_lesson(
            session,
            world.committee,
            wider,
            host_branch=world.branch_a,
            by=world.secretary_a.user,
            now=STARTS,
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": " "}, "title"),
        ({"planned_end_at": STARTS}, "end"),
        ({"planned_end_at": STARTS + timedelta(hours=9)}, "8 hours"),
        ({"threshold_percent": 0}, "percent"),
        ({"stream_url": "javascript:alert(1)"}, "http"),
        ({"branches": []}, "branch"),
        ({"makeup_until": ENDS - timedelta(minutes=1)}, "deadline"),
    ],
)
def test_bad_lessons_are_refused(session, world, change, message):
    values = {
        "title": "直播党课",
        "starts_at": STARTS,
        "planned_end_at": ENDS,
        "branches": [world.branch_a],
        "stream_url": "https://live.example.cn/a.m3u8",
    }
    values.update(change)
    with pytest.raises(InvalidInput, match=message):
        lessons.schedule_lesson(
            session,
            world.committee,
            lessons.LessonFields(**values),
            by=world.staff.user,
            now=STARTS,
        )


def test_media_origin_and_kind():
    assert lessons.media_origin("https://live.example.cn:8443/a/b.m3u8?x=1") == (
        "https://live.example.cn:8443"
    )
    assert lessons.is_hls("https://x.cn/a/index.M3U8")
    assert not lessons.is_hls("https://x.cn/a.mp4")
