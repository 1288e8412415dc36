"""Reusable queries over meetings; each returns a ``Select`` scoped to a branch or a path.

Attendance counts (应到 / 实到 / 请假 / 缺席) are always derived here from the
attendance rows, never stored: :func:`attendance_counts` is grouped by meeting
and can be filtered, joined as a subquery, or summed by the register and
statistics exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
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
    RequiredFrequency,
)
from studyhub.meetings.periods import Every, Period
from studyhub.org.models import Member, OrgUnit, Role, RoleAssignment, UnitKind
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
    return _member_meetings(member.branch_id, member.group_id, user_id)


def _member_meetings(
    branch_id: int | ColumnElement[int],
    group_id: int | ColumnElement[int] | None,
    user_id: int | ColumnElement[int],
) -> Select[tuple[Meeting, Attendance | None, LeaveRequest | None]]:
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
            Meeting.branch_id == branch_id,
            or_(
                Meeting.group_id.is_(None),
                Meeting.group_id == group_id if group_id is not None else false(),
            ),
        )
    )


def member_upcoming(
    member: Member, user_id: int, since: datetime, until: datetime | None = None
) -> Select[tuple[Meeting, Attendance | None, LeaveRequest | None]]:
    """Planned meetings from ``since`` (until ``until``) or with check-in open, soonest first."""
    return _upcoming(member_meetings(member, user_id), since, until)


@cache
def upcoming_for_home() -> Select[tuple[Meeting, Attendance | None, LeaveRequest | None]]:
    """The first five of :func:`member_upcoming` for the user's active membership, found in
    the same statement; built once, binds ``user_id``, ``since`` and ``until`` (the home
    page asks it on every visit; building costs more than running it).
    """
    user_id = bindparam("user_id")
    stmt = _member_meetings(Member.branch_id, Member.group_id, user_id).join(
        Member, and_(Member.user_id == user_id, Member.is_active.is_(True))
    )
    return _upcoming(stmt, bindparam("since"), bindparam("until")).limit(5)


def _upcoming(stmt: Select, since: datetime | ColumnElement[datetime], until: Any | None) -> Select:
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


# Compliance, the register and attendance ratios ---------------------------------------------
# (services/compliance.py, services/register.py, services/imports.py, jobs.py; reports.)
#
# A meeting counts in the period it took place in (:func:`held_on`). Periods are numbered
# by a CASE over the UTC instants that bound the committee's local months or quarters
# (``periods.month_starts``), so SQLite and PostgreSQL group alike without time zone
# functions, and the statement is grouped over a subquery (PostgreSQL would not match a
# CASE with bound parameters in GROUP BY to the one in SELECT).

# The trail action that marks a record brought in from a file of past meetings.
IMPORTED = "imported"


def _period_number(bounds: Sequence[datetime]) -> ColumnElement[int]:
    when = held_on()
    return case(*((when < bound, i) for i, bound in enumerate(bounds[1:], start=1)), else_=0)


def meeting_counts(
    bounds: Sequence[datetime], *, branch_id: int | None = None, path: str | None = None
) -> Select[Any]:
    """(branch_id, kind, group_id, period, held, planned) over [bounds[0], bounds[-1]).

    ``period`` is ``i`` for a meeting in [bounds[i-1], bounds[i]). ``held`` counts the
    meetings in :data:`HELD_STATES`, ``planned`` those still planned; cancelled ones do not
    count. The scope is one branch (``branch_id``) or every branch at or below ``path``.
    One grouped statement, whatever the number of branches.
    """
    when = held_on()
    inner = select(
        Meeting.branch_id,
        Meeting.kind,
        Meeting.group_id,
        Meeting.state,
        _period_number(bounds).label("period"),
    ).where(Meeting.state != MeetingState.CANCELLED, when >= bounds[0], when < bounds[-1])
    if branch_id is not None:
        inner = inner.where(Meeting.branch_id == branch_id)
    elif path is not None:
        branch = aliased(OrgUnit)
        inner = inner.join(branch, branch.id == Meeting.branch_id).where(under(branch.path, path))
    else:
        raise ValueError("meeting_counts needs a branch_id or a path")
    rows = inner.subquery("in_period")
    return select(
        rows.c.branch_id,
        rows.c.kind,
        rows.c.group_id,
        rows.c.period,
        _count_when(rows.c.state.in_(HELD_STATES)).label("held"),
        _count_when(rows.c.state == MeetingState.PLANNED).label("planned"),
    ).group_by(rows.c.branch_id, rows.c.kind, rows.c.group_id, rows.c.period)


def compliance_units(path: str) -> Select[Any]:
    """(id, kind, name, path, parent_id) of the active branches and Party groups at or below
    ``path``, in tree order: who owes meetings (a group owes its group meetings)."""
    return (
        select(OrgUnit.id, OrgUnit.kind, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id)
        .where(
            under(OrgUnit.path, path),
            OrgUnit.kind.in_([UnitKind.BRANCH, UnitKind.GROUP]),
            OrgUnit.is_active.is_(True),
        )
        .order_by(OrgUnit.path)
    )


def required_frequencies(committee_id: int) -> Select[tuple[RequiredFrequency]]:
    return select(RequiredFrequency).where(RequiredFrequency.committee_id == committee_id)


def secretaries_of(branch_ids: Sequence[int]) -> Select[tuple[int, int]]:
    """(branch id, user id) of the secretaries of the branches, enabled accounts only."""
    return (
        select(RoleAssignment.unit_id, RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.unit_id.in_(list(branch_ids) or [-1]),
            RoleAssignment.role == Role.SECRETARY,
            User.is_enabled.is_(True),
        )
    )


def _names(status: AttendanceStatus, name: str) -> Any:
    """Per meeting, the names of its attendees with ``status``, each with its reason."""
    label = User.name + case(
        (func.coalesce(Attendance.reason, "") == "", ""),
        else_=literal("（") + Attendance.reason + literal("）"),
    )
    return (
        select(Attendance.meeting_id, func.aggregate_strings(label, "；").label("names"))
        .join(User, User.id == Attendance.user_id)
        .where(Attendance.status == status)
        .group_by(Attendance.meeting_id)
        .subquery(name)
    )


def register_rows(branch_id: int, since: datetime, until: datetime) -> Select[Any]:
    """The register (会议台账) of a branch in [since, until), in time order: every meeting
    (cancelled ones too) with its group's name, the linked plan's title, the derived counts,
    the excused and the absent with their reasons, and whether it was imported."""
    group = aliased(OrgUnit)
    excused = _names(AttendanceStatus.EXCUSED, "excused_names")
    absent = _names(AttendanceStatus.ABSENT, "absent_names")
    imported = exists().where(
        MeetingEvent.meeting_id == Meeting.id, MeetingEvent.action == IMPORTED
    )
    when = held_on()
    stmt = (
        select(
            Meeting,
            group.name.label("group_name"),
            StudyPlan.title.label("plan_title"),
            excused.c.names.label("excused_names"),
            absent.c.names.label("absent_names"),
            imported.label("is_imported"),
        )
        .outerjoin(group, group.id == Meeting.group_id)
        .outerjoin(StudyPlan, StudyPlan.id == Meeting.plan_id)
        .outerjoin(excused, excused.c.meeting_id == Meeting.id)
        .outerjoin(absent, absent.c.meeting_id == Meeting.id)
        .where(Meeting.branch_id == branch_id, when >= since, when < until)
    )
    return _with_counts(stmt).order_by(when, Meeting.id)


def attendance_ratios(
    path: str,
    year: int,
    quarter: int,
    *,
    timezone: str = "Asia/Shanghai",
    excused_counts_as: str = "excluded",
) -> Select[Any]:
    """Per member at or below ``path`` (a committee's or a branch's): attended ÷ required over
    the meetings held in the quarter (local calendar in ``timezone``) — one statement.

    Required is the member's rows on the meetings' snapshotted rosters (应到), so a member
    who joined after a roster was taken owes nothing for that meeting; attended is present
    or late. An excused absence (请假) is left out of required with ``"excluded"`` (the
    default, ``MEETING_EXCUSED_COUNTS_AS``), or counted as attended with ``"attended"``.
    Columns: user_id, required, attended, excused, ratio (a float 0–1; NULL when nothing is
    required). Members on no roster in the quarter have no row.
    """
    if excused_counts_as not in ("excluded", "attended"):
        raise ValueError(
            f"excused_counts_as is 'excluded' or 'attended', not {excused_counts_as!r}"
        )
    period = Period(Every.QUARTER, year, quarter)
    rows = attendance_by_member(
        path, period.starts_at(timezone), period.ends_at(timezone)
    ).subquery("attendance_rows")
    if excused_counts_as == "excluded":
        required = rows.c.expected - rows.c.excused
        attended = rows.c.attended
    else:
        required = rows.c.expected
        attended = rows.c.attended + rows.c.excused
    return select(
        rows.c.user_id,
        required.label("required"),
        attended.label("attended"),
        rows.c.excused,
        (cast(attended, Float) / func.nullif(required, 0)).label("ratio"),
    ).order_by(rows.c.user_id)
