"""Scheduled work of the reports: background exports and each quarter's export at its end.

Both are idempotent: a job is produced once (it is claimed under a row lock
and leaves the pending state in the same transaction), and a quarter-end
export is queued once per committee and quarter (its unique ``dedupe_key``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from studyhub.reports.services import export_jobs


def export_folder(config: Mapping[str, Any]) -> Path:
    """Where export files are kept: ``EXPORT_FOLDER``, else ``instance/exports``."""
    return Path(config.get("EXPORT_FOLDER") or Path(current_app.instance_path) / "exports")


def run_export_jobs(
    session: Session,
    *,
    now: datetime,
    folder: Path,
    email: bool = False,
    commit_each: Callable[[], None] | None = None,
    excused_counts_as: str = "excluded",
) -> int:
    """Produce the pending exports, committing after each; returns how many."""
    return export_jobs.run_export_jobs(
        session,
        now=now,
        folder=folder,
        email=email,
        commit_each=commit_each,
        excused_counts_as=excused_counts_as,
    )


def queue_quarter_exports(session: Session, *, now: datetime) -> int:
    """Queue each committee's export of the quarter that just ended (once); returns how many."""
    return export_jobs.queue_quarter_exports(session, now=now)
