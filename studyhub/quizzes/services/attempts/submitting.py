"""Submitting: grade once, store the scores, record the mistakes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptState,
    QuestionType,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import grading, mistakes, review
from studyhub.quizzes.services.attempts.common import DEFAULT_GRACE, is_expired


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
