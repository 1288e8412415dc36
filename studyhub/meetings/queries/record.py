"""SQL for one meeting's record: attendance and its counts, the roster, leave requests,
events and attachments.

Attendance counts (应到 / 实到 / 请假 / 缺席) are always derived here from the
attendance rows, never stored: :func:`attendance_counts` is grouped by meeting
and can be filtered, joined as a subquery, or summed by the register and
statistics exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    func,
    or_,
    select,
)

from studyhub.accounts.models import User
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingAttachment,
    MeetingEvent,
    MeetingKind,
    MeetingParticipant,
    MeetingState,
)
from studyhub.org.models import Member

# A meeting in these states took place (a returned record is being corrected, not undone).
HELD_STATES = (
    MeetingState.HELD,
    MeetingState.SUBMITTED,
    MeetingState.RETURNED,
    MeetingState.APPROVED,
)
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# Kinds that may link the quarter's study plan (the lesson is its "offline" half).
PLAN_KINDS = (MeetingKind.LESSON, MeetingKind.GENERAL_MEETING)


def held_on() -> ColumnElement[datetime]:
    """When a meeting took place: its recorded start, else its planned time."""
    return func.coalesce(Meeting.started_at, Meeting.planned_at)


def _count_when(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def attendance_counts() -> Select[tuple[int, int, int, int, int, int]]:
    """(meeting id, expected, attended, excused, absent, late) per meeting; 实到 = present + late.

    Add ``.where(Attendance.meeting_id.in_(...))`` (or join meetings) before running it.
    """
    return select(
        Attendance.meeting_id,
        func.count(Attendance.id).label("expected"),
        _count_when(Attendance.status.in_(ATTENDED)).label("attended"),
        _count_when(Attendance.status == AttendanceStatus.EXCUSED).label("excused"),
        _count_when(Attendance.status == AttendanceStatus.ABSENT).label("absent"),
        _count_when(Attendance.status == AttendanceStatus.LATE).label("late"),
    ).group_by(Attendance.meeting_id)


@dataclass(frozen=True)
class Counts:
    expected: int = 0  # 应到
    attended: int = 0  # 实到 (present or late)
    excused: int = 0  # 请假
    absent: int = 0  # 缺席
    late: int = 0

    @classmethod
    def from_row(cls, row: Any) -> Counts:
        return cls(
            expected=int(row.expected),
            attended=int(row.attended),
            excused=int(row.excused),
            absent=int(row.absent),
            late=int(row.late),
        )


def counts_of(meeting_ids: list[int]) -> Select[tuple[int, int, int, int, int, int]]:
    return attendance_counts().where(Attendance.meeting_id.in_(meeting_ids or [-1]))


def roster_taken(meeting_id: int) -> Select[tuple[int]]:
    """One row when the meeting's roster (应到) has been snapshotted."""
    return select(Attendance.id).where(Attendance.meeting_id == meeting_id).limit(1)


def roster_members(meeting: Meeting) -> Select[tuple[int]]:
    """The user ids who should attend: active members of the branch (or of the group)."""
    stmt = select(Member.user_id).where(Member.is_active.is_(True))
    if meeting.group_id is not None:
        return stmt.where(Member.group_id == meeting.group_id)
    return stmt.where(in_meeting_of(Member.branch_id, meeting.branch_id, meeting.id))


def in_meeting_of(branch_id: Any, host_branch_id: Any, meeting_id: Any) -> ColumnElement[bool]:
    """Whether ``branch_id`` is the meeting's branch or one taking part in it (joint)."""
    return or_(
        branch_id == host_branch_id,
        branch_id.in_(
            select(MeetingParticipant.branch_id).where(MeetingParticipant.meeting_id == meeting_id)
        ),
    )


def of_branch(branch_id: Any) -> ColumnElement[bool]:
    """Meetings of ``branch_id``: its own and the joint meetings it takes part in."""
    return or_(
        Meeting.branch_id == branch_id,
        Meeting.id.in_(
            select(MeetingParticipant.meeting_id).where(MeetingParticipant.branch_id == branch_id)
        ),
    )


def attendance_list(meeting_id: int) -> Select[tuple[Attendance, str]]:
    """The meeting's attendees with their names, absentees first, then by name."""
    order = case(
        (Attendance.status == AttendanceStatus.ABSENT, 0),
        (Attendance.status == AttendanceStatus.EXCUSED, 1),
        (Attendance.status == AttendanceStatus.LATE, 2),
        else_=3,
    )
    return (
        select(Attendance, User.name)
        .join(User, User.id == Attendance.user_id)
        .where(Attendance.meeting_id == meeting_id)
        .order_by(order, User.name, Attendance.id)
    )


def attendance_of(meeting_id: int, user_id: int) -> Select[tuple[Attendance]]:
    return select(Attendance).where(
        Attendance.meeting_id == meeting_id, Attendance.user_id == user_id
    )


def leave_requests(meeting_id: int) -> Select[tuple[LeaveRequest, str]]:
    return (
        select(LeaveRequest, User.name)
        .join(User, User.id == LeaveRequest.user_id)
        .where(LeaveRequest.meeting_id == meeting_id)
        .order_by(LeaveRequest.requested_at, LeaveRequest.id)
    )


def leave_of(meeting_id: int, user_id: int) -> Select[tuple[LeaveRequest]]:
    return select(LeaveRequest).where(
        LeaveRequest.meeting_id == meeting_id, LeaveRequest.user_id == user_id
    )


def approved_leaves(meeting_id: int) -> Select[tuple[int, str]]:
    return select(LeaveRequest.user_id, LeaveRequest.reason).where(
        LeaveRequest.meeting_id == meeting_id,
        LeaveRequest.status == LeaveStatus.APPROVED,
    )


def events(meeting_id: int) -> Select[tuple[MeetingEvent, str | None]]:
    """The audit trail, oldest first, with the names of who acted."""
    return (
        select(MeetingEvent, User.name)
        .outerjoin(User, User.id == MeetingEvent.user_id)
        .where(MeetingEvent.meeting_id == meeting_id)
        .order_by(MeetingEvent.at, MeetingEvent.id)
    )


def user_names(user_ids: list[int | None]) -> Select[tuple[int, str]]:
    return select(User.id, User.name).where(User.id.in_([i for i in user_ids if i is not None]))


def attachments(meeting_id: int) -> Select[tuple[MeetingAttachment]]:
    return (
        select(MeetingAttachment)
        .where(MeetingAttachment.meeting_id == meeting_id)
        .order_by(MeetingAttachment.uploaded_at, MeetingAttachment.id)
    )


def attachment_in(meeting_id: int, sha256: str) -> Select[tuple[MeetingAttachment]]:
    return select(MeetingAttachment).where(
        MeetingAttachment.meeting_id == meeting_id, MeetingAttachment.sha256 == sha256
    )
