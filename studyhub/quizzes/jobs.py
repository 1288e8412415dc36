"""The quizzes' scheduled jobs: submit attempts whose time is up; forget old reviews.

Safe to run late or twice: it selects only attempts still in progress past
their deadline and grace (an index range on ``(state, deadline_at)``), and
submitting is itself guarded (``UPDATE … WHERE state = 'in_progress'``), so an
attempt a member or a second run submitted meanwhile is left alone. The
scheduler's runner commits after the run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.purge import delete_in_batches
from studyhub.quizzes import queries
from studyhub.quizzes.models import Attempt, MistakeReview
from studyhub.quizzes.services import attempts

BATCH = 200


def submit_expired_attempts(session: Session, *, now: datetime, grace: timedelta) -> int:
    """Submit, with the answers saved so far, every attempt past its deadline plus ``grace``.

    Returns how many this run submitted.
    """
    cutoff = now - grace
    submitted = 0
    while True:
        ids = list(session.scalars(queries.expired_attempts(cutoff).limit(BATCH)))
        if not ids:
            return submitted
        for attempt in session.scalars(select(Attempt).where(Attempt.id.in_(ids))):
            if attempts.submit_attempt(session, attempt, now=now, auto=True):
                submitted += 1
        session.flush()


PURGE_BATCH = 5000


def purge_old_reviews(session: Session, *, now: datetime, keep_days: int) -> int:
    """Delete the mistake book's review log rows older than ``keep_days`` days; returns how
    many (0 when ``keep_days`` is 0: off). ``RETENTION_DAYS_REVIEW_EVENTS``.

    Each review is a detail event: the card itself keeps what scheduling and the
    member's pages use (its FSRS state, due date, review and lapse counts), and no
    score reads the log. Batches walk the primary key once; a second run deletes nothing.
    """
    if keep_days <= 0:
        return 0
    cutoff = now - timedelta(days=keep_days)
    return delete_in_batches(
        session, MistakeReview, MistakeReview.reviewed_at < cutoff, batch=PURGE_BATCH
    )
