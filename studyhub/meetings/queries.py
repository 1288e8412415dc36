"""Reusable queries over meetings; each returns a ``Select`` scoped to a branch or a path.

Attendance counts (应到 / 实到 / 请假 / 缺席) are always derived here from the
attendance rows, never stored: :func:`attendance_counts` is grouped by meeting
and can be filtered, joined as a subquery, or summed by the register and
statistics exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

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
    MeetingState,
)
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.plans.models import PlanTarget, StudyPlan

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
    return stmt.where(Member.branch_id == meeting.branch_id)


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


def _with_counts(stmt: Select) -> Select:
    counts = attendance_counts().subquery()
    return stmt.add_columns(
        func.coalesce(counts.c.expected, 0).label("expected"),
        func.coalesce(counts.c.attended, 0).label("attended"),
        func.coalesce(counts.c.excused, 0).label("excused"),
        func.coalesce(counts.c.absent, 0).label("absent"),
        func.coalesce(counts.c.late, 0).label("late"),
    ).outerjoin(counts, counts.c.meeting_id == Meeting.id)


def branch_meetings(
    branch_id: int, *, group_paths: list[str] | None = None
) -> Select[tuple[Meeting, int, int, int, int, int]]:
    """A branch's meetings with their counts, newest first.

    ``group_paths`` limits the list to the meetings of those groups (a group
    leader who does not lead the branch).
    """
    stmt = select(Meeting).where(Meeting.branch_id == branch_id)
    if group_paths is not None:
        group = aliased(OrgUnit)
        stmt = stmt.join(group, group.id == Meeting.group_id).where(
            or_(false(), *(group.path == p for p in group_paths))
        )
    return _with_counts(stmt).order_by(Meeting.planned_at.desc(), Meeting.id.desc())


def meetings_under(paths: list[str]) -> Select[tuple[Meeting]]:
    """Meetings of every branch at or below one of ``paths`` (a staff member's scope)."""
    branch = aliased(OrgUnit)
    return (
        select(Meeting)
        .join(branch, branch.id == Meeting.branch_id)
        .where(or_(false(), *(under(branch.path, p) for p in paths)))
    )


def review_queue(paths: list[str]) -> Select[tuple[Meeting, str, int, int, int, int, int]]:
    """Records under ``paths`` waiting for review (oldest submission first), then returned ones
    and recently approved ones: what committee staff work through."""
    branch = aliased(OrgUnit)
    order = case(
        (Meeting.state == MeetingState.SUBMITTED, 0),
        (Meeting.state == MeetingState.RETURNED, 1),
        else_=2,
    )
    stmt = (
        select(Meeting, branch.name.label("branch_name"))
        .join(branch, branch.id == Meeting.branch_id)
        .where(
            or_(false(), *(under(branch.path, p) for p in paths)),
            Meeting.state.in_(
                [MeetingState.SUBMITTED, MeetingState.RETURNED, MeetingState.APPROVED]
            ),
        )
    )
    return _with_counts(stmt).order_by(
        order,
        case((Meeting.state == MeetingState.SUBMITTED, Meeting.submitted_at), else_=None),
        Meeting.reviewed_at.desc(),
        Meeting.id,
    )


def member_meetings(
    member: Member, user_id: int
) -> Select[tuple[Meeting, Attendance | None, LeaveRequest | None]]:
    """A member's meetings (the branch's, and their own group's) with their attendance row
    and leave request."""
    return (
        select(Meeting, Attendance, LeaveRequest)
        .outerjoin(
            Attendance, and_(Attendance.meeting_id == Meeting.id, Attendance.user_id == user_id)
        )
        .outerjoin(
            LeaveRequest,
            and_(LeaveRequest.meeting_id == Meeting.id, LeaveRequest.user_id == user_id),
        )
        .where(
            Meeting.branch_id == member.branch_id,
            or_(
                Meeting.group_id.is_(None),
                Meeting.group_id == member.group_id if member.group_id else false(),
            ),
        )
    )


def member_upcoming(
    member: Member, user_id: int, since: datetime, until: datetime | None = None
) -> Select[tuple[Meeting, Attendance | None, LeaveRequest | None]]:
    """Planned meetings from ``since`` (until ``until``) or with check-in open, soonest first."""
    stmt = member_meetings(member, user_id)
    if until is not None:
        stmt = stmt.where(Meeting.planned_at < until)
    return stmt.where(
        Meeting.state.in_([MeetingState.PLANNED, MeetingState.HELD]),
        or_(
            Meeting.planned_at >= since,
            and_(Meeting.checkin_opened_at.is_not(None), Meeting.checkin_closed_at.is_(None)),
        ),
    ).order_by(Meeting.planned_at, Meeting.id)


def member_records(
    member: Member, user_id: int
) -> Select[tuple[Meeting, Attendance | None, LeaveRequest | None]]:
    """The member's meetings whose records are open to members, newest first."""
    return (
        member_meetings(member, user_id)
        .where(Meeting.state.in_([MeetingState.SUBMITTED, MeetingState.APPROVED]))
        .order_by(held_on().desc(), Meeting.id.desc())
    )


def led_branches(lead_paths: list[str], group_paths: list[str]) -> Select[tuple[OrgUnit]]:
    """The branches at or below ``lead_paths`` and those holding the groups of ``group_paths``."""
    parents = [p[: p.rstrip("/").rfind("/") + 1] for p in group_paths]
    return (
        select(OrgUnit)
        .where(
            OrgUnit.kind == UnitKind.BRANCH,
            OrgUnit.is_active.is_(True),
            or_(false(), *(under(OrgUnit.path, p) for p in lead_paths), OrgUnit.path.in_(parents)),
        )
        .order_by(OrgUnit.path)
    )


def linkable_plans(branch: OrgUnit) -> Select[tuple[StudyPlan]]:
    """Published plans of the branch's committee whose targets cover the branch, newest first."""
    covering = select(PlanTarget.plan_id).where(PlanTarget.unit_id.in_(branch.ancestor_ids))
    return (
        select(StudyPlan)
        .where(
            StudyPlan.committee_id == branch.committee_id,
            StudyPlan.published_at.is_not(None),
            StudyPlan.id.in_(covering),
        )
        .order_by(StudyPlan.year.desc(), StudyPlan.quarter.desc(), StudyPlan.id.desc())
    )


def held_between(path: str, since: datetime, until: datetime) -> Select[Any]:
    """Meetings held at or below ``path`` in [since, until): id, branch, group, kind, when.

    For compliance: a period has its meeting when one of the kind was held in it.
    """
    branch = aliased(OrgUnit)
    when = held_on()
    return (
        select(
            Meeting.id,
            Meeting.branch_id,
            Meeting.group_id,
            Meeting.kind,
            Meeting.state,
            when.label("held_on"),
        )
        .join(branch, branch.id == Meeting.branch_id)
        .where(
            under(branch.path, path),
            Meeting.state.in_(HELD_STATES),
            when >= since,
            when < until,
        )
    )


def attendance_by_member(path: str, since: datetime, until: datetime) -> Select[Any]:
    """Per member at or below ``path``: meetings they should have attended (应到) in
    [since, until), attended (present or late) and excused; for the score's attendance."""
    branch = aliased(OrgUnit)
    when = held_on()
    return (
        select(
            Attendance.user_id,
            func.count(Attendance.id).label("expected"),
            _count_when(Attendance.status.in_(ATTENDED)).label("attended"),
            _count_when(Attendance.status == AttendanceStatus.EXCUSED).label("excused"),
        )
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(branch, branch.id == Meeting.branch_id)
        .where(
            under(branch.path, path),
            Meeting.state.in_(HELD_STATES),
            when >= since,
            when < until,
        )
        .group_by(Attendance.user_id)
    )
