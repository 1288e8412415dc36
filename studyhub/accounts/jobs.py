"""The accounts' scheduled job: forget logins long over.

A ``login_session`` row is needed while its login may still be used (until
``expires_at``, or less if it ended) and is kept a while after as a record of
who was logged in from where. Deleting rows whose absolute end lies more than
``LOGIN_SESSION_KEEP_DAYS`` back is safe to run late or twice: a second run
finds nothing more to delete. The scheduler's runner commits after the run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import LoginSession

BATCH = 5000


def purge_old_logins(session: Session, *, now: datetime, keep: timedelta) -> int:
    """Delete the logins that expired before ``now - keep``; returns how many (in batches)."""
    cutoff = now - keep
    deleted = 0
    while True:
        ids = list(
            session.scalars(
                select(LoginSession.id).where(LoginSession.expires_at < cutoff).limit(BATCH)
            )
        )
        if not ids:
            return deleted
        session.execute(delete(LoginSession).where(LoginSession.id.in_(ids)))
        deleted += len(ids)
