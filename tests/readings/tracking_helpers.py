"""Readings and history entries for the member-side tests, built directly (no library pages)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.readings.models import HistoryEntry, Reading, ReadingColumn
from studyhub.readings.services import content
from studyhub.readings.services.library import start_of_day
from tests.conftest import NOW


def make_column(session: Session, committee: OrgUnit, name: str = "党务指南") -> ReadingColumn:
    """The committee's column ``name`` (a new committee has the default ones already)."""
    found = session.scalars(
        select(ReadingColumn).where(
            ReadingColumn.committee_id == committee.id, ReadingColumn.name == name
        )
    ).first()
    if found is not None:
        return found
    column = ReadingColumn(committee_id=committee.id, name=name, sort_order=1)
    session.add(column)
    session.flush()
    return column


def make_reading(
    session: Session,
    committee: OrgUnit,
    *,
    title: str = "学习党章",
    body: str = "认真学习党章，严格遵守党章。",
    daily_on: date | None = None,
    published_at: datetime | None = None,
    is_published: bool = True,
    min_seconds: int = 60,
    column: ReadingColumn | None = None,
) -> Reading:
    """A reading; ``daily_on`` makes it the reading of that day, visible from its start."""
    html = content.render_markdown(body)
    text = content.plain_text(html)
    length = content.measure(text)
    if published_at is None and is_published:
        published_at = (
            start_of_day(daily_on, committee.timezone) if daily_on else NOW - timedelta(days=1)
        )
    reading = Reading(
        committee_id=committee.id,
        column_id=column.id if column else None,
        title=title,
        body_markdown=body,
        body_html=html,
        body_text=text,
        char_count=length.char_count,
        reading_seconds=length.reading_seconds,
        min_seconds=min_seconds,
        daily_on=daily_on,
        published_at=published_at if is_published else None,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=30),
    )
    session.add(reading)
    session.flush()
    return reading


def make_history(
    session: Session,
    *,
    month: int,
    day: int,
    year: int,
    title: str,
    committee: OrgUnit | None = None,
    text: str = "",
) -> HistoryEntry:
    entry = HistoryEntry(
        committee_id=committee.id if committee else None,
        month=month,
        day=day,
        year=year,
        title=title,
        text=text,
    )
    session.add(entry)
    session.flush()
    return entry
