"""SQL for the dashboards: the branch secretary's table and the committee's ranking and trend.

Members' progress comes from the plans domain (``plans.queries.member_progress`` and
``branch_summary_by_week``, one statement each); here it is filtered, sorted, ranked and
paged in SQL.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from studyhub.org.models import Member, OrgUnit, PathType
from studyhub.org.queries import under
from studyhub.plans import queries as plan_queries
from studyhub.plans.models import PlanTarget, StudyPlan
from studyhub.points.models import PointEntry
from studyhub.quizzes.models import Attempt, Quiz
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.readings.queries import receipts_of
from studyhub.reports.quarters import Quarter

# Dashboards (P-dash) -------------------------------------------------------------------------
# The branch secretary's table and the committee's ranking and trend. Members' progress comes
# from the plans domain (``plans.queries.member_progress`` and ``branch_summary_by_week``, one
# statement each); here it is filtered, sorted, ranked and paged in SQL.

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
FAILED = "failed"
DONE = "done"
STATUSES = (NOT_STARTED, IN_PROGRESS, FAILED, DONE)


def _target_overlaps(unit_path: str) -> ColumnElement[bool]:
    """Some target of the plan (``StudyPlan``, correlated) covers the unit or lies inside it."""
    target = aliased(OrgUnit, name="dash_target")
    return (
        select(PlanTarget.id)
        .join(target, target.id == PlanTarget.unit_id)
        .where(
            PlanTarget.plan_id == StudyPlan.id,
            or_(
                plan_queries.covers(target.path, literal(unit_path, PathType)),
                under(target.path, unit_path),
            ),
        )
        .correlate(StudyPlan)
        .exists()
    )


def quarter_plans(committee_id: int, quarter: Quarter, unit_path: str) -> Select[tuple[StudyPlan]]:
    """The committee's published plans of ``quarter`` given to (part of) the unit at
    ``unit_path``, by due date."""
    return (
        select(StudyPlan)
        .where(
            StudyPlan.committee_id == committee_id,
            StudyPlan.year == quarter.year,
            StudyPlan.quarter == quarter.number,
            StudyPlan.published_at.is_not(None),
            _target_overlaps(unit_path),
        )
        .order_by(StudyPlan.due_on, StudyPlan.id)
    )


def _progress_with_status() -> tuple[Any, ColumnElement[str]]:
    """``member_progress`` (with bind parameters) as a subquery, and each row's dashboard
    status: done, failed (the test failed and no attempt open), not started (nothing
    studied, no attempt), in progress."""
    rows = plan_queries.member_progress_template().order_by(None).subquery("progress")
    status = case(
        (rows.c.is_complete.is_(True), DONE),
        (rows.c.test_status == plan_queries.TEST_FAILED, FAILED),
        (
            and_(
                rows.c.materials_studied == 0,
                rows.c.test_status.in_([plan_queries.TEST_NONE, plan_queries.TEST_NOT_STARTED]),
            ),
            NOT_STARTED,
        ),
        else_=IN_PROGRESS,
    )
    return rows, status


# The branch dashboard's statements are built once (per filter) with bind parameters and run
# with ``dashboard_params``: building them costs more than running them for a branch.


def dashboard_params(plan: StudyPlan, path: str, **paging: int) -> dict[str, Any]:
    """The parameters of :func:`dashboard_rows` and :func:`dashboard_counts` for ``plan`` and
    the members under ``path``; ``limit`` and ``offset`` for a paged :func:`dashboard_rows`."""
    return {**plan_queries.member_progress_params(plan, path), **paging}


@functools.cache
def dashboard_rows(status: str | None = None, *, paged: bool = False) -> Select[Any]:
    """The members under the path with their progress and ``status``, who needs a nudge first:
    not started, then in progress with the least done, then failed, then done; within each,
    the longest idle first — one statement. ``status`` keeps one kind of row; ``paged`` takes
    ``limit`` and ``offset`` parameters."""
    rows, status_column = _progress_with_status()
    has_test = case((rows.c.test_status == plan_queries.TEST_NONE, 0), else_=1)
    steps_done = rows.c.materials_studied + case((rows.c.is_passed.is_(True), 1), else_=0)
    steps_total = rows.c.materials_total + has_test
    share_done = func.coalesce(steps_done * 1.0 / func.nullif(steps_total, 0), 0)
    order = case(
        (status_column == NOT_STARTED, 0),
        (status_column == IN_PROGRESS, 1),
        (status_column == FAILED, 2),
        else_=3,
    )
    stmt = select(*rows.c, status_column.label("status")).order_by(
        order,
        share_done,
        rows.c.last_activity_at.is_(None).desc(),
        rows.c.last_activity_at,
        rows.c.name,
        rows.c.member_id,
    )
    if status is not None:
        stmt = stmt.where(status_column == status)
    if paged:
        stmt = stmt.limit(bindparam("limit", type_=Integer)).offset(
            bindparam("offset", type_=Integer)
        )
    return stmt


@functools.cache
def dashboard_counts() -> Select[tuple[str, int]]:
    """(status, members) under the path — one statement (see :func:`dashboard_params`)."""
    rows, status_column = _progress_with_status()
    return select(status_column.label("status"), func.count().label("members")).group_by(
        status_column
    )


def unfinished_members(plan: StudyPlan, path: str) -> Select[tuple[int]]:
    """User ids of the members under ``path`` who have not completed the plan."""
    rows = plan_queries.member_progress(plan, path).order_by(None).subquery("progress")
    return select(rows.c.user_id).where(rows.c.is_complete.is_(False))


def studied_by_branch(path: str, since: date, until: date) -> Select[tuple[int, int]]:
    """(branch id, readings studied) by the active members under ``path`` on the local days
    ``since`` … ``until`` (any reading, not only a plan's)."""
    return (
        # count(*), not of a column: the receipts' (studied_on, user_id) index answers alone.
        select(Member.branch_id, func.count().label("studied"))
        .join(ReadReceipt, ReadReceipt.user_id == Member.user_id)
        .where(
            under(Member.org_path, path),
            Member.is_active.is_(True),
            ReadReceipt.studied_on >= since,
            ReadReceipt.studied_on <= until,
        )
        .group_by(Member.branch_id)
    )


def branch_ranking(
    plan: StudyPlan,
    path: str,
    *,
    quiz: Quiz | None,
    targets: list[str],
    week_ends: list[datetime],
    since: date,
    until: date,
    limit: int,
    offset: int,
) -> Select[Any]:
    """One page of the branches under ``path`` ranked for the plan (比学习) — one statement.

    Ranked by completion rate (completed ÷ every active member the plan is for), then pass
    rate, then average grade; ``quiz`` is the plan's test and ``targets`` the paths of its
    target units (``plans.queries.target_paths``). Each row also carries the
    readings its members studied from ``since`` to ``until`` and, over every branch (not
    only the page's), ``branches``, ``all_members``, ``all_completed``, ``all_passed``,
    ``all_graded``, ``all_grade_sum``, ``all_studied`` and ``all_completed_<i>``
    (complete before ``week_ends[i]``).
    """
    summary = plan_queries.branch_summary_by_week(plan, path, week_ends, quiz, targets).subquery(
        "summary"
    )
    weekly = studied_by_branch(path, since, until).subquery("weekly")
    completion = summary.c.completed * 1.0 / summary.c.members
    pass_rate = summary.c.passed * 1.0 / summary.c.members
    average = func.coalesce(summary.c.average, -1)
    ranked_by = (completion.desc(), pass_rate.desc(), average.desc())
    studied = func.coalesce(weekly.c.studied, 0)
    everyone = [
        func.count().over().label("branches"),
        func.sum(summary.c.members).over().label("all_members"),
        func.sum(summary.c.completed).over().label("all_completed"),
        func.sum(summary.c.passed).over().label("all_passed"),
        func.sum(summary.c.graded).over().label("all_graded"),
        func.sum(summary.c.average * summary.c.graded).over().label("all_grade_sum"),
        func.sum(studied).over().label("all_studied"),
        *(
            func.sum(summary.c[f"completed_{i}"]).over().label(f"all_completed_{i}")
            for i in range(len(week_ends))
        ),
    ]
    return (
        select(
            summary.c.branch_id,
            summary.c.name,
            summary.c.path,
            summary.c.members,
            summary.c.completed,
            summary.c.passed,
            summary.c.average,
            studied.label("studied"),
            func.rank().over(order_by=ranked_by).label("rank"),
            *everyone,
        )
        .outerjoin(weekly, weekly.c.branch_id == summary.c.branch_id)
        .order_by(*ranked_by, summary.c.name, summary.c.branch_id)
        .limit(limit)
        .offset(offset)
    )


def member_receipts(
    user_id: int, since: datetime, until: datetime
) -> Select[tuple[Reading, ReadReceipt]]:
    """The member's receipts of readings open at some time in [since, until), last first."""
    return receipts_of(user_id).where(
        ReadReceipt.opened_at < until, ReadReceipt.last_seen_at >= since
    )


def member_attempts(user_id: int, since: datetime, until: datetime) -> Select[tuple[Attempt, Quiz]]:
    """The member's attempts started in [since, until), with their quiz, last first."""
    return (
        select(Attempt, Quiz)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.started_at >= since,
            Attempt.started_at < until,
        )
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )


def member_points(user_id: int, since: date, until: date) -> Select[tuple[str, int, int]]:
    """(kind, points, entries) the member earned on the local days ``since`` … ``until``."""
    return (
        select(
            PointEntry.kind,
            func.coalesce(func.sum(PointEntry.points), 0).label("points"),
            func.count().label("entries"),
        )
        .where(
            PointEntry.user_id == user_id,
            PointEntry.earned_on >= since,
            PointEntry.earned_on <= until,
        )
        .group_by(PointEntry.kind)
        .order_by(PointEntry.kind)
    )


# End of the dashboards section ----------------------------------------------------------------
