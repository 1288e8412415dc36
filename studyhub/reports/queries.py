"""SQL for quarterly scores and their exports; each function returns a ``Select``.

Every member's raw figures for a whole committee or branch come from one
grouped statement (:func:`member_figures`), whatever the number of members:
the readings and tests required of a member depend only on the unit they sit
in, so they are worked out per unit (a few thousand rows at most) and joined
to members by path; receipts, attempts, daily-quiz attempts, adjustments and
attendance are grouped per member over their indexed columns.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.meetings import queries as meetings
from studyhub.org.models import Member, OrgUnit, PathType, Role, RoleAssignment
from studyhub.org.queries import under
from studyhub.plans import queries as plan_queries
from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
from studyhub.points.models import PointEntry
from studyhub.quizzes.models import Attempt, AttemptState, Quiz, QuizMode
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.readings.queries import is_visible, receipts_of
from studyhub.reports.models import (
    ExportJob,
    FrozenScore,
    QuarterClose,
    RatingOverride,
    ScoreAdjustment,
    ScoreDimension,
    ScoreSettings,
)
from studyhub.reports.quarters import Quarter


@dataclass(frozen=True)
class Window:
    """What a quarter's figures count, for one committee, as seen at ``now``.

    Readings of the day count up to ``last_day`` (today while the quarter
    runs); receipts and attempts count until ``until`` (the quarter's end, or
    now while it runs).
    """

    committee_id: int
    committee_path: str
    timezone: str
    quarter: Quarter
    starts_at: datetime
    ends_at: datetime
    last_day: date
    now: datetime

    @classmethod
    def of(cls, committee: OrgUnit, quarter: Quarter, now: datetime, today: date) -> Window:
        return cls(
            committee_id=committee.id,
            committee_path=committee.path,
            timezone=committee.timezone,
            quarter=quarter,
            starts_at=quarter.starts_at(committee.timezone),
            ends_at=quarter.ends_at(committee.timezone),
            last_day=min(quarter.last_day, today),
            now=now,
        )

    @property
    def until(self) -> datetime:
        return min(self.ends_at, self.now)

    @property
    def days(self) -> int:
        """Days of the quarter up to ``last_day`` (the daily quiz's denominator)."""
        return self.quarter.days_until(self.last_day)


def _upper(path: ColumnElement[str]) -> ColumnElement[str]:
    """SQL for ``path[:-1] + "0"``: the end of ``path``'s range (see ``org.queries.under``)."""
    return func.substr(path, 1, func.length(path) - 1, type_=String) + "0"


def _quarter_plans(w: Window) -> list[ColumnElement[bool]]:
    return [
        StudyPlan.committee_id == w.committee_id,
        StudyPlan.published_at.is_not(None),
        StudyPlan.published_at <= w.now,
        StudyPlan.due_on >= w.quarter.first_day,
        StudyPlan.due_on <= w.quarter.last_day,
    ]


def daily_reading_ids(w: Window) -> Select[tuple[int]]:
    """The quarter's readings of the day up to ``last_day``: required of the whole committee."""
    return select(Reading.id).where(
        Reading.committee_id == w.committee_id,
        Reading.daily_on >= w.quarter.first_day,
        Reading.daily_on <= w.last_day,
        is_visible(w.now),
    )


def plan_materials(w: Window, daily_ids: list[int]) -> Select[tuple[int, str]]:
    """(reading id, target unit path) of the materials of the plans due in the quarter,
    leaving out readings of the day (already required of everyone)."""
    target = aliased(OrgUnit, name="target_unit")
    return (
        select(PlanMaterial.reading_id, target.path)
        .join(StudyPlan, StudyPlan.id == PlanMaterial.plan_id)
        .join(PlanTarget, PlanTarget.plan_id == StudyPlan.id)
        .join(target, target.id == PlanTarget.unit_id)
        .join(Reading, Reading.id == PlanMaterial.reading_id)
        .where(*_quarter_plans(w), is_visible(w.now), PlanMaterial.reading_id.not_in(daily_ids))
    )


def material_ids(materials: Select[tuple[int, str]]) -> Select[tuple[int]]:
    """The distinct reading ids of :func:`plan_materials` (a few)."""
    rows = materials.subquery("materials")
    return select(rows.c.reading_id).distinct()


def plan_quiz_ids(w: Window) -> Select[tuple[int]]:
    """The tests of the plans due in the quarter (a few ids, given to :func:`member_figures`)."""
    return select(StudyPlan.quiz_id).where(*_quarter_plans(w), StudyPlan.quiz_id.is_not(None))


def required_tests(w: Window) -> Select[tuple[int, str]]:
    """(quiz id, path of the target units) of the tests of the plans due in the quarter."""
    target = aliased(OrgUnit, name="target_unit")
    return (
        select(StudyPlan.quiz_id, target.path)
        .join(PlanTarget, PlanTarget.plan_id == StudyPlan.id)
        .join(target, target.id == PlanTarget.unit_id)
        .where(*_quarter_plans(w), StudyPlan.quiz_id.is_not(None))
    )


def _per_unit(required: Any, key: str, scope_path: str, name: str) -> CTE:
    """Distinct (unit path, ``key``) for every unit under ``scope_path`` that a required
    row's path covers: a range join on the unit path index."""
    rows = required.subquery()
    return (
        select(OrgUnit.path.label("path"), rows.c[key].label(key))
        .join(rows, and_(OrgUnit.path >= rows.c.path, OrgUnit.path < _upper(rows.c.path)))
        .where(under(OrgUnit.path, scope_path))
        .distinct()
        .cte(name)
    )


def daily_quiz_ids(committee_id: int) -> Select[tuple[int]]:
    return select(Quiz.id).where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.DAILY)


def has_attendance(w: Window) -> Select[tuple[int]] | None:
    """One row when a meeting of the committee held in the quarter has an attendance list
    (None while the meetings domain offers no attendance query)."""
    attendance = getattr(meetings, "attendance_by_member", None)
    if attendance is None:
        return None
    rows = attendance(w.committee_path, w.starts_at, w.ends_at).subquery("attendance")
    return select(rows.c.user_id).limit(1)


def member_figures(
    w: Window,
    scope_path: str,
    *,
    daily_reading_ids: list[int],
    material_ids: list[int],
    plan_quiz_ids: list[int],
    daily_quiz_ids: list[int],
    attendance: bool,
    excused_counts_as: str = "excluded",
) -> Select[Any]:
    """Every active member under ``scope_path`` with their raw figures — one statement.

    Columns: member_id, user_id, name, member_no, status, branch_id, branch_name,
    branch_path, readings_required, readings_studied, last_daily_at, last_material_at,
    tests_required, tests_taken, tests_passed, best_sum, best_reached_at,
    daily_days, adjustment, attendance_required, attendance_attended (from the meetings'
    ``attendance_ratios``, excused absences handled by ``excused_counts_as``); by branch
    (tree order), then name.
    """
    scoped = (under(Member.org_path, scope_path), Member.is_active.is_(True))
    # The whole committee's receipts of its readings and attempts of its daily quiz are all
    # in scope (the members are joined at the end): grouped straight from their indexes,
    # millions of rows are not first matched against the members.
    whole_committee = scope_path == w.committee_path

    def per_member(user_id: Any, *columns: Any) -> Select[Any]:
        if whole_committee:
            return select(user_id, *columns).group_by(user_id)
        return (
            select(Member.user_id, *columns)
            .join_from(Member, user_id.table, user_id == Member.user_id)
            .where(*scoped)
            .group_by(Member.user_id)
        )

    studied_in_time = and_(ReadReceipt.studied_at.is_not(None), ReadReceipt.studied_at < w.until)
    # The readings of the day are everyone's: counted straight from the receipts.
    daily_studied = (
        per_member(
            ReadReceipt.user_id,
            func.count().label("n"),
            func.max(ReadReceipt.studied_at).label("last_at"),
        )
        .where(ReadReceipt.reading_id.in_(daily_reading_ids), studied_in_time)
        .subquery("daily_studied")
    )
    # Plan materials are required of the units the plans target: worked out per unit.
    unit_materials = _per_unit(
        plan_materials(w, daily_reading_ids), "reading_id", scope_path, "unit_material"
    )
    materials_required = (
        select(unit_materials.c.path, func.count().label("n"))
        .group_by(unit_materials.c.path)
        .subquery("materials_required")
    )
    # Each receipt of a material, kept when one of the material's targets covers the member
    # (the receipts are few: a plan has a handful of materials).
    targets = plan_materials(w, daily_reading_ids).subquery("targets")
    materials_studied = (
        select(
            Member.user_id,
            func.count(func.distinct(ReadReceipt.reading_id)).label("n"),
            func.max(ReadReceipt.studied_at).label("last_at"),
        )
        .select_from(ReadReceipt)
        .join(Member, Member.user_id == ReadReceipt.user_id)
        .join(
            targets,
            and_(
                targets.c.reading_id == ReadReceipt.reading_id,
                Member.org_path >= targets.c.path,
                Member.org_path < _upper(targets.c.path),
            ),
        )
        .where(*scoped, ReadReceipt.reading_id.in_(material_ids), studied_in_time)
        .group_by(Member.user_id)
        .subquery("materials_studied")
    )

    unit_tests = _per_unit(required_tests(w), "quiz_id", scope_path, "unit_test")
    counted = and_(
        Attempt.quiz_id.in_(plan_quiz_ids),
        Attempt.state == AttemptState.SUBMITTED,
        Attempt.submitted_at < w.until,
    )
    # One pass over the attempts: each with its (member, quiz)'s best percent beside it.
    graded = (
        select(
            Attempt.user_id,
            Attempt.quiz_id,
            Attempt.percent,
            Attempt.submitted_at,
            Attempt.is_passed,
            func.max(Attempt.percent)
            .over(partition_by=(Attempt.user_id, Attempt.quiz_id))
            .label("best"),
        )
        .join(Member, Member.user_id == Attempt.user_id)
        .where(counted, *scoped)
        .subquery("graded")
    )
    best = (
        select(
            graded.c.user_id,
            graded.c.quiz_id,
            func.max(graded.c.best).label("best"),
            func.max(case((graded.c.is_passed.is_(True), 1), else_=0)).label("passed"),
            func.min(graded.c.submitted_at)
            .filter(graded.c.percent == graded.c.best)
            .label("reached_at"),
        )
        .group_by(graded.c.user_id, graded.c.quiz_id)
        .subquery("best")
    )
    tests = (
        select(
            Member.user_id,
            func.count().label("required"),
            func.count(best.c.best).label("taken"),
            func.coalesce(func.sum(best.c.passed), 0).label("passed"),
            func.coalesce(func.sum(best.c.best), 0).label("best_sum"),
            func.max(best.c.reached_at).label("reached_at"),
        )
        .join(unit_tests, unit_tests.c.path == Member.org_path)
        .outerjoin(
            best,
            and_(best.c.user_id == Member.user_id, best.c.quiz_id == unit_tests.c.quiz_id),
        )
        .where(*scoped)
        .group_by(Member.user_id)
        .subquery("tests")
    )

    daily = (
        # One attempt per member and day (unique), so counting attempts counts days.
        per_member(Attempt.user_id, func.count().label("days"))
        .where(
            Attempt.quiz_id.in_(daily_quiz_ids),
            Attempt.daily_on >= w.quarter.first_day,
            Attempt.daily_on <= w.last_day,
        )
        .subquery("daily")
    )
    adjustments = (
        select(ScoreAdjustment.user_id, func.sum(ScoreAdjustment.points).label("points"))
        .where(*_adjustments_of(w.committee_id, w.quarter))
        .group_by(ScoreAdjustment.user_id)
        .subquery("adjustments")
    )

    branch = aliased(OrgUnit, name="branch")
    columns: list[Any] = [
        Member.id.label("member_id"),
        Member.user_id,
        User.name,
        User.member_no,
        Member.status,
        Member.branch_id,
        branch.name.label("branch_name"),
        branch.path.label("branch_path"),
        (len(daily_reading_ids) + func.coalesce(materials_required.c.n, 0)).label(
            "readings_required"
        ),
        (func.coalesce(daily_studied.c.n, 0) + func.coalesce(materials_studied.c.n, 0)).label(
            "readings_studied"
        ),
        daily_studied.c.last_at.label("last_daily_at"),
        materials_studied.c.last_at.label("last_material_at"),
        func.coalesce(tests.c.required, 0).label("tests_required"),
        func.coalesce(tests.c.taken, 0).label("tests_taken"),
        func.coalesce(tests.c.passed, 0).label("tests_passed"),
        func.coalesce(tests.c.best_sum, 0).label("best_sum"),
        tests.c.reached_at.label("best_reached_at"),
        func.coalesce(daily.c.days, 0).label("daily_days"),
        func.coalesce(adjustments.c.points, 0).label("adjustment"),
    ]
    stmt = (
        select(*columns)
        .join(User, User.id == Member.user_id)
        .join(branch, branch.id == Member.branch_id)
        .outerjoin(materials_required, materials_required.c.path == Member.org_path)
        .outerjoin(daily_studied, daily_studied.c.user_id == Member.user_id)
        .outerjoin(materials_studied, materials_studied.c.user_id == Member.user_id)
        .outerjoin(tests, tests.c.user_id == Member.user_id)
        .outerjoin(daily, daily.c.user_id == Member.user_id)
        .outerjoin(adjustments, adjustments.c.user_id == Member.user_id)
        .where(*scoped)
        .order_by(branch.path, User.name, Member.id)
    )
    if attendance:
        present = meetings.attendance_ratios(
            scope_path,
            w.quarter.year,
            w.quarter.number,
            timezone=w.timezone,
            excused_counts_as=excused_counts_as,
        ).subquery("attendance")
        stmt = stmt.add_columns(
            func.coalesce(present.c.required, 0).label("attendance_required"),
            func.coalesce(present.c.attended, 0).label("attendance_attended"),
        ).outerjoin(present, present.c.user_id == Member.user_id)
    else:
        none = literal(0, Integer)
        stmt = stmt.add_columns(
            none.label("attendance_required"),
            none.label("attendance_attended"),
        )
    return stmt


def count_members(scope_path: str) -> Select[tuple[int]]:
    return select(func.count(Member.id)).where(
        under(Member.org_path, scope_path), Member.is_active.is_(True)
    )


# Settings, adjustments, overrides, closes ----------------------------------------------------


def dimensions_of(committee_id: int) -> Select[tuple[ScoreDimension]]:
    return (
        select(ScoreDimension)
        .where(ScoreDimension.committee_id == committee_id)
        .order_by(ScoreDimension.position, ScoreDimension.id)
    )


def settings_of(committee_id: int) -> Select[tuple[ScoreSettings]]:
    return select(ScoreSettings).where(ScoreSettings.committee_id == committee_id)


def _adjustments_of(committee_id: int, quarter: Quarter) -> list[ColumnElement[bool]]:
    return [
        ScoreAdjustment.committee_id == committee_id,
        ScoreAdjustment.year == quarter.year,
        ScoreAdjustment.quarter == quarter.number,
        ScoreAdjustment.revoked_at.is_(None),
    ]


def adjustment_reasons(
    committee_id: int, quarter: Quarter, scope_path: str
) -> Select[tuple[int, Any, str]]:
    """(user id, points, reason) of the live adjustments of members under ``scope_path``."""
    return (
        select(ScoreAdjustment.user_id, ScoreAdjustment.points, ScoreAdjustment.reason)
        .join(Member, Member.user_id == ScoreAdjustment.user_id)
        .where(*_adjustments_of(committee_id, quarter), under(Member.org_path, scope_path))
        .order_by(ScoreAdjustment.user_id, ScoreAdjustment.created_at, ScoreAdjustment.id)
    )


def adjustments_list(
    committee_id: int, quarter: Quarter, scope_path: str
) -> Select[tuple[ScoreAdjustment, str, str, str | None, str | None]]:
    """Every adjustment (revoked ones too) of members under ``scope_path``, newest first,
    with the member's name, branch name and who made and revoked it."""
    author = aliased(User, name="author")
    revoker = aliased(User, name="revoker")
    member_user = aliased(User, name="member_user")
    branch = aliased(OrgUnit, name="branch")
    return (
        select(ScoreAdjustment, member_user.name, branch.name, author.name, revoker.name)
        .join(member_user, member_user.id == ScoreAdjustment.user_id)
        .join(Member, Member.user_id == ScoreAdjustment.user_id)
        .join(branch, branch.id == Member.branch_id)
        .outerjoin(author, author.id == ScoreAdjustment.created_by_id)
        .outerjoin(revoker, revoker.id == ScoreAdjustment.revoked_by_id)
        .where(
            ScoreAdjustment.committee_id == committee_id,
            ScoreAdjustment.year == quarter.year,
            ScoreAdjustment.quarter == quarter.number,
            under(Member.org_path, scope_path),
        )
        .order_by(ScoreAdjustment.created_at.desc(), ScoreAdjustment.id.desc())
    )


def member_adjustments(
    committee_id: int, quarter: Quarter, user_id: int
) -> Select[tuple[ScoreAdjustment]]:
    return (
        select(ScoreAdjustment)
        .where(
            ScoreAdjustment.committee_id == committee_id,
            ScoreAdjustment.year == quarter.year,
            ScoreAdjustment.quarter == quarter.number,
            ScoreAdjustment.user_id == user_id,
        )
        .order_by(ScoreAdjustment.created_at, ScoreAdjustment.id)
    )


def overrides_of(
    committee_id: int, quarter: Quarter, scope_path: str
) -> Select[tuple[int, str, str]]:
    """(user id, rating, reason) of staff's rating overrides for members under ``scope_path``."""
    return (
        select(RatingOverride.user_id, RatingOverride.rating, RatingOverride.reason)
        .join(Member, Member.user_id == RatingOverride.user_id)
        .where(
            RatingOverride.committee_id == committee_id,
            RatingOverride.year == quarter.year,
            RatingOverride.quarter == quarter.number,
            under(Member.org_path, scope_path),
        )
    )


def override_of(committee_id: int, quarter: Quarter, user_id: int) -> Select[tuple[RatingOverride]]:
    return select(RatingOverride).where(
        RatingOverride.committee_id == committee_id,
        RatingOverride.year == quarter.year,
        RatingOverride.quarter == quarter.number,
        RatingOverride.user_id == user_id,
    )


def quarter_close(committee_id: int, quarter: Quarter) -> Select[tuple[QuarterClose]]:
    return select(QuarterClose).where(
        QuarterClose.committee_id == committee_id,
        QuarterClose.year == quarter.year,
        QuarterClose.quarter == quarter.number,
    )


def frozen_scores(
    committee_id: int, quarter: Quarter, scope_path: str, *, by_rank: bool = False
) -> Select[tuple[FrozenScore]]:
    """A closed quarter's stored scores of the branches under ``scope_path``: by branch
    (tree order) and rank in it, or by rank in the committee."""
    branch = aliased(OrgUnit, name="branch")
    stmt = (
        select(FrozenScore)
        .join(branch, branch.id == FrozenScore.branch_id)
        .where(
            FrozenScore.committee_id == committee_id,
            FrozenScore.year == quarter.year,
            FrozenScore.quarter == quarter.number,
            under(branch.path, scope_path),
        )
    )
    if by_rank:
        return stmt.order_by(FrozenScore.committee_rank, FrozenScore.user_id)
    return stmt.order_by(branch.path, FrozenScore.branch_rank, FrozenScore.user_id)


def frozen_rows(committee_id: int, quarter: Quarter, scope_path: str) -> Select[Any]:
    """:func:`frozen_scores` as plain rows of the columns a ``MemberScore`` is made of."""
    return frozen_scores(committee_id, quarter, scope_path).with_only_columns(
        FrozenScore.user_id,
        FrozenScore.branch_id,
        FrozenScore.branch_rank,
        FrozenScore.committee_rank,
        FrozenScore.rating,
        FrozenScore.explanation,
    )


def count_frozen(committee_id: int, quarter: Quarter, scope_path: str) -> Select[tuple[int]]:
    branch = aliased(OrgUnit, name="branch")
    return (
        select(func.count(FrozenScore.id))
        .join(branch, branch.id == FrozenScore.branch_id)
        .where(
            FrozenScore.committee_id == committee_id,
            FrozenScore.year == quarter.year,
            FrozenScore.quarter == quarter.number,
            under(branch.path, scope_path),
        )
    )


def frozen_of(committee_id: int, quarter: Quarter, user_id: int) -> Select[tuple[FrozenScore]]:
    return select(FrozenScore).where(
        FrozenScore.committee_id == committee_id,
        FrozenScore.year == quarter.year,
        FrozenScore.quarter == quarter.number,
        FrozenScore.user_id == user_id,
    )


# Meetings in the branch summaries -------------------------------------------------------------


def meetings_held(
    scope_path: str, since: datetime, until: datetime
) -> Select[tuple[int, str, int]] | None:
    """(branch id, kind, how many) of the meetings held under ``scope_path`` in [since, until)
    (None while the meetings domain offers no such query)."""
    held_between = getattr(meetings, "held_between", None)
    if held_between is None:
        return None
    held = held_between(scope_path, since, until).subquery("held")
    return select(held.c.branch_id, held.c.kind, func.count()).group_by(
        held.c.branch_id, held.c.kind
    )


# Export jobs -----------------------------------------------------------------------------------


def pending_jobs() -> Select[tuple[ExportJob]]:
    return (
        select(ExportJob)
        .where(ExportJob.state == "pending")
        .order_by(ExportJob.created_at, ExportJob.id)
    )


def job_by_key(dedupe_key: str) -> Select[tuple[ExportJob]]:
    return select(ExportJob).where(ExportJob.dedupe_key == dedupe_key)


def committee_staff(committee_id: int) -> Select[tuple[int]]:
    """User ids of the committee's staff and admins."""
    return (
        select(RoleAssignment.user_id)
        .where(
            RoleAssignment.unit_id == committee_id,
            RoleAssignment.role.in_([Role.STAFF, Role.ADMIN]),
        )
        .distinct()
    )


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
