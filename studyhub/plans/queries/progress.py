"""SQL for members' progress on a plan: who it targets, each member's readings and test,
and the branch summary."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import (
    CTE,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.plans.models import (
    PlanExtension,
    PlanMaterial,
    PlanReminder,
    PlanTarget,
    StudyPlan,
)
from studyhub.quizzes.models import Attempt, AttemptState, GradingMethod, Quiz
from studyhub.readings.models import ReadReceipt

# A member's test status on a plan (``test_status`` column).
TEST_NONE = "none"  # the plan has no test
TEST_NOT_STARTED = "not_started"
TEST_IN_PROGRESS = "in_progress"
TEST_PASSED = "passed"
TEST_FAILED = "failed"

_target_unit = aliased(OrgUnit, name="target_unit")


def covers(unit_path: ColumnElement[str], member_path: ColumnElement[str]) -> ColumnElement[bool]:
    """``unit_path`` is ``member_path`` or one of its ancestors (a prefix of it)."""
    return func.substr(member_path, 1, func.length(unit_path)) == unit_path


def is_targeted(
    plan_id: int | ColumnElement[int], member_path: ColumnElement[str]
) -> ColumnElement[bool]:
    """Some target unit of the plan covers ``member_path`` (a correlated EXISTS)."""
    return (
        exists()
        .where(
            PlanTarget.plan_id == plan_id,
            _target_unit.id == PlanTarget.unit_id,
            covers(_target_unit.path, member_path),
        )
        .correlate_except(PlanTarget, _target_unit)
    )


def targeted_members(plan: StudyPlan, path: str = "/") -> Select[tuple[int]]:
    """User ids of the active members under ``path`` whom the plan is for."""
    return select(Member.user_id).where(
        Member.committee_id == plan.committee_id,
        Member.is_active.is_(True),
        under(Member.org_path, path),
        is_targeted(plan.id, Member.org_path),
    )


def _greatest(a: ColumnElement[datetime], b: ColumnElement[datetime]) -> ColumnElement[datetime]:
    """The later of two moments, either of which may be NULL (portable GREATEST)."""
    return type_coerce(
        case((a.is_(None), b), (b.is_(None), a), (a >= b, a), else_=b), DateTime(timezone=True)
    )


def _progress(pairs: CTE) -> Select:
    """Per (plan, member) row of ``pairs``: materials, test, activity, due date, reminders.

    ``pairs`` has plan_id, quiz_id, plan_due_on, member_id, user_id, branch_id, name.
    """
    materials = (
        select(PlanMaterial.plan_id, func.count().label("total"))
        .where(PlanMaterial.plan_id.in_(select(pairs.c.plan_id)))
        .group_by(PlanMaterial.plan_id)
        .subquery("materials")
    )
    receipts = (
        select(
            pairs.c.plan_id,
            pairs.c.user_id,
            func.count(ReadReceipt.studied_at).label("studied"),
            func.max(ReadReceipt.studied_at).label("last_studied_at"),
            func.max(ReadReceipt.last_seen_at).label("last_seen_at"),
        )
        .select_from(pairs)
        .join(PlanMaterial, PlanMaterial.plan_id == pairs.c.plan_id)
        .join(
            ReadReceipt,
            and_(
                ReadReceipt.reading_id == PlanMaterial.reading_id,
                ReadReceipt.user_id == pairs.c.user_id,
            ),
        )
        .group_by(pairs.c.plan_id, pairs.c.user_id)
        .subquery("receipts")
    )
    partition = (pairs.c.plan_id, pairs.c.user_id, Attempt.state)
    ranked = (
        select(
            pairs.c.plan_id,
            pairs.c.user_id,
            Attempt.state,
            Attempt.percent,
            Attempt.is_passed,
            Attempt.started_at,
            Attempt.submitted_at,
            func.row_number()
            .over(partition_by=partition, order_by=Attempt.number)
            .label("first_rank"),
            func.row_number()
            .over(partition_by=partition, order_by=Attempt.number.desc())
            .label("last_rank"),
        )
        .select_from(pairs)
        .join(
            Attempt,
            and_(Attempt.quiz_id == pairs.c.quiz_id, Attempt.user_id == pairs.c.user_id),
        )
        .subquery("ranked")
    )
    submitted = ranked.c.state == AttemptState.SUBMITTED
    attempts = (
        select(
            ranked.c.plan_id,
            ranked.c.user_id,
            func.count().filter(submitted).label("submitted"),
            func.count().filter(ranked.c.state == AttemptState.IN_PROGRESS).label("open"),
            func.max(ranked.c.percent).label("highest"),
            func.avg(ranked.c.percent).label("average"),
            func.max(case((and_(submitted, ranked.c.first_rank == 1), ranked.c.percent))).label(
                "first"
            ),
            func.max(case((and_(submitted, ranked.c.last_rank == 1), ranked.c.percent))).label(
                "last"
            ),
            func.min(case((ranked.c.is_passed.is_(True), ranked.c.submitted_at))).label(
                "first_passed_at"
            ),
            func.min(ranked.c.submitted_at).label("first_submitted_at"),
            func.max(ranked.c.submitted_at).label("last_submitted_at"),
            func.max(func.coalesce(ranked.c.submitted_at, ranked.c.started_at)).label(
                "last_attempt_at"
            ),
        )
        .group_by(ranked.c.plan_id, ranked.c.user_id)
        .subquery("attempts")
    )
    reminders = (
        select(
            pairs.c.plan_id,
            pairs.c.user_id,
            func.max(PlanReminder.sent_at).label("last_sent_at"),
        )
        .select_from(pairs)
        .join(
            PlanReminder,
            and_(PlanReminder.plan_id == pairs.c.plan_id, PlanReminder.user_id == pairs.c.user_id),
        )
        .group_by(pairs.c.plan_id, pairs.c.user_id)
        .subquery("reminders")
    )
    by_user = aliased(PlanExtension, name="by_user")
    by_branch = aliased(PlanExtension, name="by_branch")

    method = Quiz.grading_method
    grade = case(
        (method == GradingMethod.HIGHEST, attempts.c.highest),
        (method == GradingMethod.AVERAGE, attempts.c.average),
        (method == GradingMethod.FIRST, attempts.c.first),
        else_=attempts.c.last,
    )
    passed = grade >= Quiz.pass_percent
    passed_at = type_coerce(
        case(
            (method == GradingMethod.HIGHEST, attempts.c.first_passed_at),
            (method == GradingMethod.FIRST, attempts.c.first_submitted_at),
            else_=attempts.c.last_submitted_at,
        ),
        DateTime(timezone=True),
    )
    total = func.coalesce(materials.c.total, 0)
    studied = func.coalesce(receipts.c.studied, 0)
    test_done = or_(pairs.c.quiz_id.is_(None), passed)
    complete = and_(studied >= total, test_done)
    return (
        select(
            pairs.c.plan_id,
            pairs.c.member_id,
            pairs.c.user_id,
            pairs.c.name,
            pairs.c.branch_id,
            total.label("materials_total"),
            studied.label("materials_studied"),
            func.coalesce(attempts.c.submitted, 0).label("attempts_submitted"),
            func.coalesce(attempts.c.open, 0).label("attempts_open"),
            grade.label("best_percent"),
            case((passed, True), else_=False).label("is_passed"),
            type_coerce(
                case(
                    (pairs.c.quiz_id.is_(None), TEST_NONE),
                    (passed, TEST_PASSED),
                    (func.coalesce(attempts.c.open, 0) > 0, TEST_IN_PROGRESS),
                    (func.coalesce(attempts.c.submitted, 0) > 0, TEST_FAILED),
                    else_=TEST_NOT_STARTED,
                ),
                String(),
            ).label("test_status"),
            type_coerce(case((complete, True), else_=False), Boolean()).label("is_complete"),
            case((complete, _greatest(receipts.c.last_studied_at, passed_at))).label(
                "completed_at"
            ),
            _greatest(receipts.c.last_seen_at, attempts.c.last_attempt_at).label(
                "last_activity_at"
            ),
            type_coerce(
                func.coalesce(by_user.due_on, by_branch.due_on, pairs.c.plan_due_on), Date()
            ).label("due_on"),
            reminders.c.last_sent_at.label("last_reminded_at"),
        )
        .select_from(pairs)
        .outerjoin(materials, materials.c.plan_id == pairs.c.plan_id)
        .outerjoin(
            receipts,
            and_(receipts.c.plan_id == pairs.c.plan_id, receipts.c.user_id == pairs.c.user_id),
        )
        .outerjoin(
            attempts,
            and_(attempts.c.plan_id == pairs.c.plan_id, attempts.c.user_id == pairs.c.user_id),
        )
        .outerjoin(
            reminders,
            and_(reminders.c.plan_id == pairs.c.plan_id, reminders.c.user_id == pairs.c.user_id),
        )
        .outerjoin(Quiz, Quiz.id == pairs.c.quiz_id)
        .outerjoin(
            by_user, and_(by_user.plan_id == pairs.c.plan_id, by_user.user_id == pairs.c.user_id)
        )
        .outerjoin(
            by_branch,
            and_(by_branch.plan_id == pairs.c.plan_id, by_branch.unit_id == pairs.c.branch_id),
        )
    )


def _pairs() -> Select:
    return (
        select(
            StudyPlan.id.label("plan_id"),
            StudyPlan.quiz_id.label("quiz_id"),
            StudyPlan.due_on.label("plan_due_on"),
            Member.id.label("member_id"),
            Member.user_id.label("user_id"),
            Member.branch_id.label("branch_id"),
            User.name.label("name"),
        )
        .select_from(StudyPlan)
        .join(Member, Member.committee_id == StudyPlan.committee_id)
        .join(User, User.id == Member.user_id)
        .where(Member.is_active.is_(True), is_targeted(StudyPlan.id, Member.org_path))
    )


def member_progress(plan: StudyPlan, path: str) -> Select:
    """Per active member under ``path`` whom ``plan`` is for, by name — one statement.

    Columns: plan_id, member_id, user_id, name, branch_id, materials_total,
    materials_studied, attempts_submitted, attempts_open, best_percent (the final grade by
    the quiz's grading method; NULL before a submitted attempt), is_passed, test_status
    (``TEST_*``), is_complete, completed_at (when the last requirement was met: breaks
    ties), last_activity_at, due_on (member extension, else branch extension, else the
    plan's), last_reminded_at. Wrap it in ``.subquery()`` to filter or sort further.
    """
    return _member_progress(StudyPlan.id == plan.id, under(Member.org_path, path))


@functools.cache
def member_progress_template() -> Select:
    """:func:`member_progress` built once, with bind parameters: execute what wraps it with
    :func:`member_progress_params`. A branch's dashboard asks for it on every request, and
    building this statement costs more than running it for a branch."""
    return _member_progress(
        StudyPlan.id == bindparam("plan_id", type_=StudyPlan.id.type),
        Member.org_path >= bindparam("path_from", type_=Member.org_path.type),
        Member.org_path < bindparam("path_to", type_=Member.org_path.type),
    )


def member_progress_params(plan: StudyPlan, path: str) -> dict[str, object]:
    """The parameters of :func:`member_progress_template` for ``plan`` and the members under
    ``path`` (the range of ``org.queries.under``)."""
    return {"plan_id": plan.id, "path_from": path, "path_to": path[:-1] + "0"}


def _member_progress(*where: ColumnElement[bool]) -> Select:
    pairs = _pairs().where(*where).cte("pairs")
    rows = _progress(pairs).subquery("progress")
    return select(*rows.c).order_by(rows.c.name, rows.c.member_id)


def branch_summary(plan: StudyPlan, path: str) -> Select:
    """Per branch under ``path`` with members the plan is for, in tree order — one statement.

    Columns: branch_id, name, path, members (active, targeted), completed, passed,
    average (the average final grade of those who have one; NULL when nobody has).
    """
    rows = member_progress(plan, path).subquery("members")
    return (
        select(
            rows.c.branch_id,
            OrgUnit.name,
            OrgUnit.path,
            func.count().label("members"),
            func.count().filter(rows.c.is_complete.is_(True)).label("completed"),
            func.count().filter(rows.c.is_passed.is_(True)).label("passed"),
            func.avg(rows.c.best_percent).label("average"),
        )
        .join(OrgUnit, OrgUnit.id == rows.c.branch_id)
        .group_by(rows.c.branch_id, OrgUnit.name, OrgUnit.path)
        .order_by(OrgUnit.path)
    )
