"""Saving answers and flags: the one-statement answer save and the form screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput, NotFound, NotLoggedIn
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    QuestionType,
)
from studyhub.quizzes.services import grading, review
from studyhub.quizzes.services.attempts.common import (
    DEFAULT_GRACE,
    MAX_SEQ,
    AttemptClosed,
    is_expired,
    seconds_to,
)
from studyhub.quizzes.services.attempts.submitting import submit_attempt


@dataclass(frozen=True)
class Saved:
    """What a save did: ``applied`` is False for a stale or repeated one (nothing changed).

    ``response``, ``seq`` and ``saved_at`` are the item's after the save (the
    newer save's when this one was stale); ``score`` and ``is_correct`` its
    grade when it is graded at once (``is_instant``: practice and the daily
    quiz); ``remaining`` the seconds left to the deadline.
    """

    position: int
    applied: bool
    response: Any
    seq: int
    saved_at: datetime | None
    score: Decimal | None
    is_correct: bool | None
    is_instant: bool
    remaining: int | None


def _locked(session: Session, attempt: Attempt) -> Attempt:
    """The attempt re-read and row-locked for this transaction (see the module's docstring)."""
    found = session.scalars(
        select(Attempt)
        .where(Attempt.id == attempt.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return found


def _open_for_answers(
    session: Session, attempt: Attempt, *, now: datetime, grace: timedelta
) -> Attempt:
    attempt = _locked(session, attempt)
    if attempt.state == AttemptState.SUBMITTED:
        raise AttemptClosed(_l("This attempt has been submitted."), was_submitted_now=False)
    if is_expired(attempt, now=now, grace=grace):
        submit_attempt(session, attempt, now=now, auto=True)
        raise AttemptClosed(
            _l("Time is up. Your attempt was submitted with the answers saved in time."),
            was_submitted_now=True,
        )
    return attempt


def load_item(session: Session, attempt_id: int, position: int) -> AttemptItem:
    """The attempt's question at ``position`` with its version, as saved now."""
    item = session.scalars(
        queries.attempt_item(attempt_id, position).execution_options(populate_existing=True)
    ).first()
    if item is None:
        raise NotFound(_l("This question is not in the attempt."))
    return item


def _check_seq(seq: int | None) -> None:
    if seq is not None and not 0 < seq <= MAX_SEQ:
        raise InvalidInput(_l("This answer does not fit the question."))


def save_answer(
    session: Session,
    attempt: Attempt | int,
    *,
    position: int,
    response: Any,
    seq: int | None,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    login: tuple[int, str] | None = None,
) -> Saved:
    """Save the answer to question ``position`` if ``seq`` is newer than the saved one.

    ``attempt`` is the attempt or its id: the page's answer post gives the id,
    and the save reads what it needs (the attempt, locked, its quiz's mode and
    the item with its version) in one statement and writes with one more,
    because it runs for every answer of every member taking an exam. With
    ``login`` (the request's login as accounts gives it, opaque here) the attempt
    must be that login's member's (:class:`NotFound` otherwise) and the login still
    valid (:class:`NotLoggedIn` otherwise): the statement checks both with accounts'
    own clause, so the page's save needs no user loaded first.

    ``response`` is the posted value (see :func:`grading.clean_response`).
    ``seq`` is the page's sequence number; ``None`` (a form posted without
    JavaScript) saves as the next number, so the latest post wins. The write is
    one ``UPDATE … WHERE response_seq < :seq``: a stale or repeated save changes
    nothing and says so. In practice and the daily quiz an answer is graded at
    once and then kept: a later save of that question changes nothing. Past the
    deadline and grace the attempt is submitted and :class:`AttemptClosed`
    raised: the caller commits that.
    """
    _check_seq(seq)
    attempt_id = attempt if isinstance(attempt, int) else attempt.id
    row = session.execute(*queries.save_target(attempt_id, position, login=login, now=now)).first()
    if row is None or (login is not None and not row.is_owner):
        raise NotFound(_l("This attempt is not yours."))
    if login is not None and not row.is_logged_in:
        raise NotLoggedIn(_l("Please log in to open this page."))
    if row.state == AttemptState.SUBMITTED:
        raise AttemptClosed(_l("This attempt has been submitted."), was_submitted_now=False)
    deadline_at = row.deadline_at
    if deadline_at is not None and as_utc(now) > as_utc(deadline_at) + grace:
        submit_attempt(session, session.get_one(Attempt, attempt_id), now=now, auto=True)
        raise AttemptClosed(
            _l("Time is up. Your attempt was submitted with the answers saved in time."),
            was_submitted_now=True,
        )
    if row.id is None:
        raise NotFound(_l("This question is not in the attempt."))
    qtype = QuestionType(row.qtype)
    keys = [str(option["key"]) for option in row.options or []]
    blanks = len(row.answer) if isinstance(row.answer, list) else 1
    cleaned = grading.clean_response(qtype, response, keys=keys, blanks=blanks)
    # An essay is marked by a person, even in practice: it is saved, never checked at once.
    instant = row.mode in review.INSTANT_FEEDBACK_MODES and qtype != QuestionType.ESSAY
    grade = None
    if instant:
        if cleaned is None:
            raise InvalidInput(_l("Choose or write an answer first."))
        mark = grading.grade(
            qtype,
            row.answer,
            cleaned,
            keys=keys,
            partial_credit=row.multiple_partial_credit,
            match_rules=row.match_rules,
        )
        grade = queries.Grade(score=mark.score(row.points), is_correct=mark.is_correct)
    write = queries.answer_update(row.id, cleaned, seq=seq, saved_at=now, grade=grade)
    applied = session.execute(*write).rowcount == 1
    score = grade.score if grade is not None else None
    is_correct = grade.is_correct if grade is not None else None
    held = session.identity_map.get(session.identity_key(AttemptItem, row.id))
    if held is not None:
        session.expire(held)  # an item this session holds is read again when next used
    saved_at: datetime | None = as_utc(now)
    if not applied or seq is None:
        response, seq, saved_at, score, is_correct = session.execute(
            queries.saved_answer(row.id)
        ).one()
        saved_at = as_utc(saved_at) if saved_at is not None else None
    else:
        response = cleaned
    return Saved(
        position=position,
        applied=applied,
        response=response,
        seq=seq,
        saved_at=saved_at,
        score=score,
        is_correct=is_correct,
        is_instant=instant,
        remaining=seconds_to(deadline_at, now),
    )


def flag_item(
    session: Session,
    attempt: Attempt,
    *,
    position: int,
    is_flagged: bool,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> AttemptItem:
    """Mark a question to come back to (the navigator shows it), or unmark it."""
    attempt = _open_for_answers(session, attempt, now=now, grace=grace)
    item = load_item(session, attempt.id, position)
    item.is_flagged = is_flagged
    session.flush()
    return item


def save_screen(
    session: Session,
    attempt: Attempt,
    *,
    position: int,
    response: Any,
    is_flagged: bool | None,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> Saved | None:
    """A question's screen posted without JavaScript: its answer and its flag.

    Moving on from a question left unanswered saves nothing (and in practice
    an empty answer is not checked); anything else is saved as the next
    sequence number. Returns the save, or ``None`` when there was none.
    """
    attempt = _open_for_answers(session, attempt, now=now, grace=grace)
    item = load_item(session, attempt.id, position)
    if is_flagged is not None and is_flagged != item.is_flagged:
        item.is_flagged = is_flagged
        session.flush()
    empty = response is None or all(value in ("", None) for value in response or [])
    instant = attempt.quiz.mode in review.INSTANT_FEEDBACK_MODES
    if empty and (item.response is None or instant):
        return None
    return save_answer(
        session, attempt, position=position, response=response, seq=None, now=now, grace=grace
    )


def touch_attempt(session: Session, attempt: Attempt, *, now: datetime, grace: timedelta) -> bool:
    """Submit the attempt if its time is up (anyone looking at it does this); True if it did."""
    if attempt.state != AttemptState.IN_PROGRESS or not is_expired(attempt, now=now, grace=grace):
        return False
    return submit_attempt(session, attempt, now=now, auto=True)
