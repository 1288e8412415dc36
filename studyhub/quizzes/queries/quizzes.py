"""Queries of the quiz pages: a committee's quizzes, assignments, open quizzes, drawing, grades."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    bindparam,
    exists,
    func,
    or_,
    select,
)

from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import named_members_under, under
from studyhub.quizzes.models import (
    Attempt,
    AttemptState,
    Category,
    GradingMethod,
    Question,
    QuestionType,
    Quiz,
    QuizAssignment,
    QuizMode,
)


def quizzes_of(committee_id: int) -> Select[tuple[Quiz]]:
    """A committee's quizzes, newest first."""
    return (
        select(Quiz)
        .where(Quiz.committee_id == committee_id)
        .order_by(Quiz.created_at.desc(), Quiz.id.desc())
    )


def assignments_of(quiz_id: int) -> Select[tuple[QuizAssignment, OrgUnit]]:
    """The units a quiz is assigned to, in tree order."""
    return (
        select(QuizAssignment, OrgUnit)
        .join(OrgUnit, OrgUnit.id == QuizAssignment.unit_id)
        .where(QuizAssignment.quiz_id == quiz_id)
        .order_by(OrgUnit.path)
    )


def _assigned_to(quiz_id: int | ColumnElement[int], unit_ids: list[int]) -> Exists:
    return exists().where(QuizAssignment.quiz_id == quiz_id, QuizAssignment.unit_id.in_(unit_ids))


def is_assigned(quiz_id: int, unit_ids: list[int]) -> Select[tuple[bool]]:
    """Whether the quiz is assigned to one of ``unit_ids`` (a member's unit and those above)."""
    return select(_assigned_to(quiz_id, unit_ids))


def assigned_quizzes(committee_id: int, unit_ids: list[int]) -> Select[tuple[Quiz]]:
    """Published exams and practice quizzes assigned to any of ``unit_ids``; open ones first."""
    return (
        select(Quiz)
        .where(
            Quiz.committee_id == committee_id,
            Quiz.published_at.is_not(None),
            Quiz.mode.in_([QuizMode.EXAM, QuizMode.PRACTICE]),
            _assigned_to(Quiz.id, unit_ids),
        )
        .order_by(Quiz.closes_at.is_(None), Quiz.closes_at.desc(), Quiz.id.desc())
    )


def open_quizzes_of_user(user_id: int, now: datetime) -> Select[tuple[Quiz]]:
    """Exams and practice quizzes open now for the user's active membership, in one query.

    Assigned means assigned to a unit whose path starts the member's path (their
    unit or one above it), in the member's committee.
    """
    assigned = (
        select(QuizAssignment.id)
        .join(OrgUnit, OrgUnit.id == QuizAssignment.unit_id)
        .where(
            QuizAssignment.quiz_id == Quiz.id,
            func.substr(Member.org_path, 1, func.length(OrgUnit.path)) == OrgUnit.path,
        )
        .exists()
    )
    return (
        select(Quiz)
        .join(Member, Member.committee_id == Quiz.committee_id)
        .where(
            Member.user_id == user_id,
            Member.is_active.is_(True),
            Quiz.published_at.is_not(None),
            Quiz.mode.in_([QuizMode.EXAM, QuizMode.PRACTICE]),
            or_(Quiz.opens_at.is_(None), Quiz.opens_at <= now),
            or_(Quiz.closes_at.is_(None), Quiz.closes_at > now),
            assigned,
        )
        .order_by(Quiz.closes_at.is_(None), Quiz.closes_at, Quiz.id.desc())
    )


@cache
def open_quizzes_for_home() -> Select[tuple[Quiz]]:
    """The first five of :func:`open_quizzes_of_user`, built once: binds ``user_id`` and
    ``now`` (the home page asks it on every visit; building costs more than running it).
    """
    return open_quizzes_of_user(bindparam("user_id"), bindparam("now")).limit(5)


def draw_pool(
    bank_id: int,
    *,
    category_path: str | None,
    category_id: int | None,
    include_subcategories: bool,
    qtype: QuestionType | None,
    auto_graded_only: bool = False,
) -> Select[tuple[int, int]]:
    """(question id, current version id) of the live questions a random rule draws from
    (``auto_graded_only``: no essays, for the daily quiz's instant feedback)."""
    stmt = select(Question.id, Question.current_version_id).where(
        Question.bank_id == bank_id,
        Question.is_retired.is_(False),
        Question.current_version_id.is_not(None),
    )
    if category_path is not None and include_subcategories:
        stmt = stmt.join(Category, Category.id == Question.category_id).where(
            under(Category.path, category_path)
        )
    elif category_id is not None:
        stmt = stmt.where(Question.category_id == category_id)
    if qtype is not None:
        stmt = stmt.where(Question.qtype == qtype)
    if auto_graded_only:
        stmt = stmt.where(Question.qtype != QuestionType.ESSAY)
    return stmt.order_by(Question.id)


def final_grades(
    quiz_id: int, method: GradingMethod, *, user_id: int | None = None
) -> Select[tuple[int, Decimal, int]]:
    """(user id, final percent, submitted attempts) per member, by the quiz's grading method.

    Only submitted attempts count; ``user_id`` narrows it to one member.
    ``average`` comes back as the database's average (a float on SQLite); round
    it where it is shown.
    """
    submitted = [Attempt.quiz_id == quiz_id, Attempt.state == AttemptState.SUBMITTED]
    if user_id is not None:
        submitted.append(Attempt.user_id == user_id)
    if method in (GradingMethod.HIGHEST, GradingMethod.AVERAGE):
        grade = (
            func.max(Attempt.percent)
            if method == GradingMethod.HIGHEST
            else func.avg(Attempt.percent)
        )
        return (
            select(Attempt.user_id, grade, func.count(Attempt.id))
            .where(*submitted)
            .group_by(Attempt.user_id)
            .order_by(Attempt.user_id)
        )
    order = Attempt.number.asc() if method == GradingMethod.FIRST else Attempt.number.desc()
    ranked = (
        select(
            Attempt.user_id,
            Attempt.percent,
            func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("rank"),
            func.count(Attempt.id).over(partition_by=Attempt.user_id).label("count"),
        )
        .where(*submitted)
        .subquery()
    )
    return (
        select(ranked.c.user_id, ranked.c.percent, ranked.c.count)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.user_id)
    )


def member_statuses(
    quiz_id: int, method: GradingMethod, path: str
) -> Select[tuple[int, str, int | None, int | None, Decimal | None, int | None]]:
    """Each active member under ``path``: (member, name, submitted attempts, open attempts,
    final percent by ``method``, attempts waiting for an essay's marking), by name. One
    statement; the attempts read are only those of the members under ``path``.
    """
    members = select(Member.user_id).where(under(Member.org_path, path))
    counts = (
        select(
            Attempt.user_id.label("user_id"),
            func.count(Attempt.id).filter(Attempt.state == AttemptState.SUBMITTED).label("done"),
            func.count(Attempt.id).filter(Attempt.state == AttemptState.IN_PROGRESS).label("open"),
            func.count(Attempt.id).filter(Attempt.is_marking_pending.is_(True)).label("marking"),
        )
        .where(Attempt.quiz_id == quiz_id, Attempt.user_id.in_(members))
        .group_by(Attempt.user_id)
        .subquery("counts")
    )
    grades_stmt = final_grades(quiz_id, method)
    grades = grades_stmt.where(grades_stmt.selected_columns[0].in_(members)).subquery("grades")
    grade_user, grade = list(grades.c)[0], list(grades.c)[1]
    named = named_members_under(path)  # the members' names are org's to give
    return (
        select(
            named.c.member_id, named.c.name, counts.c.done, counts.c.open, grade, counts.c.marking
        )
        .outerjoin(counts, counts.c.user_id == named.c.user_id)
        .outerjoin(grades, grade_user == named.c.user_id)
        .order_by(named.c.name, named.c.member_id)
    )
