"""The quizzes' scheduled job: submit attempts whose time is up.

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

from studyhub.quizzes import queries
from studyhub.quizzes.models import Attempt
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
