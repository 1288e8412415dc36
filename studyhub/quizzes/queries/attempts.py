"""Queries of taking a quiz: the attempt page, the answer save, starting and submitting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Select,
    Text,
    Update,
    and_,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.orm import joinedload

from studyhub.accounts.queries import valid_login_clause
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Question,
    QuestionVersion,
    Quiz,
)


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


def version_options(version_ids: list[int]) -> Select:
    """(id, qtype, options) of question versions: what a start needs to order options."""
    version = QuestionVersion.__table__
    question = Question.__table__
    return (
        select(version.c.id, question.c.qtype, version.c.options)
        .join(question, question.c.id == version.c.question_id)
        .where(version.c.id.in_(version_ids))
    )


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
def _save_target() -> Select:
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
            (attempt.c.user_id == bindparam("login_user")).label("is_owner"),
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


def save_target(
    attempt_id: int, position: int, *, login: tuple[int, str] | None, now: datetime
) -> Bound:
    """What saving one answer needs, in one row: the attempt (locked), its quiz's mode, the
    item, whether ``login`` is the attempt's member's (``is_owner``) and still valid
    (``is_logged_in``).

    ``login`` is the request's login as :func:`studyhub.accounts.requests.session_login`
    gives it, passed on unread to :func:`studyhub.accounts.queries.valid_login_clause`
    (``None``: no login to check; both columns are then ``NULL``). The item's columns
    are ``NULL`` when the attempt has no such position; no row at all when there is
    no such attempt. The attempt's row is locked (``FOR UPDATE OF attempt`` on
    PostgreSQL), so a save and the submission follow one another. Built once, over
    the tables (nothing here becomes an object): it runs for every answer given.
    """
    user_id, token = login if login is not None else (None, None)
    params = {
        "attempt_id": attempt_id,
        "position": position,
        "login_user": user_id,
        "login_token": token,
        "now": now,
    }
    return Bound(_save_target(), params)


@cache
def _answer_update(has_seq: bool, is_graded: bool) -> Update:
    item = AttemptItem.__table__
    stmt = (
        update(item)
        .where(item.c.id == bindparam("item_id"))
        .values(
            response=bindparam("new_response", type_=JSON(none_as_null=True)),
            response_seq=bindparam("new_seq") if has_seq else item.c.response_seq + 1,
            saved_at=bindparam("new_saved_at"),
        )
    )
    if has_seq:
        stmt = stmt.where(item.c.response_seq < bindparam("new_seq"))
    if is_graded:
        stmt = stmt.where(item.c.score.is_(None)).values(
            score=bindparam("new_score"), is_correct=bindparam("new_is_correct")
        )
    return stmt


@dataclass(frozen=True)
class Grade:
    """The grade an answer checked at once stores with it."""

    score: Decimal
    is_correct: bool


def answer_update(
    item_id: int, response: Any, *, seq: int | None, saved_at: datetime, grade: Grade | None
) -> Bound:
    """The one statement that writes an answer (built once for each kind of save).

    With ``seq`` it writes only over an older sequence number (a stale or
    repeated save changes nothing: no row updated); without, as the next number.
    With ``grade`` (practice, the daily quiz) it stores the grade too, and only
    once (never over an item already graded).
    """
    params: dict[str, Any] = {
        "item_id": item_id,
        "new_response": response,
        "new_seq": seq,
        "new_saved_at": saved_at,
    }
    if grade is not None:
        params["new_score"] = grade.score
        params["new_is_correct"] = grade.is_correct
    return Bound(_answer_update(seq is not None, grade is not None), params)


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


def ungraded_count(attempt_id: int) -> Select[tuple[int]]:
    """How many of an attempt's items have no grade yet (in the daily quiz: unanswered)."""
    return select(func.count(AttemptItem.id)).where(
        AttemptItem.attempt_id == attempt_id, AttemptItem.score.is_(None)
    )
