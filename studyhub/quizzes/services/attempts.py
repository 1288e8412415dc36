"""Attempts: start (or resume), save answers, submit and grade once, submit when time is up.

Starting freezes what the member gets: the questions (random rules drawn with
the attempt's seed, never a question twice), their order, each question's
option order and the version of each question, and the deadline (the time
limit from the start, never past the quiz's close).

The deadline belongs to the server: ``now`` is when the request arrived.
Answers are accepted until the deadline plus a short grace (for a save sent
in the last second over a slow network); later ones are refused with
:class:`~studyhub.core.errors.Closed`, and an attempt found past that point —
by a save, a page view, a new start or the scheduler's job — is submitted
there and then with the answers saved so far.

Concurrency. Every save carries a sequence number from the page; the item is
written by one ``UPDATE … WHERE response_seq < :seq``, so a stale or repeated
save (a retry, an older tab) changes nothing and says so. Saves and the
submission lock the attempt's row first (PostgreSQL), so a save either lands
before the grading reads the answers or finds the attempt submitted; the
submission itself is an ``UPDATE … WHERE state = 'in_progress'``, so a double
submit grades once. On SQLite writers are serialised by the database itself.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Update, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, Conflict, InvalidInput, NotFound, NotLoggedIn
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import grading, mistakes, overrides, review
from studyhub.quizzes.services.overrides import Settings
from studyhub.quizzes.services.quizzes import Drawn, draw_questions

DEFAULT_GRACE = timedelta(seconds=60)
MAX_SEQ = 2**31 - 1
SHUFFLED_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


class AttemptClosed(Closed):
    """The attempt no longer takes answers; ``was_submitted_now`` if this call submitted it."""

    def __init__(self, message: Any, *, was_submitted_now: bool) -> None:
        super().__init__(message)
        self.was_submitted_now = was_submitted_now


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


def remaining_seconds(attempt: Attempt, *, now: datetime) -> int | None:
    """Seconds to the deadline, rounded up (0 once past it); ``None`` without a deadline."""
    return seconds_to(attempt.deadline_at, now)


def seconds_to(deadline_at: datetime | None, now: datetime) -> int | None:
    """Seconds from ``now`` to ``deadline_at``, rounded up (0 once past); ``None`` without one."""
    if deadline_at is None:
        return None
    return max(0, math.ceil((as_utc(deadline_at) - as_utc(now)).total_seconds()))


def is_expired(attempt: Attempt, *, now: datetime, grace: timedelta) -> bool:
    """Past the deadline and the grace: no more answers, it is due to be submitted."""
    return attempt.deadline_at is not None and is_past(attempt.deadline_at, now=now, grace=grace)


def is_past(deadline_at: datetime, *, now: datetime, grace: timedelta) -> bool:
    """Whether ``now`` is past ``deadline_at`` and the grace."""
    return as_utc(now) > as_utc(deadline_at) + grace


# Starting ------------------------------------------------------------------------------------


def _deadline(quiz: Quiz | Settings, now: datetime) -> datetime | None:
    limit = now + timedelta(seconds=quiz.time_limit_seconds) if quiz.time_limit_seconds else None
    closes = as_utc(quiz.closes_at) if quiz.closes_at is not None else None
    if limit is None:
        return closes
    return min(limit, closes) if closes is not None else limit


def _check_window(quiz: Quiz | Settings, now: datetime) -> None:
    if quiz.published_at is None:
        raise Closed(_l("This quiz is not open."))
    if quiz.opens_at is not None and as_utc(now) < as_utc(quiz.opens_at):
        raise Closed(_l("This quiz has not opened yet."))
    if quiz.closes_at is not None and as_utc(now) >= as_utc(quiz.closes_at):
        raise Closed(_l("This quiz has closed."))


def attempts_left(quiz: Quiz | Settings, used: int) -> int | None:
    """How many more attempts a member who used ``used`` has; ``None``: no limit."""
    if quiz.mode == QuizMode.PRACTICE or quiz.attempts_allowed is None:
        return None
    return max(0, quiz.attempts_allowed - used)


def _new_items(
    session: Session, quiz: Quiz, rng: random.Random, drawn: Sequence[Drawn] | None = None
) -> tuple[list[AttemptItem], Decimal]:
    drawn = list(drawn) if drawn is not None else draw_questions(session, quiz, rng)
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    versions = {
        v.id: v
        for v in session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_({d.version_id for d in drawn}))
        )
    }
    items = []
    for position, chosen in enumerate(drawn, start=1):
        version = versions[chosen.version_id]
        keys = review.option_keys(version)
        if quiz.shuffle_options and QuestionType(version.question.qtype) in SHUFFLED_TYPES:
            rng.shuffle(keys)
        items.append(
            AttemptItem(
                position=position,
                slot_position=chosen.slot_position,
                question_id=chosen.question_id,
                version_id=chosen.version_id,
                points=chosen.points,
                option_order=keys,
                response_seq=0,
                is_flagged=False,
            )
        )
    return items, sum((item.points for item in items), Decimal(0))


def start_attempt(
    session: Session,
    quiz: Quiz,
    *,
    user_id: int,
    now: datetime,
    seed: int,
    grace: timedelta = DEFAULT_GRACE,
    daily_on: date | None = None,
    drawn: Sequence[Drawn] | None = None,
) -> Attempt:
    """The user's attempt in progress at ``quiz`` (resumed), or a new one.

    An attempt in progress whose time is up is submitted first. A new attempt
    needs the quiz open now and an attempt left (practice: unlimited); its
    questions are drawn with ``seed`` (0 ≤ seed < 2³¹). Two starts at once (two
    tabs, a double tap) make one attempt: the second finds the first's number
    taken and resumes it. Access (is the quiz assigned to the user's unit) is
    the caller's check, see :func:`quizzes.taker_for`. ``drawn`` replaces the
    quiz's own draw (the daily quiz picks its questions itself, see ``daily``).
    """
    current = session.scalars(queries.open_attempt(quiz.id, user_id)).first()
    if current is not None:
        if not is_expired(current, now=now, grace=grace):
            return current
        submit_attempt(session, current, now=now, auto=True)
    rules = overrides.effective(session, quiz, user_id=user_id)  # the member's exceptions
    _check_window(rules, now)
    used = session.scalar(queries.last_attempt_number(quiz.id, user_id)) or 0
    left = attempts_left(rules, used)
    if left == 0:
        raise Closed(
            _l("You have used all %(n)d attempts at this quiz.", n=rules.attempts_allowed or 0)
        )
    rng = random.Random(seed)
    items, max_score = _new_items(session, quiz, rng, drawn)
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user_id,
        number=used + 1,
        daily_on=daily_on,
        state=AttemptState.IN_PROGRESS,
        seed=seed,
        started_at=now,
        deadline_at=_deadline(rules, as_utc(now)),
        is_auto_submitted=False,
        max_score=max_score,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:
        again = session.scalars(queries.open_attempt(quiz.id, user_id)).first()
        if again is None:
            raise Conflict(
                _l("Another attempt was started at the same moment. Try again.")
            ) from None
        return again
    for item in items:
        item.attempt_id = attempt.id
    session.add_all(items)
    session.flush()
    return attempt


# Saving --------------------------------------------------------------------------------------


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


@cache
def _answer_update(has_seq: bool, is_graded: bool) -> Update:
    """The one statement that writes an answer, built once for each kind of save.

    With ``has_seq`` it writes only over an older sequence number (a stale or
    repeated save changes nothing); without, as the next number. ``is_graded``
    (practice, the daily quiz) stores the grade too, and only once.
    """
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


def save_answer(
    session: Session,
    attempt: Attempt | int,
    *,
    position: int,
    response: Any,
    seq: int | None,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    user_id: int | None = None,
    login_token: str | None = None,
) -> Saved:
    """Save the answer to question ``position`` if ``seq`` is newer than the saved one.

    ``attempt`` is the attempt or its id: the page's answer post gives the id,
    and the save reads what it needs (the attempt, locked, its quiz's mode and
    the item with its version) in one statement and writes with one more,
    because it runs for every answer of every member taking an exam. With
    ``user_id`` the attempt must be that user's (:class:`NotFound` otherwise);
    with ``login_token`` too (the request's login, opaque here), that login must
    still be valid for that user (the statement checks it with
    :func:`studyhub.accounts.queries.valid_login_clause`; :class:`NotLoggedIn`
    otherwise): the page's save checks the login here rather than loading the
    user first.

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
    row = session.execute(
        queries.save_target(),
        {"attempt_id": attempt_id, "position": position, "login_token": login_token, "now": now},
    ).first()
    if row is None or (user_id is not None and row.user_id != user_id):
        raise NotFound(_l("This attempt is not yours."))
    if login_token is not None and not row.is_logged_in:
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
    params: dict[str, Any] = {
        "item_id": row.id,
        "new_response": cleaned,
        "new_seq": seq,
        "new_saved_at": now,
    }
    score = is_correct = None
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
        score = params["new_score"] = mark.score(row.points)
        is_correct = params["new_is_correct"] = mark.is_correct
    applied = session.execute(_answer_update(seq is not None, instant), params).rowcount == 1
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


# Submitting ----------------------------------------------------------------------------------


def submit_attempt(
    session: Session, attempt: Attempt, *, now: datetime, auto: bool = False
) -> bool:
    """Submit and grade the attempt once; returns False when it was submitted already.

    Every item is graded against the version it was given and the scores are
    stored (they are never recomputed when pages are shown). ``auto`` marks a
    submission made because the time was up. Questions answered wrong go to
    the member's mistake book.
    """
    session.flush()
    won = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.SUBMITTED, submitted_at=now, is_auto_submitted=auto)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(attempt)
    if not won:
        return False
    quiz = attempt.quiz
    items = list(
        session.scalars(
            queries.attempt_items(attempt.id).execution_options(populate_existing=True)
        ).unique()
    )
    total = Decimal(0)
    max_score = Decimal(0)
    wrong: list[int] = []
    pending = False
    for item in items:
        version = item.version
        qtype = QuestionType(version.question.qtype)
        max_score += item.points
        if qtype == QuestionType.ESSAY and item.response is not None:
            item.score = item.is_correct = None  # waits for a marker (services.marking)
            pending = True
            continue
        mark = grading.grade(
            qtype,
            version.answer,
            item.response,
            keys=review.option_keys(version),
            partial_credit=quiz.multiple_partial_credit,
            match_rules=version.match_rules,
        )
        item.score = mark.score(item.points)
        item.is_correct = mark.is_correct
        total += item.score
        if item.response is not None and not mark.is_correct:
            wrong.append(item.question_id)
    attempt.score = total
    attempt.max_score = max_score
    attempt.is_marking_pending = pending
    # Waiting for marking: no percent or pass yet (grades and statuses leave it out).
    attempt.percent = None if pending else grading.percent_of(total, max_score)
    attempt.is_passed = (
        None
        if quiz.mode == QuizMode.PRACTICE or attempt.percent is None
        else attempt.percent >= quiz.pass_percent
    )
    session.flush()
    _record_mistakes(session, attempt, quiz, wrong, now=now)
    return True


def _record_mistakes(
    session: Session, attempt: Attempt, quiz: Quiz, question_ids: list[int], *, now: datetime
) -> None:
    """Questions answered wrong enter the mistake book, reviewable once the policy shows answers.

    Unanswered questions do not count as mistakes (time may have run out).
    """
    if not question_ids:
        return
    not_before = mistakes.first_review_at(quiz, now=now)
    if not_before is None:
        return
    mistakes.add_mistakes(
        session, user_id=attempt.user_id, question_ids=question_ids, now=now, not_before=not_before
    )


def finish_attempt(
    session: Session,
    attempt: Attempt,
    *,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    timed_out: bool = False,
) -> bool:
    """The member's "submit", or the page's when its countdown reached zero (``timed_out``).

    Either of those, or an attempt already past its deadline and grace, counts
    as submitted automatically (only the answers saved in time are in it).
    """
    auto = timed_out or is_expired(attempt, now=now, grace=grace)
    return submit_attempt(session, attempt, now=now, auto=auto)


def load_items(session: Session, attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items in order with their versions (one query)."""
    return list(session.scalars(queries.attempt_items(attempt.id)).unique())


def item_views(
    session: Session, attempt: Attempt, *, now: datetime
) -> tuple[review.Visibility, list[review.ItemView]]:
    """The attempt's questions as the member may see them now, and the attempt's visibility."""
    quiz = attempt.quiz
    shown = review.attempt_visibility(
        review.ReviewPolicy.of(quiz),
        mode=quiz.mode,
        state=attempt.state,
        closes_at=quiz.closes_at,
        now=now,
    )
    views = [
        review.present_item(
            item,
            item.version,
            review.item_visibility(shown, mode=quiz.mode, is_graded=item.score is not None),
        )
        for item in load_items(session, attempt)
    ]
    return shown, views


@dataclass(frozen=True)
class Overview:
    """A member's standing on a quiz: attempts so far, the one in progress, what is left."""

    attempts: list[Attempt]
    current: Attempt | None
    left: int | None  # None: no limit
    grade: Decimal | None
    closed_reason: str | None  # why no new attempt can start now; None: one can
    settings: Settings | None = None  # the quiz's settings with the member's overrides

    @property
    def can_start(self) -> bool:
        return self.current is None and self.closed_reason is None


def overview(
    session: Session, quiz: Quiz, *, user_id: int, now: datetime, grace: timedelta = DEFAULT_GRACE
) -> Overview:
    """The quiz page's facts (it writes nothing: an attempt in progress whose time is up is
    still the current one; its page leads to submitting it, or the scheduler's job does)."""
    found = list(session.scalars(queries.attempts_of(quiz.id, user_id)))
    current = next((a for a in found if a.state == AttemptState.IN_PROGRESS), None)
    reason = None
    rules = overrides.effective(session, quiz, user_id=user_id)  # the member's exceptions
    try:
        _check_window(rules, now)
    except Closed as exc:
        reason = str(exc)
    left = attempts_left(rules, max((a.number for a in found), default=0))
    if reason is None and left == 0:
        reason = str(_l("You have used all your attempts."))
    return Overview(
        attempts=found,
        current=current,
        left=left,
        grade=final_grade(session, quiz, user_id=user_id),
        closed_reason=reason,
        settings=rules,
    )


def final_grade(session: Session, quiz: Quiz, *, user_id: int) -> Decimal | None:
    """The member's grade for the quiz by its grading method (percent), ``None`` before any."""
    row = session.execute(
        queries.final_grades(quiz.id, quiz.grading_method, user_id=user_id)
    ).first()
    if row is None or row[1] is None:
        return None
    return Decimal(str(row[1])).quantize(grading.PERCENT_PLACES)
