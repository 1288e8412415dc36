"""The roster snapshot, derived counts, QR tokens, late check-in, manual marks and leave."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, Conflict, DomainError, InvalidInput, NotAllowed
from studyhub.meetings import queries
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    LeaveStatus,
    MeetingEvent,
    MeetingKind,
)
from studyhub.meetings.services import attendance, records
from studyhub.org import services as org
from tests.conftest import NOW
from tests.meetings.conftest import MEETING_AT, SECRET, minutes, plan_lesson

GRACE = timedelta(minutes=10)


def statuses(session, meeting) -> dict[str, str]:
    return {
        name: a.status.value for a, name in session.execute(queries.attendance_list(meeting.id))
    }


def counts(session, meeting) -> queries.Counts:
    row = session.execute(queries.counts_of([meeting.id])).first()
    return queries.Counts.from_row(row) if row else queries.Counts()


def open_lesson(session, world, **kwargs):
    meeting = plan_lesson(session, world, **kwargs)
    attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
    return meeting


def scan(session, meeting, member, *, at, token_at=None, secret=SECRET):
    token = attendance.checkin_token(meeting.id, secret=secret, now=token_at or at)
    return attendance.check_in(
        session, meeting, member.user, token=token, secret=SECRET, now=at, grace=GRACE
    )


def test_opening_check_in_snapshots_the_branch_roster(session, world):
    meeting = open_lesson(session, world)
    assert meeting.checkin_opened_at == MEETING_AT
    assert statuses(session, meeting) == {m.user.name: "absent" for m in world.a_members}
    assert counts(session, meeting) == queries.Counts(expected=5, attended=0, excused=0, absent=5)


def test_a_group_meeting_expects_the_group_only(session, world):
    meeting = open_lesson(session, world, kind=MeetingKind.GROUP_MEETING, group=world.group_a1)
    assert set(statuses(session, meeting)) == {"甲一组长", "甲党员一"}


def test_a_member_added_after_opening_is_not_expected(session, world, make):
    meeting = open_lesson(session, world)
    late_joiner = make.member(world.branch_a, name="新转入党员")
    assert "新转入党员" not in statuses(session, meeting)
    assert counts(session, meeting).expected == 5
    with pytest.raises(NotAllowed, match="not on the list"):
        scan(session, meeting, late_joiner, at=MEETING_AT)


def test_inactive_members_are_not_expected(session, world):
    org.set_member_active(world.member_a2, is_active=False, actor_id=None, now=NOW)
    meeting = open_lesson(session, world)
    assert "甲党员二" not in statuses(session, meeting)


def test_the_roster_is_taken_once(session, world):
    meeting = open_lesson(session, world)
    with pytest.raises(Conflict):
        attendance.take_roster(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
    # Opening again (after closing) reopens without a second snapshot.
    attendance.close_checkin(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
    assert not attendance.is_checkin_open(meeting)
    attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
    assert attendance.is_checkin_open(meeting)
    assert counts(session, meeting).expected == 5


def test_check_in_marks_present_and_counts_follow(session, world):
    meeting = open_lesson(session, world)
    row = scan(session, meeting, world.member_a1, at=MEETING_AT - timedelta(minutes=3))
    assert row.status == AttendanceStatus.PRESENT
    assert row.method == "qr"
    assert as_utc(row.checked_in_at) == MEETING_AT - timedelta(minutes=3)
    scan(session, meeting, world.member_a2, at=MEETING_AT + timedelta(minutes=9))
    assert counts(session, meeting) == queries.Counts(expected=5, attended=2, excused=0, absent=3)


def test_after_the_grace_a_check_in_is_late(session, world):
    meeting = open_lesson(session, world)
    row = scan(session, meeting, world.member_a1, at=MEETING_AT + timedelta(minutes=10, seconds=1))
    assert row.status == AttendanceStatus.LATE
    result = counts(session, meeting)
    assert (result.attended, result.late) == (1, 1)  # late people attended (实到)


def test_checking_in_twice_keeps_the_first_time(session, world):
    meeting = open_lesson(session, world)
    scan(session, meeting, world.member_a1, at=MEETING_AT)
    row = scan(session, meeting, world.member_a1, at=MEETING_AT + timedelta(minutes=30))
    assert row.status == AttendanceStatus.PRESENT
    assert as_utc(row.checked_in_at) == MEETING_AT


def test_a_token_lives_for_its_minute_and_the_next(session, world):
    meeting = open_lesson(session, world)
    shown = MEETING_AT.replace(second=50)
    # A minute later the token's minute is the previous one: still accepted.
    scan(session, meeting, world.member_a1, at=shown + timedelta(seconds=60), token_at=shown)
    # Fifteen seconds after that (the minute after next) it has expired.
    with pytest.raises(Closed, match="expired"):
        scan(session, meeting, world.member_a2, at=shown + timedelta(seconds=75), token_at=shown)
    # A token from the future (a forged or skewed one) is refused too.
    with pytest.raises(Closed, match="expired"):
        scan(session, meeting, world.member_a2, at=shown, token_at=shown + timedelta(minutes=2))
    assert statuses(session, meeting)["甲党员二"] == "absent"


def test_a_token_of_another_meeting_is_refused(session, world):
    meeting = open_lesson(session, world)
    other = open_lesson(session, world, title="另一次会议")
    token = attendance.checkin_token(other.id, secret=SECRET, now=MEETING_AT)
    with pytest.raises(InvalidInput, match="another meeting"):
        attendance.check_in(session, meeting, world.member_a1.user, token=token, secret=SECRET,
                            now=MEETING_AT, grace=GRACE)  # fmt: skip
    assert statuses(session, meeting)["甲党员一"] == "absent"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        URLSafeSerializer("another secret", salt=attendance.TOKEN_SALT).dumps([1, 1]),
        URLSafeSerializer(SECRET, salt="another salt").dumps([1, 1]),
        URLSafeSerializer(SECRET, salt=attendance.TOKEN_SALT).dumps({"m": 1}),
    ],
)
def test_forged_tokens_are_refused(session, world, token):
    meeting = open_lesson(session, world)
    with pytest.raises(InvalidInput, match="not valid"):
        attendance.check_in(session, meeting, world.member_a1.user, token=token, secret=SECRET,
                            now=MEETING_AT, grace=GRACE)  # fmt: skip


def test_no_check_in_before_it_opens_or_after_it_closes(session, world):
    meeting = plan_lesson(session, world)
    with pytest.raises(Closed, match="not open"):
        scan(session, meeting, world.member_a1, at=MEETING_AT)
    attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
    attendance.close_checkin(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
    with pytest.raises(Closed, match="not open"):
        scan(session, meeting, world.member_a1, at=MEETING_AT)


def test_members_outside_the_roster_are_refused(session, world):
    meeting = open_lesson(session, world)
    for outsider in (world.member_b, world.staff):
        with pytest.raises(NotAllowed, match="not on the list"):
            scan(session, meeting, outsider, at=MEETING_AT)
    group_meeting = open_lesson(
        session, world, kind=MeetingKind.GROUP_MEETING, group=world.group_a1
    )
    with pytest.raises(NotAllowed):
        scan(session, group_meeting, world.member_a2, at=MEETING_AT)


def test_submission_closes_check_in(session, world):
    meeting = open_lesson(session, world)
    secretary = world.secretary_a.user
    records.record_meeting(session, meeting, minutes(), by=secretary, now=MEETING_AT)
    records.submit_meeting(session, meeting, by=secretary, now=MEETING_AT + timedelta(hours=2))
    assert meeting.checkin_closed_at == MEETING_AT + timedelta(hours=2)
    with pytest.raises(Closed):
        scan(session, meeting, world.member_a1, at=MEETING_AT + timedelta(hours=2))


def test_manual_marks_are_audited(session, world):
    meeting = open_lesson(session, world)
    row = session.scalars(queries.attendance_of(meeting.id, world.member_a2.user_id)).one()
    secretary = world.secretary_a.user
    with pytest.raises(InvalidInput, match="reason"):
        attendance.mark_attendance(session, row, status=AttendanceStatus.EXCUSED, reason=" ",
                                   by=secretary, now=MEETING_AT)  # fmt: skip

    assert attendance.mark_attendance(session, row, status=AttendanceStatus.EXCUSED,
                                      reason="住院", by=secretary, now=MEETING_AT)  # fmt: skip
    assert (row.status, row.reason, row.method) == (AttendanceStatus.EXCUSED, "住院", "manual")
    assert not attendance.mark_attendance(session, row, status=AttendanceStatus.EXCUSED,
                                          reason="住院", by=secretary, now=MEETING_AT)  # fmt: skip
    attendance.mark_attendance(session, row, status=AttendanceStatus.PRESENT, reason="住院",
                               by=world.committee_a.user, now=MEETING_AT)  # fmt: skip
    assert row.reason is None  # present people have no reason

    events = list(
        session.scalars(
            select(MeetingEvent)
            .where(MeetingEvent.meeting_id == meeting.id, MeetingEvent.action == "attendance")
            .order_by(MeetingEvent.id)
        )
    )
    assert [(e.user_id, e.detail["member"], e.detail["changes"]) for e in events] == [
        (secretary.id, "甲党员二", {"status": ["absent", "excused"], "reason": [None, "住院"]}),
        (
            world.committee_a.user_id,
            "甲党员二",
            {"status": ["excused", "present"], "reason": ["住院", None]},
        ),
    ]
    assert counts(session, meeting) == queries.Counts(expected=5, attended=1, excused=0, absent=4)


def test_marks_stop_once_submitted(session, world):
    meeting = open_lesson(session, world)
    secretary = world.secretary_a.user
    records.record_meeting(session, meeting, minutes(), by=secretary, now=MEETING_AT)
    records.submit_meeting(session, meeting, by=secretary, now=MEETING_AT)
    row = session.scalars(queries.attendance_of(meeting.id, world.member_a2.user_id)).one()
    with pytest.raises(DomainError):
        attendance.mark_attendance(session, row, status=AttendanceStatus.PRESENT, reason=None,
                                   by=secretary, now=MEETING_AT)  # fmt: skip
    assert row.status == AttendanceStatus.ABSENT


def test_recording_without_check_in_takes_the_roster(session, world):
    meeting = plan_lesson(session, world)
    records.record_meeting(
        session, meeting, minutes(), by=world.secretary_a.user, now=MEETING_AT + timedelta(1)
    )
    assert counts(session, meeting).expected == 5
    assert meeting.checkin_opened_at is None


class TestLeave:
    def test_approved_leave_before_opening_makes_the_member_excused(self, session, world):
        meeting = plan_lesson(session, world)
        leave = attendance.request_leave(
            session, meeting, world.member_a1.user, reason="外出培训", now=NOW
        )
        assert leave.status == LeaveStatus.PENDING
        attendance.decide_leave(session, leave, meeting, approve=True,
                                by=world.secretary_a.user, now=NOW)  # fmt: skip
        assert leave.status == LeaveStatus.APPROVED
        assert leave.decided_by_id == world.secretary_a.user_id
        attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
        row = session.scalars(queries.attendance_of(meeting.id, world.member_a1.user_id)).one()
        assert (row.status, row.reason) == (AttendanceStatus.EXCUSED, "外出培训")
        assert counts(session, meeting) == queries.Counts(expected=5, excused=1, absent=4)

    def test_approved_after_opening_changes_the_row(self, session, world):
        meeting = plan_lesson(session, world)
        leave = attendance.request_leave(session, meeting, world.member_a1.user,
                                         reason="外出培训", now=NOW)  # fmt: skip
        attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=NOW)
        assert statuses(session, meeting)["甲党员一"] == "absent"
        attendance.decide_leave(session, leave, meeting, approve=True,
                                by=world.secretary_a.user, now=NOW)  # fmt: skip
        assert statuses(session, meeting)["甲党员一"] == "excused"

    def test_refused_leave_leaves_the_member_expected(self, session, world):
        meeting = plan_lesson(session, world)
        leave = attendance.request_leave(session, meeting, world.member_a1.user,
                                         reason="想休息", now=NOW)  # fmt: skip
        attendance.decide_leave(session, leave, meeting, approve=False,
                                by=world.secretary_a.user, now=NOW)  # fmt: skip
        assert leave.status == LeaveStatus.REJECTED
        with pytest.raises(Conflict):
            attendance.decide_leave(session, leave, meeting, approve=True,
                                    by=world.secretary_a.user, now=NOW)  # fmt: skip
        attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=MEETING_AT)
        assert statuses(session, meeting)["甲党员一"] == "absent"
        # Asking again re-opens the request with the new reason.
        again = attendance.request_leave(session, meeting, world.member_a1.user,
                                         reason="家中有事", now=NOW)  # fmt: skip
        assert again.id == leave.id
        assert (again.status, again.reason) == (LeaveStatus.PENDING, "家中有事")

    def test_leave_must_come_before_the_meeting(self, session, world):
        meeting = plan_lesson(session, world)
        with pytest.raises(Closed, match="before the meeting"):
            attendance.request_leave(session, meeting, world.member_a1.user,
                                     reason="迟了", now=MEETING_AT)  # fmt: skip

    def test_leave_needs_a_reason_and_a_place_on_the_roster(self, session, world):
        meeting = plan_lesson(session, world)
        with pytest.raises(InvalidInput, match="reason"):
            attendance.request_leave(session, meeting, world.member_a1.user, reason="", now=NOW)
        with pytest.raises(NotAllowed):
            attendance.request_leave(session, meeting, world.member_b.user, reason="x", now=NOW)
        assert (
            session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
            == []
        )

    def test_leave_is_in_the_trail(self, session, world):
        meeting = plan_lesson(session, world)
        leave = attendance.request_leave(session, meeting, world.member_a1.user,
                                         reason="外出培训", now=NOW)  # fmt: skip
        attendance.decide_leave(session, leave, meeting, approve=True,
                                by=world.secretary_a.user, now=NOW)  # fmt: skip
        events = session.scalars(
            select(MeetingEvent).where(MeetingEvent.meeting_id == meeting.id)
            .order_by(MeetingEvent.id)
        ).all()  # fmt: skip
        assert [(e.action, e.user_id) for e in events][-2:] == [
            ("leave_requested", world.member_a1.user_id),
            ("leave_approved", world.secretary_a.user_id),
        ]
        assert events[-1].detail["member"] == "甲党员一"
