"""Attendance for the quarterly score: attended ÷ required over the quarter's snapshotted
rosters, excused absences excluded or counted as attended, in one statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from studyhub.meetings import queries
from studyhub.meetings.models import AttendanceStatus, MeetingKind
from studyhub.meetings.services import attendance, records
from tests.meetings.conftest import minutes, plan_lesson

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def held(session, world, kind, at, marks, *, branch=None, by=None, group=None):
    """A meeting recorded after it (the roster taken then), with ``marks`` by member."""
    by = by or world.secretary_a
    meeting = plan_lesson(
        session, world, kind=kind, at=at, branch=branch, by=by, group=group, now=at - timedelta(7)
    )
    records.record_meeting(session, meeting, minutes(at), by=by.user, now=at + timedelta(hours=2))
    for member, (status, reason) in marks.items():
        row = session.scalars(queries.attendance_of(meeting.id, member.user_id)).one()
        attendance.mark_attendance(
            session, row, status=status, reason=reason, by=by.user, now=at + timedelta(hours=2)
        )
    return meeting


PRESENT = (AttendanceStatus.PRESENT, None)
LATE = (AttendanceStatus.LATE, None)
EXCUSED = (AttendanceStatus.EXCUSED, "出差")
ABSENT = (AttendanceStatus.ABSENT, None)


@pytest.fixture
def quarter(session, world):
    w = world
    # Q1 in Shanghai: the lesson late on 31 March counts; 00:10 on 1 April is Q2.
    held(session, w, MeetingKind.LESSON, local(2026, 3, 31, 23, 30), {
        w.secretary_a: PRESENT, w.committee_a: LATE, w.leader_a1: PRESENT,
        w.member_a1: EXCUSED, w.member_a2: ABSENT,
    })  # fmt: skip
    held(session, w, MeetingKind.GENERAL_MEETING, local(2026, 2, 1, 9), {
        w.secretary_a: PRESENT, w.committee_a: PRESENT, w.leader_a1: PRESENT,
        w.member_a2: PRESENT,  # member_a1 left absent
    })  # fmt: skip
    held(session, w, MeetingKind.COMMITTEE_MEETING, local(2026, 4, 1, 0, 10), {
        w.member_a1: PRESENT,
    })  # fmt: skip
    held(session, w, MeetingKind.LESSON, local(2026, 3, 3, 9), {w.secretary_b: PRESENT},
         branch=w.branch_b, by=w.secretary_b)  # fmt: skip
    plan_lesson(session, w, at=local(2026, 3, 20, 9), now=local(2026, 3, 1))  # no roster yet
    return w


def ratios(session, path, **kwargs):
    return {
        row.user_id: (row.required, row.attended, row.excused, row.ratio)
        for row in session.execute(queries.attendance_ratios(path, 2026, 1, **kwargs))
    }


def test_excused_absences_are_excluded_by_default(session, quarter, count_queries):
    w = quarter
    with count_queries() as statements:
        found = ratios(session, w.committee.path, timezone="Asia/Shanghai")
    assert len(statements) == 1
    assert found == {
        w.secretary_a.user_id: (2, 2, 0, 1.0),
        w.committee_a.user_id: (2, 2, 0, 1.0),  # late is attended
        w.leader_a1.user_id: (2, 2, 0, 1.0),
        w.member_a1.user_id: (1, 0, 1, 0.0),  # excused from the lesson, absent at the other
        w.member_a2.user_id: (2, 1, 0, 0.5),
        w.secretary_b.user_id: (1, 1, 0, 1.0),
        w.member_b.user_id: (1, 0, 0, 0.0),
    }


def test_excused_absences_can_count_as_attended(session, quarter):
    w = quarter
    found = ratios(session, w.branch_a.path, excused_counts_as="attended")
    assert found[w.member_a1.user_id] == (2, 1, 1, 0.5)
    assert w.secretary_b.user_id not in found  # branch B is outside branch A's path


def test_a_member_excused_from_everything_has_no_ratio(session, world):
    held(session, world, MeetingKind.LESSON, local(2026, 2, 2, 9), {world.member_a1: EXCUSED})
    found = ratios(session, world.branch_a.path)
    assert found[world.member_a1.user_id] == (0, 0, 1, None)


def test_other_quarters_and_bad_settings(session, quarter):
    q2 = {
        row.user_id: row.required
        for row in session.execute(queries.attendance_ratios(quarter.committee.path, 2026, 2))
    }
    assert q2 == {m.user_id: 1 for m in quarter.a_members}  # the 1 April committee meeting
    with pytest.raises(ValueError):
        queries.attendance_ratios(quarter.committee.path, 2026, 1, excused_counts_as="half")
