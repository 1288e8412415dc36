"""Scheduled work of the reports: background exports and each quarter's export at its end.

Both are idempotent: a job is produced once (it is claimed under a row lock
and leaves the pending state in the same transaction), and a quarter-end
export is queued once per committee and quarter (its unique ``dedupe_key``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from studyhub.reports.services import competitions, export_jobs
from studyhub.web.storage import Storage


def run_export_jobs(
    session: Session,
    *,
    now: datetime,
    storage: Storage,
    email: bool = False,
    commit_each: Callable[[], None] | None = None,
    excused_counts_as: str = "excluded",
) -> int:
    """Produce the pending exports, committing after each; returns how many."""
    return export_jobs.run_export_jobs(
        session,
        now=now,
        storage=storage,
        email=email,
        commit_each=commit_each,
        excused_counts_as=excused_counts_as,
    )


def queue_quarter_exports(session: Session, *, now: datetime) -> int:
    """Queue each committee's export of the quarter that just ended (once); returns how many."""
    return export_jobs.queue_quarter_exports(session, now=now)


def snapshot_competitions(session: Session, *, now: datetime) -> int:
    """Today's figures of every running 比学习 competition (rewritten if run again today)."""
    return competitions.snapshot_all(session, now=now)
