"""SQL for every member's raw figures of a quarter.

Every member's raw figures for a whole committee or branch come from one
grouped statement (:func:`member_figures`), whatever the number of members:
the readings and tests required of a member depend only on the unit they sit
in, so they are worked out per unit (a few thousand rows at most) and joined
to members by path; receipts, attempts, daily-quiz attempts, adjustments and
attendance are grouped per member over their indexed columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.meetings import queries as meetings
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
from studyhub.quizzes.models import Attempt, AttemptState, Quiz, QuizMode
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.readings.queries import is_visible
from studyhub.reports.models import (
    ScoreAdjustment,
)
from studyhub.reports.quarters import Quarter, midnight
from studyhub.reports.queries.scores import _adjustments_of


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
    # The span counted: the quarter's days, or a competition's own period (:meth:`period`).
    first_day: date | None = None
    end_day: date | None = None  # the span's last day (plans due up to it count)

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

    @classmethod
    def period(
        cls, committee: OrgUnit, first_day: date, end_day: date, now: datetime, today: date
    ) -> Window:
        """Any span of local days (a competition's period), not a quarter: readings of the day
        from ``first_day`` up to today, plans due in the span, receipts and attempts from local
        midnight of ``first_day`` up to the end of ``end_day`` (or now). Adjustments and
        attendance stay a quarter's business (that of ``first_day``); a span's figures are
        read without them."""
        return cls(
            committee_id=committee.id,
            committee_path=committee.path,
            timezone=committee.timezone,
            quarter=Quarter.of(first_day),
            starts_at=midnight(first_day, committee.timezone),
            ends_at=midnight(end_day + timedelta(days=1), committee.timezone),
            last_day=min(end_day, today),
            now=now,
            first_day=first_day,
            end_day=end_day,
        )

    @property
    def since(self) -> date:
        """The first day counted."""
        return self.first_day or self.quarter.first_day

    @property
    def through(self) -> date:
        """The last day whose plans count (the quarter's, or the period's end)."""
        return self.end_day or self.quarter.last_day

    @property
    def until(self) -> datetime:
        return min(self.ends_at, self.now)

    @property
    def days(self) -> int:
        """Days of the quarter (or period) up to ``last_day`` (the daily quiz's denominator)."""
        if self.first_day is None:
            return self.quarter.days_until(self.last_day)
        return max((self.last_day - self.first_day).days + 1, 0)


def _upper(path: ColumnElement[str]) -> ColumnElement[str]:
    """SQL for ``path[:-1] + "0"``: the end of ``path``'s range (see ``org.queries.under``)."""
    return func.substr(path, 1, func.length(path) - 1, type_=String) + "0"


def _quarter_plans(w: Window) -> list[ColumnElement[bool]]:
    return [
        StudyPlan.committee_id == w.committee_id,
        StudyPlan.published_at.is_not(None),
        StudyPlan.published_at <= w.now,
        StudyPlan.due_on >= w.since,
        StudyPlan.due_on <= w.through,
    ]


def daily_reading_ids(w: Window) -> Select[tuple[int]]:
    """The quarter's readings of the day up to ``last_day``: required of the whole committee."""
    return select(Reading.id).where(
        Reading.committee_id == w.committee_id,
        Reading.daily_on >= w.since,
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
            Attempt.daily_on >= w.since,
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
