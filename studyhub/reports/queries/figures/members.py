"""Every member's raw figures in one grouped statement, and the members counted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    Select,
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
from studyhub.quizzes.models import Attempt, AttemptState
from studyhub.readings.models import ReadReceipt
from studyhub.reports.models import (
    ScoreAdjustment,
)
from studyhub.reports.queries.figures.required import (
    _per_unit,
    _upper,
    plan_materials,
    required_tests,
)
from studyhub.reports.queries.figures.window import Window
from studyhub.reports.queries.scores import _adjustments_of


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
