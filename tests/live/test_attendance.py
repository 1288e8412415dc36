"""The end of a lesson: each branch's record, the threshold, QR in the hall, the job run
twice, 补学 by replay before and after the deadline, compliance and the score."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from studyhub.live.jobs import write_ended_lessons
from studyhub.live.services import attendance as live_attendance
from studyhub.live.services import watching
from studyhub.meetings import queries as meeting_queries
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingEvent,
    MeetingState,
)
from studyhub.meetings.services import attendance as meeting_attendance
from studyhub.meetings.services.compliance import compliance
from tests.live.conftest import ENDS, STARTS, schedule
from tests.meetings.conftest import SECRET

HOUR = 3600
AFTER = ENDS + timedelta(minutes=2)


def watch_for(session, lesson, member, seconds, *, start=STARTS, replay=False):
    """Report ``seconds`` of playing in 15 s steps from ``start``."""
    t = start
    watching.record_watch(
        session, lesson, member=member, seconds=0, is_playing=True, is_visible=True, now=t
    )
    done = 0
    while done < seconds:
        step = min(15, seconds - done)
        t += timedelta(seconds=step)
        watching.record_watch(
            session, lesson, member=member, seconds=step, is_playing=True, is_visible=True, now=t
        )
        done += step
    return t


def row_of(session, meeting_id, member):
    return session.scalars(meeting_queries.attendance_of(meeting_id, member.user_id)).one()


def meeting_of(session, lesson, branch):
    invitation = next(i for i in lesson.invitations if i.branch_id == branch.id)
    return session.get(Meeting, invitation.meeting_id)


def test_present_from_the_threshold_share(session, world, lesson):
    watch_for(session, lesson, world.member_a1, int(HOUR * 0.8))  # exactly 80 %
    watch_for(session, lesson, world.member_a2, int(HOUR * 0.8) - 15)
    watch_for(session, lesson, world.member_b, HOUR)
    assert write_ended_lessons(session, now=ENDS - timedelta(seconds=1)) == 0
    assert write_ended_lessons(session, now=AFTER) == 1
    meeting_a = meeting_of(session, lesson, world.branch_a)
    assert meeting_a.state == MeetingState.HELD
    assert (
        meeting_a.started_at is not None
        and "3 members watched online" in meeting_a.minutes_markdown
    )
    assert row_of(session, meeting_a.id, world.member_a1).status == AttendanceStatus.PRESENT
    assert row_of(session, meeting_a.id, world.member_a1).method == "live"
    assert row_of(session, meeting_a.id, world.member_a2).status == AttendanceStatus.ABSENT
    meeting_b = meeting_of(session, lesson, world.branch_b)
    assert row_of(session, meeting_b.id, world.member_b).status == AttendanceStatus.PRESENT


def test_qr_in_the_hall_counts_and_the_job_is_idempotent(session, world, lesson):
    meeting_a = meeting_of(session, lesson, world.branch_a)
    meeting_attendance.open_checkin(session, meeting_a, by=world.secretary_a.user, now=STARTS)
    token = meeting_attendance.checkin_token(meeting_a.id, secret=SECRET, now=STARTS)
    meeting_attendance.check_in(
        session,
        meeting_a,
        world.member_a2.user,
        token=token,
        secret=SECRET,
        now=STARTS,
        grace=timedelta(minutes=10),
    )
    watch_for(session, lesson, world.member_a1, HOUR)
    assert write_ended_lessons(session, now=AFTER) == 1
    assert write_ended_lessons(session, now=AFTER + timedelta(minutes=1)) == 0
    assert live_attendance.write_attendance(session, lesson, now=AFTER) == 0
    assert row_of(session, meeting_a.id, world.member_a2).status == AttendanceStatus.PRESENT
    assert row_of(session, meeting_a.id, world.member_a2).method == "qr"
    assert row_of(session, meeting_a.id, world.member_a1).status == AttendanceStatus.PRESENT
    events = session.scalar(
        select(func.count(MeetingEvent.id)).where(
            MeetingEvent.meeting_id == meeting_a.id, MeetingEvent.action == "live_attendance"
        )
    )
    assert events == 1
    rows = session.scalar(
        select(func.count(Attendance.id)).where(Attendance.meeting_id == meeting_a.id)
    )
    assert rows == len(world.a_members)


def test_makeup_by_replay_before_the_deadline_is_not_attendance(session, world):
    lesson = schedule(session, world, makeup_until=ENDS + timedelta(days=3))
    write_ended_lessons(session, now=AFTER)
    watch_for(session, lesson, world.member_a1, int(HOUR * 0.8), start=ENDS + timedelta(hours=5))
    meeting_a = meeting_of(session, lesson, world.branch_a)
    row = row_of(session, meeting_a.id, world.member_a1)
    assert row.status == AttendanceStatus.ABSENT
    assert row.reason == "补学"
    watch = watching.watch_of(session, lesson, world.member_a1, now=AFTER)
    assert watch.made_up_at is not None and watch.live_seconds == 0


def test_makeup_after_the_deadline_counts_nothing(session, world):
    lesson = schedule(session, world, makeup_until=ENDS + timedelta(days=1))
    write_ended_lessons(session, now=AFTER)
    watch_for(session, lesson, world.member_a1, HOUR, start=ENDS + timedelta(days=2))
    row = row_of(session, meeting_of(session, lesson, world.branch_a).id, world.member_a1)
    assert row.status == AttendanceStatus.ABSENT and row.reason is None
    assert watching.watch_of(session, lesson, world.member_a1, now=AFTER).made_up_at is None


def test_the_lesson_counts_in_compliance_and_attendance_figures(session, world, lesson):
    watch_for(session, lesson, world.member_a1, HOUR)
    write_ended_lessons(session, now=AFTER)
    year = compliance(session, world.branch_a, STARTS.year, now=AFTER)
    held = session.execute(
        meeting_queries.attendance_by_member(
            world.committee.path, STARTS - timedelta(days=1), AFTER
        )
    ).all()
    by_user = {row.user_id: (row.expected, row.attended) for row in held}
    assert by_user[world.member_a1.user_id] == (1, 1)
    assert by_user[world.member_a2.user_id] == (1, 0)
    assert year is not None
