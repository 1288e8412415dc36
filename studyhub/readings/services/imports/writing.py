"""Writing a checked readings import, all in one transaction (the caller commits), and
recording it in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from studyhub.org.auditing import record_in
from studyhub.readings.services import library
from studyhub.readings.services.imports.checking import ImportSummary, ReadingPlan, library_columns


def write_readings(
    session: Session,
    plan: ReadingPlan,
    *,
    by_user_id: int | None,
    now: datetime,
    timing: library.StudyTiming,
    publish_undated: bool,
    file_name: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Write a checked plan: new columns, then the readings (scheduled when dated); recorded
    in the committee's audit log by ``by_user_id`` (None: a command)."""
    committee = plan.committee
    summary = ImportSummary(unchanged=len(plan.unchanged))
    for name in plan.new_columns:
        library.create_column(session, committee, name=name)
        summary.columns_created.append(name)
    column_ids = {c.name: c.id for c in session.scalars(library_columns(committee.id))}
    for row in plan.create:
        reading = library.create_reading(
            session,
            committee,
            library.ReadingFields(
                title=row.title,
                body_markdown=row.body,
                column_id=column_ids[row.column] if row.column else None,
                author=row.author,
                source=row.source,
                media_url=row.media_url,
                tags=row.tags,
            ),
            by_user_id=by_user_id,
            now=now,
            timing=timing,
        )
        summary.created += 1
        if row.day is not None:
            library.schedule_daily(
                session, reading, day=row.day, timezone=committee.timezone, now=now
            )
            summary.scheduled += 1
        elif publish_undated:
            library.publish_now(reading, now=now)
            summary.published += 1
        if progress is not None:
            progress(1)
    session.flush()
    record_in(
        session,
        committee,
        "readings.imported",
        actor_id=by_user_id,
        now=now,
        object_type="org_unit",
        object_id=committee.id,
        summary=file_name or committee.name,
        details={"file": file_name, **summary.as_dict()},
    )
    return summary
