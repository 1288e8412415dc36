"""Starting (or resuming) an attempt: the window, attempts left, the frozen questions."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, Conflict
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    QuestionType,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import overrides
from studyhub.quizzes.services.attempts.common import DEFAULT_GRACE, SHUFFLED_TYPES, is_expired
from studyhub.quizzes.services.attempts.submitting import submit_attempt
from studyhub.quizzes.services.overrides import Settings
from studyhub.quizzes.services.quizzes import Drawn, draw_questions


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
    # One statement for the drawn versions' types and option keys (no objects).
    versions = {
        row.id: row
        for row in session.execute(queries.version_options(sorted({d.version_id for d in drawn})))
    }
    items = []
    for position, chosen in enumerate(drawn, start=1):
        version = versions[chosen.version_id]
        keys = [str(option["key"]) for option in version.options or []]
        if quiz.shuffle_options and QuestionType(version.qtype) in SHUFFLED_TYPES:
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
    # One executemany for every item (the ORM would send one INSERT per item): a
    # synchronised start of thousands of members pays per statement.
    rows = [
        {
            "attempt_id": attempt.id,
            "position": item.position,
            "slot_position": item.slot_position,
            "question_id": item.question_id,
            "version_id": item.version_id,
            "points": item.points,
            "option_order": item.option_order,
            "response_seq": 0,
            "is_flagged": False,
        }
        for item in items
    ]
    if rows:
        session.execute(insert(AttemptItem.__table__), rows)
    return attempt
