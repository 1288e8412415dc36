"""Reusable queries over banks, questions and quizzes; each returns a ``Select`` scoped to a bank
or a committee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from html import escape
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased, contains_eager, joinedload

from studyhub.accounts.models import User
from studyhub.accounts.queries import valid_login_clause
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Bank,
    Category,
    GradingMethod,
    MistakeCard,
    Question,
    QuestionMedia,
    QuestionTag,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizAssignment,
    QuizMode,
)

# Banks and questions (Q-bank) ------------------------------------------------------------


def banks_of(committee_id: int) -> Select[tuple[Bank, int, int]]:
    """The committee's banks by name, with how many questions each holds and how many are live."""
    live = func.count(Question.id).filter(Question.is_retired.is_(False))
    return (
        select(Bank, func.count(Question.id), live)
        .outerjoin(Question, Question.bank_id == Bank.id)
        .where(Bank.committee_id == committee_id)
        .group_by(Bank.id)
        .order_by(Bank.name)
    )


def categories_of(bank_id: int) -> Select[tuple[Category]]:
    return select(Category).where(Category.bank_id == bank_id).order_by(Category.path)


def question_counts_by_category(bank_id: int) -> Select[tuple[int | None, int]]:
    """(category id or None, live questions directly in it) for one bank."""
    return (
        select(Question.category_id, func.count(Question.id))
        .where(Question.bank_id == bank_id, Question.is_retired.is_(False))
        .group_by(Question.category_id)
    )


@dataclass(frozen=True)
class QuestionFilter:
    """What the staff list of a bank's questions is narrowed to (None: any).

    ``text`` matches the title or the stem (as a substring, so Chinese works);
    ``category_path`` takes the category's whole subtree.
    """

    text: str = ""
    category_path: str | None = None
    qtype: QuestionType | None = None
    tag: str | None = None
    difficulty: int | None = None
    is_retired: bool | None = False


def bank_questions(bank_id: int, where: QuestionFilter) -> Select[tuple[Question]]:
    """A bank's questions with their current version and category, newest first."""
    stmt = (
        select(Question)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .outerjoin(Category, Category.id == Question.category_id)
        .options(contains_eager(Question.current_version), contains_eager(Question.category))
        .where(Question.bank_id == bank_id)
    )
    text = " ".join(where.text.split())
    if text:
        stmt = stmt.where(
            or_(
                # stems are stored as HTML, where & < > are entities
                QuestionVersion.stem_html.icontains(escape(text, quote=False), autoescape=True),
                Question.title.icontains(text, autoescape=True),
            )
        )
    if where.category_path is not None:
        stmt = stmt.where(under(Category.path, where.category_path))
    if where.qtype is not None:
        stmt = stmt.where(Question.qtype == where.qtype)
    if where.tag:
        stmt = stmt.where(
            select(QuestionTag.question_id)
            .where(QuestionTag.question_id == Question.id, QuestionTag.name == where.tag)
            .exists()
        )
    if where.difficulty is not None:
        stmt = stmt.where(Question.difficulty == where.difficulty)
    if where.is_retired is not None:
        stmt = stmt.where(Question.is_retired.is_(where.is_retired))
    return stmt.order_by(Question.id.desc())


def bank_tags(bank_id: int) -> Select[tuple[str, int]]:
    """The tags used in a bank, with how many questions carry each, by name."""
    return (
        select(QuestionTag.name, func.count(QuestionTag.question_id))
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id == bank_id)
        .group_by(QuestionTag.name)
        .order_by(QuestionTag.name)
    )


def fingerprints_in(bank_id: int, fingerprints: list[str]) -> Select[tuple[str]]:
    return select(Question.fingerprint).where(
        Question.bank_id == bank_id, Question.fingerprint.in_(fingerprints)
    )


def export_rows(
    bank_id: int, category_path: str | None
) -> Select[tuple[Question, QuestionVersion]]:
    """A bank's questions (or a category subtree's) with their current version, oldest first."""
    stmt = (
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank_id)
        .order_by(Question.id)
    )
    if category_path is not None:
        stmt = stmt.join(Category, Category.id == Question.category_id).where(
            under(Category.path, category_path)
        )
    return stmt


def media_by_name(bank_id: int, stored_name: str) -> Select[tuple[QuestionMedia]]:
    return select(QuestionMedia).where(
        QuestionMedia.bank_id == bank_id, QuestionMedia.stored_name == stored_name
    )


# Quizzes and attempts (Q-attempt) ---------------------------------------------------------


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


def attempts_of(quiz_id: int, user_id: int) -> Select[tuple[Attempt]]:
    return (
        select(Attempt)
        .where(Attempt.quiz_id == quiz_id, Attempt.user_id == user_id)
        .order_by(Attempt.number)
    )


def open_attempt(quiz_id: int, user_id: int) -> Select[tuple[Attempt]]:
    """The user's attempt in progress at the quiz, if any."""
    return attempts_of(quiz_id, user_id).where(Attempt.state == AttemptState.IN_PROGRESS)


def last_attempt_number(quiz_id: int, user_id: int) -> Select[tuple[int | None]]:
    return select(func.max(Attempt.number)).where(
        Attempt.quiz_id == quiz_id, Attempt.user_id == user_id
    )


def attempt_items(attempt_id: int) -> Select[tuple[AttemptItem]]:
    """An attempt's items in order, each with its frozen version and the question's type."""
    return (
        select(AttemptItem)
        .options(joinedload(AttemptItem.version).joinedload(QuestionVersion.question))
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    )


def attempt_item(attempt_id: int, position: int) -> Select[tuple[AttemptItem]]:
    return attempt_items(attempt_id).where(AttemptItem.position == position)


class Bound(NamedTuple):
    """A statement built once and its parameters for one call: ``session.execute(*bound)``.

    The hot paths' statements are built once per process (building costs more than
    running them); their builders still take typed arguments and bind them here.
    """

    statement: Select
    params: dict[str, Any]


@cache
def _attempt_page() -> Select:
    attempt = Attempt.__table__
    quiz = Quiz.__table__
    item = AttemptItem.__table__
    return (
        select(
            attempt.c.user_id,
            attempt.c.quiz_id,
            attempt.c.state,
            attempt.c.deadline_at,
            quiz.c.title,
            quiz.c.mode,
            item.c.position,
            item.c.question_id,
            item.c.version_id,
            item.c.points,
            # As the JSON text: the page decodes each distinct text once (orders repeat).
            cast(item.c.option_order, Text).label("option_order"),
            cast(item.c.response, Text).label("response"),
            item.c.response_seq,
            item.c.is_flagged,
            item.c.score,
        )
        .select_from(attempt)
        .join(quiz, quiz.c.id == attempt.c.quiz_id)
        .outerjoin(item, item.c.attempt_id == attempt.c.id)
        .where(attempt.c.id == bindparam("attempt_id"))
        .order_by(item.c.position)
    )


def attempt_page(attempt_id: int) -> Bound:
    """The attempt page's one statement: a row per item (position order), each with the
    attempt's owner, quiz, state and deadline and the quiz's title and mode; the item's
    columns are ``NULL`` in the one row of an attempt without items, no row without the
    attempt. No question text: :func:`versions_to_show` reads it once per process."""
    return Bound(_attempt_page(), {"attempt_id": attempt_id})


def versions_to_show(version_ids: list[int]) -> Select:
    """(id, question_id, qtype, stem_html, options, answer) of question versions."""
    version = QuestionVersion.__table__
    question = Question.__table__
    return (
        select(
            version.c.id,
            version.c.question_id,
            question.c.qtype,
            version.c.stem_html,
            version.c.options,
            version.c.answer,
        )
        .join(question, question.c.id == version.c.question_id)
        .where(version.c.id.in_(version_ids))
    )


@cache
def save_target() -> Select:
    """What saving one answer needs, in one row: the attempt (locked), its quiz's mode, the item,
    and whether the request's login may act for the attempt's member (``is_logged_in``).

    Binds ``attempt_id``, ``position``, ``login_token`` (the request's login, as
    :func:`studyhub.accounts.views.session_login` gives it, or None) and ``now``.
    ``is_logged_in`` is :func:`studyhub.accounts.queries.valid_login_clause`: this
    module does not know what a login holds. The item's columns are ``NULL`` when
    the attempt has no such position; no row at all when there is no such
    attempt. The attempt's row is locked (``FOR UPDATE OF attempt`` on
    PostgreSQL), so a save and the submission follow one another. Built once,
    over the tables rather than the ORM classes (nothing here becomes an
    object): this runs for every answer a member gives.
    """
    attempt = Attempt.__table__
    quiz = Quiz.__table__
    item = AttemptItem.__table__
    version = QuestionVersion.__table__
    question = Question.__table__
    is_logged_in = valid_login_clause(
        attempt.c.user_id, bindparam("login_token"), bindparam("now")
    ).label("is_logged_in")
    return (
        select(
            attempt.c.user_id,
            is_logged_in,
            attempt.c.state,
            attempt.c.deadline_at,
            quiz.c.mode,
            quiz.c.multiple_partial_credit,
            item.c.id,
            item.c.points,
            question.c.qtype,
            version.c.options,
            version.c.answer,
            version.c.match_rules,
        )
        .select_from(attempt)
        .join(quiz, quiz.c.id == attempt.c.quiz_id)
        .outerjoin(
            item,
            and_(item.c.attempt_id == attempt.c.id, item.c.position == bindparam("position")),
        )
        .outerjoin(version, version.c.id == item.c.version_id)
        .outerjoin(question, question.c.id == version.c.question_id)
        .where(attempt.c.id == bindparam("attempt_id"))
        .with_for_update(of=attempt)
    )


def saved_answer(
    item_id: int,
) -> Select[tuple[Any, int, datetime | None, Decimal | None, bool | None]]:
    """An item's saved answer: response, its sequence number, when, and its grade if graded."""
    return select(
        AttemptItem.response,
        AttemptItem.response_seq,
        AttemptItem.saved_at,
        AttemptItem.score,
        AttemptItem.is_correct,
    ).where(AttemptItem.id == item_id)


def expired_attempts(cutoff: datetime) -> Select[tuple[int]]:
    """Attempts in progress whose deadline passed before ``cutoff`` (ix_attempt_open_deadline)."""
    return (
        select(Attempt.id)
        .where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline_at < cutoff)
        .order_by(Attempt.deadline_at, Attempt.id)
    )


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


# The mistake book (Q-stats) ---------------------------------------------------------------


def mistake_cards_of(user_id: int, question_ids: list[int]) -> Select[tuple[MistakeCard]]:
    return select(MistakeCard).where(
        MistakeCard.user_id == user_id, MistakeCard.question_id.in_(question_ids)
    )


def _live_card(user_id: int) -> list[ColumnElement[bool]]:
    """A member's cards still in the queue whose question is not retired."""
    return [
        MistakeCard.user_id == user_id,
        MistakeCard.is_mastered.is_(False),
        Question.is_retired.is_(False),
    ]


def mistakes_due(user_id: int, now: datetime | None) -> Select[tuple[MistakeCard]]:
    """The member's cards due at ``now`` (all queued ones for ``None``), longest overdue first."""
    stmt = (
        select(MistakeCard)
        .join(Question, Question.id == MistakeCard.question_id)
        .where(*_live_card(user_id))
        .order_by(MistakeCard.due_at, MistakeCard.id)
    )
    return stmt if now is None else stmt.where(MistakeCard.due_at <= now)


def mistake_due_count(user_id: int, now: datetime) -> Select[tuple[int]]:
    return (
        select(func.count(MistakeCard.id))
        .join(Question, Question.id == MistakeCard.question_id)
        .where(*_live_card(user_id), MistakeCard.due_at <= now)
    )


def mistake_counts(user_id: int, now: datetime) -> Select[tuple[int, int, int]]:
    """(cards, due now, mastered) of a member's book, retired questions left out."""
    queued = MistakeCard.is_mastered.is_(False)
    return (
        select(
            func.count(MistakeCard.id),
            func.count(MistakeCard.id).filter(queued, MistakeCard.due_at <= now),
            func.count(MistakeCard.id).filter(MistakeCard.is_mastered.is_(True)),
        )
        .join(Question, Question.id == MistakeCard.question_id)
        .where(MistakeCard.user_id == user_id, Question.is_retired.is_(False))
    )


def mistake_card_with_version(
    card_id: int, user_id: int
) -> Select[tuple[MistakeCard, QuestionVersion]]:
    """One of the member's cards with its question's current version (and the question)."""
    return (
        select(MistakeCard, QuestionVersion)
        .join(Question, Question.id == MistakeCard.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .options(contains_eager(QuestionVersion.question))
        .where(MistakeCard.id == card_id, MistakeCard.user_id == user_id)
    )


def mistake_book(user_id: int) -> Select[tuple[MistakeCard, QuestionType, str]]:
    """The member's cards with each question's type and current stem; queued first, by due."""
    return (
        select(MistakeCard, Question.qtype, QuestionVersion.stem_html)
        .join(Question, Question.id == MistakeCard.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(MistakeCard.user_id == user_id, Question.is_retired.is_(False))
        .order_by(MistakeCard.is_mastered, MistakeCard.due_at, MistakeCard.id)
    )


# The daily quiz (Q-stats) -----------------------------------------------------------------


def daily_quiz(committee_id: int) -> Select[tuple[Quiz]]:
    """The committee's daily quiz (there is one)."""
    return (
        select(Quiz)
        .where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.DAILY)
        .order_by(Quiz.id)
    )


def has_live_questions(committee_id: int) -> Select[tuple[bool]]:
    """Whether any of the committee's banks holds a question that is not retired."""
    return select(
        exists().where(
            Question.bank_id == Bank.id,
            Bank.committee_id == committee_id,
            Question.is_retired.is_(False),
        )
    )


def daily_attempt(quiz_id: int, user_id: int, day: date) -> Select[tuple[Attempt]]:
    return select(Attempt).where(
        Attempt.quiz_id == quiz_id, Attempt.user_id == user_id, Attempt.daily_on == day
    )


def daily_seen(quiz_id: int, user_id: int, since: date) -> Select[tuple[int, date]]:
    """(question, last day given) of the member's daily quizzes from ``since``."""
    return (
        select(AttemptItem.question_id, func.max(Attempt.daily_on))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(
            Attempt.quiz_id == quiz_id,
            Attempt.user_id == user_id,
            Attempt.daily_on >= since,
        )
        .group_by(AttemptItem.question_id)
    )


def daily_done_days(quiz_id: int, user_id: int, since: date, until: date) -> Select[tuple[date]]:
    """The days from ``since`` to ``until`` on which the member finished the daily quiz."""
    return select(Attempt.daily_on).where(
        Attempt.quiz_id == quiz_id,
        Attempt.user_id == user_id,
        Attempt.daily_on >= since,
        Attempt.daily_on <= until,
        Attempt.state == AttemptState.SUBMITTED,
        Attempt.is_auto_submitted.is_(False),
    )


def ungraded_count(attempt_id: int) -> Select[tuple[int]]:
    """How many of an attempt's items have no grade yet (in the daily quiz: unanswered)."""
    return select(func.count(AttemptItem.id)).where(
        AttemptItem.attempt_id == attempt_id, AttemptItem.score.is_(None)
    )


def member_committee(user_id: int) -> Select[tuple[int, str]]:
    """(committee id, its time zone) of the user's active membership."""
    return (
        select(Member.committee_id, OrgUnit.timezone)
        .join(OrgUnit, OrgUnit.id == Member.committee_id)
        .where(Member.user_id == user_id, Member.is_active.is_(True))
    )


def daily_summary(
    committee_id: int, user_id: int, day: date, now: datetime
) -> Select[tuple[int, datetime | None, int | None, AttemptState | None, int, int, int, int]]:
    """For the home page, in one row: the daily quiz (id, published), the member's attempt of
    ``day`` (id, state, questions, answered, right) and the mistake book's due count.
    """
    return (
        select(
            Quiz.id,
            Quiz.published_at,
            Attempt.id,
            Attempt.state,
            func.count(AttemptItem.id),
            func.count(AttemptItem.score),
            func.count(AttemptItem.id).filter(AttemptItem.is_correct.is_(True)),
            mistake_due_count(user_id, now).scalar_subquery(),
        )
        .outerjoin(
            Attempt,
            and_(Attempt.quiz_id == Quiz.id, Attempt.user_id == user_id, Attempt.daily_on == day),
        )
        .outerjoin(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(Quiz.committee_id == committee_id, Quiz.mode == QuizMode.DAILY)
        .group_by(Quiz.id, Quiz.published_at, Attempt.id, Attempt.state)
        .order_by(Quiz.id)
        .limit(1)
    )


# Item analysis and members' statuses (Q-stats) --------------------------------------------


def _counted(quiz_id: int, first_only: bool) -> list[ColumnElement[bool]]:
    """The attempts item analysis counts: submitted and marked (an essay waiting for its
    marker would count as 0), and only each member's first if asked."""
    conditions = [
        Attempt.quiz_id == quiz_id,
        Attempt.state == AttemptState.SUBMITTED,
        Attempt.is_marking_pending.is_(False),
    ]
    if first_only:
        earlier = aliased(Attempt)
        conditions.append(
            ~exists().where(
                earlier.quiz_id == Attempt.quiz_id,
                earlier.user_id == Attempt.user_id,
                earlier.state == AttemptState.SUBMITTED,
                earlier.number < Attempt.number,
            )
        )
    return conditions


def _mark_and_other() -> tuple[ColumnElement[Decimal], ColumnElement[Decimal]]:
    mark = func.coalesce(AttemptItem.score, 0)
    return mark, func.coalesce(Attempt.score, 0) - mark


def item_moments(
    quiz_id: int, first_only: bool
) -> Select[tuple[int, int, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]]:
    """Per question: (id, n, Σx, Σx², Σy, Σy², Σxy, max points), x its mark, y the other marks."""
    x, y = _mark_and_other()
    return (
        select(
            AttemptItem.question_id,
            func.count(AttemptItem.id),
            func.sum(x),
            func.sum(x * x),
            func.sum(y),
            func.sum(y * y),
            func.sum(x * y),
            func.max(AttemptItem.points),
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(*_counted(quiz_id, first_only))
        .group_by(AttemptItem.question_id)
    )


def item_sorted_products(quiz_id: int, first_only: bool) -> Select[tuple[int, Decimal]]:
    """Per question: Σ x₍ᵢ₎·y₍ᵢ₎, the i-th smallest mark times the i-th smallest other marks
    (what the covariance would be if the item ranked members as the rest of the exam does).
    """
    x, y = _mark_and_other()
    ranked = (
        select(
            AttemptItem.question_id.label("question_id"),
            x.label("x"),
            y.label("y"),
            func.row_number()
            .over(partition_by=AttemptItem.question_id, order_by=(x, AttemptItem.id))
            .label("rx"),
            func.row_number()
            .over(partition_by=AttemptItem.question_id, order_by=(y, AttemptItem.id))
            .label("ry"),
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(*_counted(quiz_id, first_only))
        .cte("ranked")
    )
    a, b = ranked.alias("a"), ranked.alias("b")
    return (
        select(a.c.question_id, func.sum(a.c.x * b.c.y))
        .join(b, and_(b.c.question_id == a.c.question_id, b.c.ry == a.c.rx))
        .group_by(a.c.question_id)
    )


def percent_sums(quiz_id: int, first_only: bool) -> Select[tuple[int, Decimal, Decimal]]:
    """(attempts, Σ percent, Σ percent²) of the counted attempts."""
    percent = func.coalesce(Attempt.percent, 0)
    return select(func.count(Attempt.id), func.sum(percent), func.sum(percent * percent)).where(
        *_counted(quiz_id, first_only)
    )


def percents_ordered(quiz_id: int, first_only: bool) -> Select[tuple[Decimal]]:
    """The counted attempts' percentages, lowest first (the median is in the middle)."""
    percent = func.coalesce(Attempt.percent, 0)
    return select(percent).where(*_counted(quiz_id, first_only)).order_by(percent, Attempt.id)


def response_counts(quiz_id: int, first_only: bool) -> Select[tuple[int, str | None, int]]:
    """(question, response as JSON text, how many) over the counted attempts."""
    text = cast(AttemptItem.response, Text)
    return (
        select(AttemptItem.question_id, text, func.count(AttemptItem.id))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(*_counted(quiz_id, first_only))
        .group_by(AttemptItem.question_id, text)
    )


def current_versions(question_ids: list[int]) -> Select[tuple[Question, QuestionVersion]]:
    return (
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(question_ids))
    )


def member_statuses(
    quiz_id: int, method: GradingMethod, path: str
) -> Select[tuple[int, str, int | None, int | None, Decimal | None]]:
    """Each active member under ``path``: (member, name, submitted attempts, open attempts,
    final percent by ``method``), by name. One statement; the attempts read are only those of
    the members under ``path``.
    """
    members = select(Member.user_id).where(under(Member.org_path, path))
    counts = (
        select(
            Attempt.user_id.label("user_id"),
            func.count(Attempt.id).filter(Attempt.state == AttemptState.SUBMITTED).label("done"),
            func.count(Attempt.id).filter(Attempt.state == AttemptState.IN_PROGRESS).label("open"),
        )
        .where(Attempt.quiz_id == quiz_id, Attempt.user_id.in_(members))
        .group_by(Attempt.user_id)
        .subquery("counts")
    )
    grades_stmt = final_grades(quiz_id, method)
    grades = grades_stmt.where(grades_stmt.selected_columns[0].in_(members)).subquery("grades")
    grade_user, grade = list(grades.c)[0], list(grades.c)[1]
    return (
        select(Member.id, User.name, counts.c.done, counts.c.open, grade)
        .join(User, User.id == Member.user_id)
        .outerjoin(counts, counts.c.user_id == Member.user_id)
        .outerjoin(grades, grade_user == Member.user_id)
        .where(under(Member.org_path, path), Member.is_active.is_(True))
        .order_by(User.name, Member.id)
    )
