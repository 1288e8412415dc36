"""SQL that the reports dashboards ask of plans (``reports/services/dashboards.py``).

A variant of branch_summary with two more things the committee dashboard needs in the same
statement: how many members have a final grade (to average across branches) and how many had
completed before each of ``week_ends`` (the quarter's completion trend).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.plans.models import (
    PlanMaterial,
    StudyPlan,
)
from studyhub.plans.queries.progress import _greatest
from studyhub.quizzes.models import Attempt, AttemptState, GradingMethod, Quiz
from studyhub.readings.models import ReadReceipt


def branch_summary_by_week(
    plan: StudyPlan,
    path: str,
    week_ends: Sequence[datetime],
    quiz: Quiz | None,
    targets: Sequence[str],
) -> Select:
    """:func:`branch_summary`'s columns plus ``graded`` (members with a final grade) and
    ``completed_0`` … ``completed_<n-1>``: members complete before each of ``week_ends``.
    One statement for any number of members and branches. ``quiz`` is the plan's test
    (``None`` without one): its grading method decides which aggregates the SQL computes;
    ``targets`` are the paths of the plan's target units (:func:`target_paths`).

    Built for a whole committee rather than on :func:`member_progress`: receipts and test
    attempts are grouped per member first, each over its own index (the plan's materials'
    receipts, the test's attempts), and joined to the members by hash, so the work grows
    with the rows read and not with a nested loop per member; only what the figures need
    (materials studied, final grade, when complete) is computed.
    """
    rows = _standing(plan, path, quiz, targets)
    by_week = [
        func.count().filter(rows.c.completed_at < end).label(f"completed_{i}")
        for i, end in enumerate(week_ends)
    ]
    # Grouped by the branch's id alone (a hash of 2,000 keys), named afterwards.
    figures = (
        select(
            rows.c.branch_id,
            func.count().label("members"),
            func.count().filter(rows.c.is_complete.is_(True)).label("completed"),
            func.count().filter(rows.c.is_passed.is_(True)).label("passed"),
            func.avg(rows.c.best_percent).label("average"),
            func.count(rows.c.best_percent).label("graded"),
            *by_week,
        )
        .group_by(rows.c.branch_id)
        .subquery("figures")
    )
    return (
        select(
            figures.c.branch_id,
            OrgUnit.name,
            OrgUnit.path,
            *(c for c in figures.c if c.key != "branch_id"),
        )
        .join(OrgUnit, OrgUnit.id == figures.c.branch_id)
        .order_by(OrgUnit.path)
    )


def targeted_paths(path: str, targets: Sequence[str]) -> list[str]:
    """The subtrees under ``path`` whose members a plan with target units at ``targets`` is
    for: ``path`` itself when a target covers it, else the targets inside it (the outermost
    ones, so that no member lies in two)."""
    if any(path.startswith(t) for t in targets):
        return [path]
    outermost: list[str] = []
    for target in sorted(t for t in targets if t.startswith(path)):
        if not any(target.startswith(o) for o in outermost):
            outermost.append(target)
    return outermost


# A submitted attempt's number and percent packed in one integer, so that min() and max()
# over a member's attempts give the first and the last attempt's percent without a window
# (percent has two decimals and is at most 100: it fits below the packing factor).
_PACK = 100_000


def _standing(plan: StudyPlan, path: str, quiz: Quiz | None, targets: Sequence[str]) -> Subquery:
    """Per active member under ``path`` whom ``plan`` is for: branch_id, best_percent (the
    final grade by the quiz's grading method), is_passed, is_complete and completed_at —
    the figures :func:`member_progress` computes, without the rest (a subquery)."""
    # The members the plan is for, as path ranges known when the statement is built:
    # PostgreSQL estimates a range on the members' path index from its statistics (all
    # 100,000 of a committee), not a correlated test against the targets (a ninth of them,
    # which makes it hash the members twice).
    covered = [under(Member.org_path, p) for p in targeted_paths(path, targets)]
    scope = select(Member.user_id).where(
        Member.committee_id == plan.committee_id, under(Member.org_path, path)
    )

    def in_scope(user_id: ColumnElement[int]) -> list[ColumnElement[bool]]:
        # For the whole committee, every receipt of the materials and attempt of the test is
        # in scope: reading them all beats checking each against the members.
        return [] if path == f"/{plan.committee_id}/" else [user_id.in_(scope)]

    receipts = (
        select(
            ReadReceipt.user_id,
            func.count(ReadReceipt.studied_at).label("studied"),
            func.max(ReadReceipt.studied_at).label("last_studied_at"),
        )
        .join(
            PlanMaterial,
            and_(
                PlanMaterial.reading_id == ReadReceipt.reading_id, PlanMaterial.plan_id == plan.id
            ),
        )
        .where(*in_scope(ReadReceipt.user_id))
        .group_by(ReadReceipt.user_id)
        .subquery("receipts")
    )
    # Only the aggregates the quiz's grading method needs, over its submitted attempts.
    method = quiz.grading_method if quiz is not None else GradingMethod.HIGHEST
    if method == GradingMethod.HIGHEST:
        grade = func.max(Attempt.percent)
        passed_at = func.min(Attempt.submitted_at).filter(Attempt.is_passed.is_(True))
    elif method == GradingMethod.AVERAGE:
        grade, passed_at = func.avg(Attempt.percent), func.max(Attempt.submitted_at)
    else:
        first = method == GradingMethod.FIRST
        packed = (func.min if first else func.max)(
            Attempt.number * _PACK + func.round(Attempt.percent * 100)
        )
        grade = type_coerce(packed % _PACK / 100.0, Attempt.percent.type)
        passed_at = (func.min if first else func.max)(Attempt.submitted_at)
    pass_percent = quiz.pass_percent if quiz is not None else 0
    attempts = (
        select(
            Attempt.user_id,
            grade.label("grade"),
            (grade >= pass_percent).label("is_passed"),
            passed_at.label("passed_at"),
        )
        .where(
            Attempt.quiz_id == plan.quiz_id,
            Attempt.state == AttemptState.SUBMITTED,
            *in_scope(Attempt.user_id),
        )
        .group_by(Attempt.user_id)
        .subquery("attempts")
    )
    total = (
        select(func.count())
        .select_from(PlanMaterial)
        .where(PlanMaterial.plan_id == plan.id)
        .scalar_subquery()
    )
    passed = attempts.c.is_passed.is_(True)
    test_done = passed if plan.quiz_id is not None else literal(True)
    complete = and_(func.coalesce(receipts.c.studied, 0) >= total, test_done)
    standing = (
        select(
            Member.branch_id,
            attempts.c.grade.label("best_percent"),
            case((passed, True), else_=False).label("is_passed"),
            type_coerce(case((complete, True), else_=False), Boolean()).label("is_complete"),
            case((complete, _greatest(receipts.c.last_studied_at, attempts.c.passed_at))).label(
                "completed_at"
            ),
        )
        .select_from(Member)
        .outerjoin(receipts, receipts.c.user_id == Member.user_id)
        .outerjoin(attempts, attempts.c.user_id == Member.user_id)
        .where(
            Member.committee_id == plan.committee_id,
            Member.is_active.is_(True),
            or_(*covered) if covered else false(),
        )
    )
    # OFFSET 0 keeps the subquery whole: PostgreSQL works out each member's completion once
    # as the joins emit the row, where a flattened subquery would repeat the expression in
    # every week's count, and a materialised CTE (as before) would also write the 100,000
    # rows out and read them back.
    return standing.offset(0).subquery("standing")
