"""Writing a checked import of past meetings, all or nothing, each record marked as
imported in its trail."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import Meeting, MeetingState
from studyhub.meetings.services.audit import log_event
from studyhub.meetings.services.imports.checking import (
    BATCH,
    CheckedImport,
    ImportResult,
    MeetingRow,
    Progress,
)
from studyhub.org.auditing import record_in
from studyhub.org.models import OrgUnit
from studyhub.readings.services.content import render_markdown

# Writing -------------------------------------------------------------------------------------


def apply_import(
    session: Session,
    unit: OrgUnit,
    checked: CheckedImport,
    *,
    by: User | None,
    now: datetime,
    source: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Write the checked rows (all of them: refuses a check with errors); flushes, never commits.

    ``by`` is the staff member importing (None from the command line); ``source`` names
    the file in each record's trail.
    """
    if checked.errors:
        raise InvalidInput(_l("The file has errors; nothing was imported."))
    assert unit.committee_id is not None
    new = checked.new
    for start in range(0, len(new), BATCH):
        batch = new[start : start + BATCH]
        meetings = [_meeting(unit.committee_id, row, by=by, now=now) for row in batch]
        session.add_all(meetings)
        session.flush()
        for meeting, row in zip(meetings, batch, strict=True):
            log_event(session, meeting, queries.IMPORTED, by=by, now=now, file=source, row=row.row)
        session.flush()
        if progress is not None:
            progress(len(batch))
    record_in(
        session,
        unit,
        "meetings.imported",
        actor_id=by.id if by is not None else None,
        now=now,
        object_type="org_unit",
        object_id=unit.id,
        summary=source,
        details={"file": source, "imported": len(new), "skipped": checked.known},
    )
    return ImportResult(imported=len(new), skipped=checked.known)


def _meeting(committee_id: int, row: MeetingRow, *, by: User | None, now: datetime) -> Meeting:
    by_id = by.id if by is not None else None
    return Meeting(
        committee_id=committee_id,
        branch_id=row.branch_id,
        group_id=row.group_id,
        kind=row.kind,
        state=MeetingState.APPROVED,
        title=row.title,
        planned_at=row.started_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        place=row.place,
        host_name=row.host_name,
        recorder_name=row.recorder_name,
        lecturer_name=row.lecturer_name,
        invitees=row.invitees,
        agenda="",
        minutes_markdown=row.minutes,
        minutes_html=render_markdown(row.minutes),
        decisions=row.decisions,
        plan_id=row.plan_id,
        created_by_id=by_id,
        created_at=now,
        recorded_by_id=by_id,
        recorded_at=now,
        submitted_at=now,
        reviewed_by_id=by_id,
        reviewed_at=now,
        updated_at=now,
    )
