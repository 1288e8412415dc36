"""SQL for the lists of meetings: a branch's, the review queue, a member's meetings and
upcoming ones, the branches a member leads and the plans a meeting may link."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from studyhub.meetings.models import (
    Attendance,
    LeaveRequest,
    Meeting,
    MeetingState,
)
from studyhub.meetings.queries.record import attendance_counts, held_on, of_branch
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.plans.models import PlanTarget, StudyPlan


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
    stmt = select(Meeting).where(of_branch(branch_id))
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
            of_branch(branch_id),
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
