"""Checking the rows of a readings import against the library before anything is written:
what would be added, skipped or clash, and every problem by row or file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput
from studyhub.org.models import OrgUnit
from studyhub.readings.models import Reading, ReadingColumn
from studyhub.readings.services import library
from studyhub.readings.services.imports.reading_files import (
    MAX_ROWS,
    MEDIA_URL_MAX,
    TITLE_MAX,
    ReadingRow,
)
from studyhub.readings.services.tables import (
    ImportRejected,
    Problem,
)


@dataclass
class ReadingPlan:
    """What a checked import will do."""

    committee: OrgUnit
    create: list[ReadingRow]
    unchanged: list[ReadingRow]
    new_columns: list[str]


@dataclass
class ImportSummary:
    created: int = 0
    scheduled: int = 0
    published: int = 0
    unchanged: int = 0
    columns_created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_row(row: ReadingRow, problems: list[Problem]) -> None:
    def bad(message: Any) -> None:
        problems.append(Problem(row.where, str(message)))

    if not row.title:
        bad(_l("The title is missing."))
    elif len(row.title) > TITLE_MAX:
        bad(_l("The title is too long (%(n)d characters at most).", n=TITLE_MAX))
    if not row.body.strip():
        bad(_l("The text is missing."))
    if len(row.column) > library.COLUMN_NAME_MAX:
        bad(
            _l("The column name is too long (%(n)d characters at most).", n=library.COLUMN_NAME_MAX)
        )
    for tag in row.tags:
        if len(tag) > library.TAG_NAME_MAX:
            bad(
                _l(
                    "The tag %(tag)s is too long (%(n)d characters at most).",
                    tag=tag,
                    n=library.TAG_NAME_MAX,
                )
            )
    if row.media_url and (
        not row.media_url.startswith(("https://", "http://")) or len(row.media_url) > MEDIA_URL_MAX
    ):
        bad(_l("The audio or video link must start with https://."))


def check_readings(
    session: Session,
    committee: OrgUnit,
    rows: list[ReadingRow],
    problems: list[Problem],
    *,
    create_columns: bool,
) -> ReadingPlan:
    """Check every row against the file and the library; :class:`ImportRejected` if any fails."""
    problems = list(problems)
    if not rows and not problems:
        raise InvalidInput(_l("The file holds no readings."))
    if len(rows) > MAX_ROWS:
        raise InvalidInput(_l("Import at most %(n)d readings at a time.", n=MAX_ROWS))
    for row in rows:
        _check_row(row, problems)

    first_by_title: dict[str, ReadingRow] = {}
    first_by_day: dict[date, ReadingRow] = {}
    for row in rows:
        if row.title in first_by_title and row.title:
            problems.append(
                Problem(
                    row.where,
                    str(
                        _l(
                            "The title is the same as in %(other)s.",
                            other=first_by_title[row.title].where,
                        )
                    ),
                )
            )
        first_by_title.setdefault(row.title, row)
        if row.day is not None:
            if row.day in first_by_day:
                problems.append(
                    Problem(
                        row.where,
                        str(
                            _l(
                                "%(day)s is also the date of %(other)s.",
                                day=row.day.isoformat(),
                                other=first_by_day[row.day].where,
                            )
                        ),
                    )
                )
            first_by_day.setdefault(row.day, row)

    columns = {c.name: c for c in session.scalars(library_columns(committee.id))}
    new_columns: list[str] = []
    for row in rows:
        if not row.column:
            continue
        column = columns.get(row.column)
        if column is None:
            if create_columns:
                if row.column not in new_columns:
                    new_columns.append(row.column)
            else:
                problems.append(
                    Problem(
                        row.where,
                        str(
                            _l(
                                "There is no column called %(name)s "
                                "(add it first, or import with --create-columns).",
                                name=row.column,
                            )
                        ),
                    )
                )
        elif not column.is_active:
            problems.append(
                Problem(row.where, str(_l("The column %(name)s is closed.", name=row.column)))
            )

    existing = _existing_by_title(session, committee.id, [r.title for r in rows if r.title])
    unchanged: list[ReadingRow] = []
    create: list[ReadingRow] = []
    for row in rows:
        reading = existing.get(row.title)
        if reading is None:
            create.append(row)
            continue
        # A row without a day leaves alone the day staff may have given the reading since.
        same_day = row.day is None or row.day == reading.daily_on
        if reading.body_markdown.strip() == row.body.strip() and same_day:
            unchanged.append(row)
        else:
            problems.append(
                Problem(
                    row.where,
                    str(
                        _l(
                            "A different reading called %(title)s is already in the library.",
                            title=row.title,
                        )
                    ),
                )
            )
    days = [r.day for r in create if r.day is not None]
    for day, title in _daily_titles(session, committee.id, days):
        problems.append(
            Problem(
                first_by_day[day].where,
                str(
                    _l(
                        "%(day)s already has a reading of the day: %(title)s.",
                        day=day.isoformat(),
                        title=title,
                    )
                ),
            )
        )
    if problems:
        raise ImportRejected(problems)
    return ReadingPlan(
        committee=committee, create=create, unchanged=unchanged, new_columns=new_columns
    )


def library_columns(committee_id: int):
    return select(ReadingColumn).where(ReadingColumn.committee_id == committee_id)


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_by_title(
    session: Session, committee_id: int, titles: list[str]
) -> dict[str, Reading]:
    found: dict[str, Reading] = {}
    for chunk in _chunks(sorted(set(titles))):
        for reading in session.scalars(
            select(Reading).where(Reading.committee_id == committee_id, Reading.title.in_(chunk))
        ):
            found.setdefault(reading.title, reading)
    return found


def _daily_titles(session: Session, committee_id: int, days: list[date]) -> list[tuple[date, str]]:
    taken: list[tuple[date, str]] = []
    for chunk in _chunks(sorted(set(days))):
        taken.extend(
            (day, title)
            for day, title in session.execute(
                select(Reading.daily_on, Reading.title)
                .where(Reading.committee_id == committee_id, Reading.daily_on.in_(chunk))
                .order_by(Reading.daily_on)
            )
        )
    return taken
