"""One branch's year: each requirement's status in each month or quarter, and its
completion rate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import MeetingKind
from studyhub.meetings.periods import Every, Period, month_starts
from studyhub.meetings.services.compliance.frequencies import (
    KIND_ORDER,
    Frequency,
    Status,
    frequencies_of,
)
from studyhub.org.models import OrgUnit, UnitKind


def status_of(
    held: int, planned: int, minimum: int, period: Period, timezone: str, now: datetime
) -> Status:
    if held >= minimum:
        return Status.MET
    now = as_utc(now)
    if now >= period.ends_at(timezone):
        return Status.MISSING
    if held + planned >= minimum:
        return Status.PLANNED
    if now < period.starts_at(timezone):
        return Status.AHEAD
    return Status.DUE


@dataclass(frozen=True)
class Cell:
    """One requirement in one period."""

    period: Period
    held: int
    planned: int
    status: Status


@dataclass(frozen=True)
class Line:
    """One required kind (for group meetings: of one group) over the year."""

    kind: MeetingKind
    every: Every
    minimum: int
    cells: tuple[Cell, ...]
    group_id: int | None = None
    group_name: str | None = None

    def cell_of_month(self, month: int) -> Cell | None:
        """The cell that starts in ``month`` (for a quarterly line, the quarter's first month)."""
        for cell in self.cells:
            if cell.period.months[0] == month:
                return cell
        return None


def _tally(cells: Iterable[Cell]) -> tuple[int, int]:
    met = missing = 0
    for cell in cells:
        met += cell.status == Status.MET
        missing += cell.status == Status.MISSING
    return met, missing


def rate_of(met: int, missing: int) -> float | None:
    """met ÷ (met + missing), or None when nothing is counted yet."""
    return met / (met + missing) if met + missing else None


@dataclass(frozen=True)
class YearCompliance:
    """A branch's year at a glance."""

    branch_id: int
    year: int
    lines: tuple[Line, ...]
    other_held: dict[MeetingKind, int] = field(default_factory=dict)  # kinds not required

    @property
    def met(self) -> int:
        return sum(_tally(line.cells)[0] for line in self.lines)

    @property
    def missing(self) -> int:
        return sum(_tally(line.cells)[1] for line in self.lines)

    @property
    def rate(self) -> float | None:
        return rate_of(self.met, self.missing)


def _key(kind: MeetingKind, group_id: int | None) -> tuple[MeetingKind, int | None]:
    return (kind, group_id if kind == MeetingKind.GROUP_MEETING else None)


def compliance(session: Session, branch: OrgUnit, year: int, *, now: datetime) -> YearCompliance:
    """Per required kind (and group) and per month or quarter of ``year``: held, planned and
    the status; three statements, the meetings' one grouped by (kind, group, month)."""
    if branch.kind != UnitKind.BRANCH:
        raise InvalidInput(_l("Meetings are kept by branches."))
    assert branch.committee_id is not None
    frequencies = frequencies_of(session, branch.committee_id)
    groups = [
        (row.id, row.name)
        for row in session.execute(queries.compliance_units(branch.path))
        if row.kind == UnitKind.GROUP and row.parent_id == branch.id
    ]
    tally = MonthTally()
    bounds = month_starts(year, branch.timezone)
    for row in session.execute(queries.meeting_counts(bounds, branch_id=branch.id)):
        tally.add(row)
    return year_compliance(branch.id, year, branch.timezone, frequencies, groups, tally, now=now)


class MonthTally:
    """Held and planned meetings per (kind, group) and month, from :func:`queries.meeting_counts`
    rows of one branch over a year's months."""

    def __init__(self) -> None:
        self.months: dict[tuple[MeetingKind, int | None], dict[int, tuple[int, int]]] = defaultdict(
            dict
        )

    def add(self, row: Any) -> None:
        months = self.months[_key(MeetingKind(row.kind), row.group_id)]
        held, planned = months.get(row.period, (0, 0))
        months[row.period] = (held + int(row.held), planned + int(row.planned))

    def held(self, kind: MeetingKind, month: int) -> int:
        """Meetings of ``kind`` held in ``month``, every group's together."""
        return sum(
            months.get(month, (0, 0))[0] for (k, _g), months in self.months.items() if k == kind
        )


def year_compliance(
    branch_id: int,
    year: int,
    timezone: str,
    frequencies: dict[MeetingKind, Frequency],
    groups: Sequence[tuple[int, str]],
    tally: MonthTally,
    *,
    now: datetime,
) -> YearCompliance:
    """The year's lines from what was counted (no database: the statistics export calls it
    for each branch of one grouped statement)."""
    lines: list[Line] = []
    other_held: dict[MeetingKind, int] = {}
    for kind in KIND_ORDER:
        frequency = frequencies[kind]
        if frequency.every == Every.NONE:
            held = sum(tally.held(kind, month) for month in range(1, 13))
            if held:
                other_held[kind] = held
            continue
        owners = groups if kind == MeetingKind.GROUP_MEETING else [(None, None)]
        for group_id, group_name in owners:
            months = tally.months.get(_key(kind, group_id), {})
            lines.append(
                Line(
                    kind=kind,
                    every=frequency.every,
                    minimum=frequency.minimum,
                    cells=tuple(
                        _cell(period, months, frequency.minimum, timezone, now)
                        for period in _periods(frequency.every, year)
                    ),
                    group_id=group_id,
                    group_name=group_name,
                )
            )
    return YearCompliance(branch_id=branch_id, year=year, lines=tuple(lines), other_held=other_held)


def _periods(every: Every, year: int) -> list[Period]:
    count = {Every.MONTH: 12, Every.QUARTER: 4, Every.YEAR: 1}[every]
    return [Period(every, year, number) for number in range(1, count + 1)]


def _cell(
    period: Period,
    months: dict[int, tuple[int, int]],
    minimum: int,
    timezone: str,
    now: datetime,
) -> Cell:
    held = sum(months.get(m, (0, 0))[0] for m in period.months)
    planned = sum(months.get(m, (0, 0))[1] for m in period.months)
    return Cell(period, held, planned, status_of(held, planned, minimum, period, timezone, now))
