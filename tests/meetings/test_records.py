"""Planning, recording and review: the states, the rules, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.core.errors import Conflict, DomainError, InvalidInput
from studyhub.meetings.models import Meeting, MeetingEvent, MeetingKind, MeetingState
from studyhub.meetings.services import attendance, records
from tests.conftest import NOW
from tests.meetings.conftest import MEETING_AT, minutes, plan_lesson


def trail(session, meeting: Meeting) -> list[MeetingEvent]:
    return list(
        session.scalars(
            select(MeetingEvent)
            .where(MeetingEvent.meeting_id == meeting.id)
            .order_by(MeetingEvent.at, MeetingEvent.id)
        )
    )


def actions(session, meeting: Meeting) -> list[str]:
    return [e.action for e in trail(session, meeting)]


AFTER = MEETING_AT + timedelta(hours=3)


def test_plan_creates_a_planned_meeting_with_its_trail(session, world):
    meeting = plan_lesson(session, world)

    assert meeting.state == MeetingState.PLANNED
    assert meeting.committee_id == world.committee.id
    assert meeting.branch_id == world.branch_a.id
    assert meeting.lecturer_name == "甲书记"
    assert meeting.created_by_id == world.secretary_a.user_id
    [created] = trail(session, meeting)
    assert created.action == "created"
    assert created.user_id == world.secretary_a.user_id
    assert created.detail["values"]["title"] == "学习党的二十届四中全会精神"
    assert created.detail["values"]["kind"] == "lesson"


def test_only_lessons_keep_a_lecturer(session, world):
    meeting = plan_lesson(session, world, kind=MeetingKind.COMMITTEE_MEETING)
    assert meeting.lecturer_name == ""


def test_group_meetings_need_a_group_of_the_branch(session, world):
    with pytest.raises(InvalidInput, match="group"):
        plan_lesson(session, world, kind=MeetingKind.GROUP_MEETING)
    with pytest.raises(InvalidInput, match="not in the branch"):
        plan_lesson(session, world, kind=MeetingKind.GROUP_MEETING, branch=world.branch_b,
                    group=world.group_a1, by=world.secretary_b)  # fmt: skip
    with pytest.raises(InvalidInput, match="Only a Party group meeting"):
        plan_lesson(session, world, kind=MeetingKind.LESSON, group=world.group_a1)
    meeting = plan_lesson(session, world, kind=MeetingKind.GROUP_MEETING, group=world.group_a1)
    assert meeting.group_id == world.group_a1.id


def test_a_meeting_needs_a_topic(session, world):
    with pytest.raises(InvalidInput, match="topic"):
        plan_lesson(session, world, title="   ")


def test_the_full_path_to_approval(session, world):
    meeting = plan_lesson(session, world)
    secretary = world.secretary_a.user

    records.record_meeting(session, meeting, minutes(), by=secretary, now=AFTER)
    assert meeting.state == MeetingState.HELD
    assert meeting.minutes_html.startswith("<h2>学习内容</h2>")
    assert meeting.recorded_at == AFTER
    assert meeting.recorded_by_id == secretary.id

    records.submit_meeting(session, meeting, by=secretary, now=AFTER + timedelta(minutes=5))
    assert meeting.state == MeetingState.SUBMITTED
    assert meeting.submitted_at == AFTER + timedelta(minutes=5)

    records.approve_meeting(session, meeting, by=world.staff.user, now=AFTER + timedelta(days=1))
    assert meeting.state == MeetingState.APPROVED
    assert meeting.reviewed_by_id == world.staff.user_id
    assert actions(session, meeting) == [
        "created",
        "roster_taken",
        "recorded",
        "submitted",
        "approved",
    ]


def test_return_and_resubmission(session, world):
    meeting = plan_lesson(session, world)
    secretary = world.secretary_a.user
    records.record_meeting(session, meeting, minutes(), by=secretary, now=AFTER)
    records.submit_meeting(session, meeting, by=secretary, now=AFTER)

    records.return_meeting(
        session, meeting, reason="缺少讨论发言记录", by=world.staff.user, now=AFTER + timedelta(1)
    )
    assert meeting.state == MeetingState.RETURNED
    assert meeting.state_reason == "缺少讨论发言记录"
    with pytest.raises(Conflict):
        records.approve_meeting(session, meeting, by=world.staff.user, now=AFTER)

    fixed = minutes(text="## 学习内容\n\n传达学习了全会精神。\n\n## 讨论发言\n\n甲党员一：……")
    records.record_meeting(session, meeting, fixed, by=secretary, now=AFTER + timedelta(2))
    assert meeting.state == MeetingState.RETURNED  # corrected, not yet sent again
    assert meeting.recorded_at == AFTER  # the first writing is kept
    records.submit_meeting(session, meeting, by=secretary, now=AFTER + timedelta(2))
    assert meeting.state == MeetingState.SUBMITTED
    assert meeting.state_reason is None
    records.approve_meeting(session, meeting, by=world.staff.user, now=AFTER + timedelta(3))
    assert meeting.state == MeetingState.APPROVED

    events = trail(session, meeting)
    assert [e.action for e in events] == [
        "created",
        "roster_taken",
        "recorded",
        "submitted",
        "returned",
        "edited",
        "submitted",
        "approved",
    ]
    returned = events[4]
    assert returned.detail == {"reason": "缺少讨论发言记录"}
    assert returned.user_id == world.staff.user_id
    edited = events[5]
    assert list(edited.detail["changes"]) == ["minutes_markdown"]
    assert "+## 讨论发言" in edited.detail["changes"]["minutes_markdown"]["diff"]


@pytest.mark.parametrize(
    ("state", "operation"),
    [
        (MeetingState.PLANNED, "submit"),
        (MeetingState.PLANNED, "approve"),
        (MeetingState.PLANNED, "return"),
        (MeetingState.HELD, "approve"),
        (MeetingState.HELD, "cancel"),
        (MeetingState.SUBMITTED, "record"),
        (MeetingState.SUBMITTED, "cancel"),
        (MeetingState.SUBMITTED, "submit"),
        (MeetingState.APPROVED, "record"),
        (MeetingState.APPROVED, "return"),
        (MeetingState.APPROVED, "edit"),
        (MeetingState.CANCELLED, "record"),
        (MeetingState.CANCELLED, "submit"),
    ],
)
def test_illegal_moves_are_refused(session, world, state, operation):
    meeting = plan_lesson(session, world)
    secretary, staff = world.secretary_a.user, world.staff.user
    if state != MeetingState.PLANNED and state != MeetingState.CANCELLED:
        records.record_meeting(session, meeting, minutes(), by=secretary, now=AFTER)
    if state in (MeetingState.SUBMITTED, MeetingState.APPROVED):
        records.submit_meeting(session, meeting, by=secretary, now=AFTER)
    if state == MeetingState.APPROVED:
        records.approve_meeting(session, meeting, by=staff, now=AFTER)
    if state == MeetingState.CANCELLED:
        records.cancel_meeting(session, meeting, reason="台风停会", by=secretary, now=NOW)
    assert meeting.state == state
    before = len(trail(session, meeting))

    run = {
        "submit": lambda: records.submit_meeting(session, meeting, by=secretary, now=AFTER),
        "approve": lambda: records.approve_meeting(session, meeting, by=staff, now=AFTER),
        "return": lambda: records.return_meeting(session, meeting, reason="x", by=staff, now=AFTER),
        "cancel": lambda: records.cancel_meeting(
            session, meeting, reason="x", by=secretary, now=AFTER
        ),
        "record": lambda: records.record_meeting(
            session, meeting, minutes(), by=secretary, now=AFTER
        ),
        "edit": lambda: records.update_meeting(
            session,
            meeting,
            records.MeetingFields(kind=MeetingKind.LESSON, title="改", planned_at=MEETING_AT),
            by=secretary,
            now=AFTER,
        ),
    }[operation]
    with pytest.raises(DomainError):
        run()
    assert meeting.state == state
    assert len(trail(session, meeting)) == before


def test_cancel_needs_a_reason_and_is_kept(session, world):
    meeting = plan_lesson(session, world)
    with pytest.raises(InvalidInput, match="reason"):
        records.cancel_meeting(session, meeting, reason=" ", by=world.secretary_a.user, now=NOW)
    records.cancel_meeting(session, meeting, reason="台风停会", by=world.secretary_a.user, now=NOW)
    assert meeting.state == MeetingState.CANCELLED
    assert meeting.state_reason == "台风停会"
    assert trail(session, meeting)[-1].detail == {"reason": "台风停会"}


def test_return_needs_a_reason(session, world):
    meeting = plan_lesson(session, world)
    records.record_meeting(session, meeting, minutes(), by=world.secretary_a.user, now=AFTER)
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    with pytest.raises(InvalidInput, match="reason"):
        records.return_meeting(session, meeting, reason="", by=world.staff.user, now=AFTER)
    assert meeting.state == MeetingState.SUBMITTED


def test_submit_needs_minutes(session, world):
    meeting = plan_lesson(session, world)
    records.record_meeting(
        session, meeting, minutes(text="   "), by=world.secretary_a.user, now=AFTER
    )
    with pytest.raises(InvalidInput, match="minutes"):
        records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    assert meeting.state == MeetingState.HELD


def test_record_times_are_checked(session, world):
    meeting = plan_lesson(session, world)
    secretary = world.secretary_a.user
    with pytest.raises(InvalidInput, match="before it has started"):
        records.record_meeting(session, meeting, minutes(at=NOW + timedelta(hours=1)),
                               by=secretary, now=NOW)  # fmt: skip
    backwards = records.RecordFields(
        started_at=MEETING_AT, ended_at=MEETING_AT - timedelta(minutes=1), minutes_markdown="x"
    )
    with pytest.raises(InvalidInput, match="end"):
        records.record_meeting(session, meeting, backwards, by=secretary, now=AFTER)
    assert meeting.state == MeetingState.PLANNED
    assert meeting.recorded_at is None


def test_back_dated_record_keeps_when_it_was_written(session, world):
    """A meeting recorded six weeks later says so: started_at in the past, recorded_at now."""
    held = NOW - timedelta(days=42)
    meeting = plan_lesson(session, world, at=held, now=NOW)
    records.record_meeting(session, meeting, minutes(at=held), by=world.secretary_a.user, now=NOW)
    assert meeting.started_at == held
    assert meeting.recorded_at == NOW
    assert meeting.created_at == NOW


def test_minutes_are_sanitised(session, world):
    meeting = plan_lesson(session, world)
    dirty = minutes(
        text='好<script>alert(1)</script><a href="javascript:x()" onclick="y()">链接</a>'
    )
    records.record_meeting(session, meeting, dirty, by=world.secretary_a.user, now=AFTER)
    assert "<script" not in meeting.minutes_html
    assert "javascript:" not in meeting.minutes_html
    assert "onclick" not in meeting.minutes_html
    assert "链接" in meeting.minutes_html


def test_edits_are_diffed_field_by_field(session, world):
    meeting = plan_lesson(session, world)
    fields = records.MeetingFields(
        kind=MeetingKind.LESSON,
        title="学习党的二十届四中全会精神（第二次）",
        planned_at=MEETING_AT + timedelta(hours=1),
        place="三楼会议室",
        host_name="甲书记",
        recorder_name="甲委员",
        lecturer_name="甲书记",
    )
    assert records.update_meeting(session, meeting, fields, by=world.committee_a.user, now=NOW)
    event = trail(session, meeting)[-1]
    assert event.action == "edited"
    assert event.user_id == world.committee_a.user_id
    changes = event.detail["changes"]
    assert set(changes) == {"title", "planned_at"}
    assert changes["title"] == [
        "学习党的二十届四中全会精神",
        "学习党的二十届四中全会精神（第二次）",
    ]
    assert changes["planned_at"][1].startswith("2026-11-22T03:30:00")
    # Saving the same values again writes nothing.
    assert not records.update_meeting(session, meeting, fields, by=world.secretary_a.user, now=NOW)
    assert trail(session, meeting)[-1].id == event.id


def test_kind_and_group_stay_once_the_roster_is_taken(session, world):
    meeting = plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING)
    attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=NOW)
    fields = records.MeetingFields(
        kind=MeetingKind.GROUP_MEETING, title="改", planned_at=MEETING_AT, group=world.group_a1
    )
    with pytest.raises(InvalidInput, match="roster"):
        records.update_meeting(session, meeting, fields, by=world.secretary_a.user, now=NOW)
    assert meeting.kind == MeetingKind.GENERAL_MEETING


def test_open_leave_requests_block_submission(session, world):
    meeting = plan_lesson(session, world)
    attendance.request_leave(session, meeting, world.member_a1.user, reason="出差", now=NOW)
    records.record_meeting(session, meeting, minutes(), by=world.secretary_a.user, now=AFTER)
    with pytest.raises(InvalidInput, match="leave"):
        records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
