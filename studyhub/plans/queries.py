"""Reusable queries over study plans; each returns a ``Select`` scoped to a plan and a path, or
to one member.

Progress is computed in SQL, never by loading members, receipts or attempts into Python.
:func:`member_progress` is one statement for any number of members: the plan's targeted,
active members under a path are a CTE (``pairs``), and receipts (by ``(reading_id,
user_id)``), attempts (by ``(quiz_id, user_id)``), reminders and deadline overrides are
grouped or joined against it. :func:`my_plans` runs the same computation for one member
over every plan they are given. Dashboards and the meetings' evidence build on these.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    CTE,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.org.models import Member, OrgUnit, Role, RoleAssignment
from studyhub.org.queries import under
from studyhub.plans.models import (
    PlanExtension,
    PlanMaterial,
    PlanReminder,
    PlanTarget,
    StudyPlan,
)
from studyhub.quizzes.models import Attempt, AttemptState, GradingMethod, Quiz, QuizMode
from studyhub.readings.models import Reading, ReadReceipt

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


def my_plans(user_id: int, *, due_by: date | None = None) -> Select:
    """The member's published plans with their progress, by due date — one statement.

    The progress columns of :func:`member_progress` plus title, starts_on,
    quiz_id and next_reading_id (the first material not studied yet, in order).
    ``due_by`` keeps only unfinished plans that have started by then (the home page).
    """
    return _my_plans(user_id, due_by)


@functools.cache
def my_todo() -> Select:
    """:func:`my_plans` with ``due_by``, built once: execute it with ``{"user_id": …,
    "due_by": …}``.

    The home page asks for it on every request; building this statement costs far more
    than running it, and one object keeps SQLAlchemy's compiled cache warm.
    """
    return _my_plans(
        bindparam("user_id", type_=Member.user_id.type),
        bindparam("due_by", type_=StudyPlan.starts_on.type),
    )


def _my_plans(
    user_id: int | ColumnElement[int], due_by: date | ColumnElement[date] | None
) -> Select:
    pairs = (
        _pairs().where(Member.user_id == user_id, StudyPlan.published_at.is_not(None)).cte("pairs")
    )
    rows = _progress(pairs).subquery("progress")
    next_reading = (
        select(PlanMaterial.reading_id)
        .where(
            PlanMaterial.plan_id == StudyPlan.id,
            ~exists().where(
                ReadReceipt.reading_id == PlanMaterial.reading_id,
                ReadReceipt.user_id == user_id,
                ReadReceipt.studied_at.is_not(None),
            ),
        )
        .order_by(PlanMaterial.position)
        .limit(1)
        .correlate(StudyPlan)
        .scalar_subquery()
    )
    stmt = (
        select(
            StudyPlan.title,
            StudyPlan.starts_on,
            StudyPlan.quiz_id,
            next_reading.label("next_reading_id"),
            *rows.c,
        )
        .join(rows, rows.c.plan_id == StudyPlan.id)
        .order_by(rows.c.due_on, StudyPlan.id)
    )
    if due_by is not None:
        stmt = stmt.where(rows.c.is_complete.is_(False), StudyPlan.starts_on <= due_by)
    return stmt


def plans_testing_with(quiz_id: int, user_id: int) -> Select[tuple[int, str]]:
    """(id, title) of the user's published plans whose test is ``quiz_id``, by due date."""
    return (
        _pairs()
        .with_only_columns(StudyPlan.id, StudyPlan.title)
        .where(
            Member.user_id == user_id,
            StudyPlan.published_at.is_not(None),
            StudyPlan.quiz_id == quiz_id,
        )
        .order_by(StudyPlan.due_on, StudyPlan.id)
    )


def plan_materials(plan_id: int, user_id: int | None = None) -> Select:
    """The plan's materials in order: (position, reading, studied_at of ``user_id`` or NULL)."""
    studied = (
        select(ReadReceipt.studied_at)
        .where(ReadReceipt.reading_id == PlanMaterial.reading_id, ReadReceipt.user_id == user_id)
        .correlate(PlanMaterial)
        .scalar_subquery()
        if user_id is not None
        else literal(None, DateTime(timezone=True))
    )
    return (
        select(PlanMaterial.position, Reading, studied.label("studied_at"))
        .join(Reading, Reading.id == PlanMaterial.reading_id)
        .where(PlanMaterial.plan_id == plan_id)
        .order_by(PlanMaterial.position)
    )


def plans_of(committee_id: int) -> Select[tuple[StudyPlan]]:
    """A committee's plans for staff, newest quarter first, drafts on top within it."""
    return (
        select(StudyPlan)
        .where(StudyPlan.committee_id == committee_id)
        .order_by(
            StudyPlan.year.desc(),
            StudyPlan.quarter.desc(),
            StudyPlan.published_at.is_not(None),
            StudyPlan.due_on.desc(),
            StudyPlan.id.desc(),
        )
    )


def targets_of(plan_id: int) -> Select[tuple[OrgUnit]]:
    """The units the plan is for, in tree order."""
    return (
        select(OrgUnit)
        .join(PlanTarget, PlanTarget.unit_id == OrgUnit.id)
        .where(PlanTarget.plan_id == plan_id)
        .order_by(OrgUnit.path)
    )


def target_paths(plan_id: int) -> Select[tuple[str]]:
    """The paths of the units the plan is for (see :func:`branch_summary_by_week`)."""
    return (
        select(OrgUnit.path)
        .join(PlanTarget, PlanTarget.unit_id == OrgUnit.id)
        .where(PlanTarget.plan_id == plan_id)
        .order_by(OrgUnit.path)
    )


def extensions_of(plan_id: int) -> Select:
    """The plan's deadline overrides: (extension, unit name, member name, granted by name)."""
    member = aliased(User, name="member_user")
    granter = aliased(User, name="granter")
    return (
        select(PlanExtension, OrgUnit.name, member.name, granter.name)
        .outerjoin(OrgUnit, OrgUnit.id == PlanExtension.unit_id)
        .outerjoin(member, member.id == PlanExtension.user_id)
        .outerjoin(granter, granter.id == PlanExtension.granted_by_id)
        .where(PlanExtension.plan_id == plan_id)
        .order_by(PlanExtension.unit_id.is_(None), OrgUnit.path, member.name)
    )


def extension_for(plan_id: int, *, unit_id: int | None = None, user_id: int | None = None):
    stmt = select(PlanExtension).where(PlanExtension.plan_id == plan_id)
    if unit_id is not None:
        return stmt.where(PlanExtension.unit_id == unit_id)
    return stmt.where(PlanExtension.user_id == user_id)


def last_reminders(plan_id: int, user_ids: list[int]) -> Select[tuple[int, datetime]]:
    """(user id, when the last reminder about the plan went) for those of ``user_ids`` with one."""
    return (
        select(PlanReminder.user_id, func.max(PlanReminder.sent_at))
        .where(PlanReminder.plan_id == plan_id, PlanReminder.user_id.in_(user_ids))
        .group_by(PlanReminder.user_id)
    )


def due_soon_plans(since: date, until: date) -> Select[tuple[StudyPlan, str]]:
    """Published plans whose due date, or one of whose extensions, falls in [since, until],
    with their committee's time zone (for the reminders job)."""
    extended = exists().where(
        PlanExtension.plan_id == StudyPlan.id,
        PlanExtension.due_on >= since,
        PlanExtension.due_on <= until,
    )
    return (
        select(StudyPlan, OrgUnit.timezone)
        .join(OrgUnit, OrgUnit.id == StudyPlan.committee_id)
        .where(
            StudyPlan.published_at.is_not(None),
            OrgUnit.is_active.is_(True),
            or_(and_(StudyPlan.due_on >= since, StudyPlan.due_on <= until), extended),
        )
        .order_by(StudyPlan.id)
    )


def secretaries_of(branch_ids: list[int]) -> Select[tuple[int, int, str | None]]:
    """(user id, branch id, e-mail) of the secretaries of ``branch_ids`` who can log in."""
    return (
        select(RoleAssignment.user_id, RoleAssignment.unit_id, User.email)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.SECRETARY,
            RoleAssignment.unit_id.in_(branch_ids),
            User.is_enabled.is_(True),
        )
        .order_by(RoleAssignment.user_id, RoleAssignment.unit_id)
    )


def exams_of(committee_id: int) -> Select[tuple[Quiz]]:
    """The committee's exams, newest first (the tests a plan may use)."""
    return (
        select(Quiz)
        .where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.EXAM)
        .order_by(Quiz.created_at.desc(), Quiz.id.desc())
    )


# -- Added by P-dash for the reports dashboards (studyhub/reports/services/dashboards.py) ------
# A variant of branch_summary with two more things the committee dashboard needs in the same
# statement: how many members have a final grade (to average across branches) and how many had
# completed before each of ``week_ends`` (the quarter's completion trend).


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


# -- end of P-dash's addition -------------------------------------------------------------------
