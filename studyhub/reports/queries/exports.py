"""SQL for the exports: the meetings in the branch summaries and the export job queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Select,
    func,
    select,
)

from studyhub.meetings import queries as meetings
from studyhub.org.models import Role, RoleAssignment
from studyhub.reports.models import (
    ExportJob,
)

# Meetings in the branch summaries -------------------------------------------------------------


def meetings_held(
    scope_path: str, since: datetime, until: datetime
) -> Select[tuple[int, str, int]] | None:
    """(branch id, kind, how many) of the meetings held under ``scope_path`` in [since, until)
    (None while the meetings domain offers no such query)."""
    held_between = getattr(meetings, "held_between", None)
    if held_between is None:
        return None
    held = held_between(scope_path, since, until).subquery("held")
    return select(held.c.branch_id, held.c.kind, func.count()).group_by(
        held.c.branch_id, held.c.kind
    )


# Export jobs -----------------------------------------------------------------------------------


def pending_jobs() -> Select[tuple[ExportJob]]:
    return (
        select(ExportJob)
        .where(ExportJob.state == "pending")
        .order_by(ExportJob.created_at, ExportJob.id)
    )


def job_by_key(dedupe_key: str) -> Select[tuple[ExportJob]]:
    return select(ExportJob).where(ExportJob.dedupe_key == dedupe_key)


def committee_staff(committee_id: int) -> Select[tuple[int]]:
    """User ids of the committee's staff and admins."""
    return (
        select(RoleAssignment.user_id)
        .where(
            RoleAssignment.unit_id == committee_id,
            RoleAssignment.role.in_([Role.STAFF, Role.ADMIN]),
        )
        .distinct()
    )
