"""Joint and committee-wide meetings: in each participating branch's record and compliance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.core.errors import InvalidInput
from studyhub.meetings import notices, queries
from studyhub.meetings.models import MeetingKind
from studyhub.meetings.services import attendance, joint, records
from studyhub.meetings.services import compliance as service
from studyhub.notify.models import Message
from tests.conftest import NOW
from tests.meetings.conftest import minutes, plan_lesson
from tests.meetings.test_compliance import line, local


def test_a_joint_meeting_is_in_each_branchs_list_roster_and_notices(session, world):
    meeting = plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING)
    assert joint.set_participants(session, meeting, [world.branch_b], by=world.staff.user, now=NOW)
    assert not joint.set_participants(
        session, meeting, [world.branch_b], by=world.staff.user, now=NOW
    )

    roster = set(session.scalars(queries.roster_members(meeting)))
    assert world.member_b.user_id in roster and world.member_a1.user_id in roster
    listed = [m.id for m, *_ in session.execute(queries.branch_meetings(world.branch_b.id))]
    assert listed == [meeting.id]
    mine = queries.member_meetings(world.member_b, world.member_b.user_id)
    theirs = [m.id for m, *_ in session.execute(mine)]
    assert theirs == [meeting.id]
    notices.send_event_notices(session, now=NOW + timedelta(minutes=1))
    told = set(session.scalars(select(Message.user_id).where(Message.kind == notices.INVITATION)))
    assert told == {m.user_id for m in world.a_members} | {
        world.member_b.user_id,
        world.secretary_b.user_id,
    }
    # A member of the other branch may ask for leave.
    attendance.request_leave(
        session, meeting, world.member_b.user, reason="出差", now=NOW + timedelta(hours=1)
    )


def test_a_joint_meeting_counts_in_each_branchs_compliance(session, world):
    at = local(2026, 5, 12, 14)
    meeting = plan_lesson(
        session, world, kind=MeetingKind.GENERAL_MEETING, at=at, now=at - timedelta(days=7)
    )
    joint.set_participants(
        session, meeting, [world.branch_b], by=world.staff.user, now=at - timedelta(days=7)
    )
    records.record_meeting(
        session, meeting, minutes(at), by=world.secretary_a.user, now=at + timedelta(hours=2)
    )
    june = local(2026, 6, 15, 12)
    for branch in (world.branch_a, world.branch_b):
        result = service.compliance(session, branch, 2026, now=june)
        cell = line(result, MeetingKind.GENERAL_MEETING).cells[1]  # Q2
        assert (cell.held, cell.status) == (1, service.Status.MET), branch.name
    overview = service.unit_compliance(session, world.committee, now=june)
    met = {
        b.name
        for b in overview.branches
        for r in b.requirements
        if r.kind == MeetingKind.GENERAL_MEETING and r.status == service.Status.MET
    }
    assert met == {"甲支部", "乙支部"}
    # The roster (taken when recorded) has both branches' members.
    rows = set(session.scalars(queries.roster_members(meeting)))
    assert world.member_b.user_id in rows


def test_whole_committee_and_the_limits(session, world, make):
    meeting = plan_lesson(session, world, kind=MeetingKind.LESSON)
    joint.whole_committee(session, meeting, by=world.staff.user, now=NOW)
    names = sorted(p.branch.name for p in meeting.participants)
    assert names == ["乙支部", "党委办公室"]
    other = make.branch(make.committee("别处党委"), "别处支部")
    with pytest.raises(InvalidInput):
        joint.set_participants(session, meeting, [other], by=world.staff.user, now=NOW)
    group_meeting = plan_lesson(
        session, world, kind=MeetingKind.GROUP_MEETING, group=world.group_a1
    )
    with pytest.raises(InvalidInput):
        joint.set_participants(
            session, group_meeting, [world.branch_b], by=world.staff.user, now=NOW
        )
    attendance.take_roster(session, meeting, by=world.secretary_a.user, now=NOW)
    with pytest.raises(InvalidInput):
        joint.set_participants(session, meeting, [], by=world.staff.user, now=NOW)
    assert len(meeting.participants) == 2


def test_members_of_a_participating_branch_see_the_meeting(session, world, client, login):
    meeting = plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING)
    login(world.member_b.user)
    session.commit()
    assert client.get(f"/meetings/{meeting.id}").status_code == 403
    joint.set_participants(session, meeting, [world.branch_b], by=world.staff.user, now=NOW)
    session.commit()
    assert client.get(f"/meetings/{meeting.id}").status_code == 200


def test_staff_choose_the_branches_on_a_page(session, world, client, login):
    meeting = plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING)
    session.commit()
    url = f"/meetings/{meeting.id}/participants"
    login(world.secretary_a.user)
    assert client.get(url).status_code == 403
    login(world.staff.user)
    assert "乙支部" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"branch": [str(world.branch_b.id)]}).status_code == 302
    session.expire_all()
    assert [p.branch_id for p in meeting.participants] == [world.branch_b.id]
    assert client.post(url, data={"whole": "y"}).status_code == 302
    session.expire_all()
    assert len(meeting.participants) == 2


def test_the_meeting_page_names_the_branches_taking_part(session, world, client, login):
    meeting = plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING)
    joint.set_participants(session, meeting, [world.branch_b], by=world.staff.user, now=NOW)
    session.commit()
    login(world.staff.user)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="participants">乙支部<' in page and "participants-link" in page


def test_a_member_of_a_participating_branch_asks_for_leave_on_the_page(
    session, world, client, login
):
    # After the test clock's start (TEST_START), so leave can still be asked for.
    at = NOW + timedelta(days=10)
    meeting = plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING, at=at)
    joint.set_participants(session, meeting, [world.branch_b], by=world.staff.user, now=NOW)
    session.commit()
    login(world.member_b.user)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="leave-reason"' in page


def test_branches_joining_later_are_invited_and_the_others_not_again(session, world):
    meeting = plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING)
    assert notices.send_event_notices(session, now=NOW + timedelta(minutes=1)) == 5
    joint.set_participants(
        session, meeting, [world.branch_b], by=world.staff.user, now=NOW + timedelta(minutes=2)
    )
    assert notices.send_event_notices(session, now=NOW + timedelta(minutes=3)) == 2
    told = session.scalars(select(Message.user_id).where(Message.kind == notices.INVITATION)).all()
    assert len(told) == 7 and world.member_b.user_id in told
