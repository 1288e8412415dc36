"""SQL for compliance, the register and attendance ratios (services/compliance.py,
services/register.py, services/imports.py, jobs.py; reports).

A meeting counts in the period it took place in (:func:`held_on`). Periods are numbered
by a CASE over the UTC instants that bound the committee's local months or quarters
(``periods.month_starts``), so SQLite and PostgreSQL group alike without time zone
functions, and the statement is grouped over a subquery (PostgreSQL would not match a
CASE with bound parameters in GROUP BY to the one in SELECT).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingEvent,
    MeetingParticipant,
    MeetingState,
    RequiredFrequency,
)
from studyhub.meetings.periods import Every, Period
from studyhub.meetings.queries.lists import _with_counts
from studyhub.meetings.queries.record import ATTENDED, HELD_STATES, _count_when, held_on
from studyhub.org.models import OrgUnit, Role, RoleAssignment, UnitKind
from studyhub.org.queries import under
from studyhub.plans.models import StudyPlan


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
    if branch_id is None and path is None:
        raise ValueError("meeting_counts needs a branch_id or a path")
    in_period = (Meeting.state != MeetingState.CANCELLED, when >= bounds[0], when < bounds[-1])
    columns = (
        Meeting.kind,
        Meeting.group_id,
        Meeting.state,
        _period_number(bounds).label("period"),
    )
    # A joint meeting counts for its branch and for every branch taking part.
    own = select(Meeting.branch_id.label("branch_id"), *columns).where(*in_period)
    joint = (
        select(MeetingParticipant.branch_id.label("branch_id"), *columns)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(*in_period)
    )
    if branch_id is not None:
        own = own.where(Meeting.branch_id == branch_id)
        joint = joint.where(MeetingParticipant.branch_id == branch_id)
    else:
        branch, other = aliased(OrgUnit), aliased(OrgUnit)
        own = own.join(branch, branch.id == Meeting.branch_id).where(under(branch.path, path))
        joint = joint.join(other, other.id == MeetingParticipant.branch_id).where(
            under(other.path, path)
        )
    rows = union_all(own, joint).subquery("in_period")
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
