"""Compliance across the branches of a unit: each branch's status in the current month and
quarter, open requirements first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.meetings import queries
from studyhub.meetings.models import MeetingKind
from studyhub.meetings.periods import Every, Period, month_starts
from studyhub.meetings.services.compliance.branch_year import (
    MonthTally,
    YearCompliance,
    rate_of,
    year_compliance,
)
from studyhub.meetings.services.compliance.frequencies import OPEN, Status, frequencies_of
from studyhub.org.models import OrgUnit, UnitKind

# Across branches -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One requirement of a branch in the current month or quarter."""

    kind: MeetingKind
    period: Period
    minimum: int
    held: int
    planned: int
    status: Status
    group_id: int | None = None
    group_name: str | None = None


@dataclass(frozen=True)
class BranchStatus:
    branch_id: int
    name: str
    path: str
    requirements: tuple[Requirement, ...]
    year_met: int = 0  # the year so far, as on the branch's own page
    year_missing: int = 0

    @property
    def year_rate(self) -> float | None:
        return rate_of(self.year_met, self.year_missing)

    @property
    def open(self) -> int:
        """Requirements not yet held and not planned (or, for a period over, missing)."""
        return sum(r.status in OPEN for r in self.requirements)

    @property
    def planned(self) -> int:
        return sum(r.status == Status.PLANNED for r in self.requirements)

    @property
    def met(self) -> int:
        return sum(r.status == Status.MET for r in self.requirements)


@dataclass(frozen=True)
class UnitCompliance:
    """Every branch under a unit, for the month and quarter that contain ``day``."""

    unit: OrgUnit
    day: date
    month: Period
    quarter: Period
    branches: tuple[BranchStatus, ...]  # open ones first

    @property
    def with_gaps(self) -> int:
        return sum(1 for b in self.branches if b.open)


def unit_compliance(
    session: Session, unit: OrgUnit, *, now: datetime, day: date | None = None
) -> UnitCompliance:
    """Every active branch at or below ``unit`` for the month and the quarter of ``day``
    (default: today, locally) and for its year so far; the branches with requirements still
    open in the month or quarter first, then those with only planned ones, then the rest,
    each in tree order. Three statements: the meetings' one grouped by (branch, kind, group,
    month) over the year, whatever the number of branches."""
    assert unit.committee_id is not None
    timezone = unit.timezone
    day = day or local_date(now, timezone)
    month = Period.containing(Every.MONTH, day)
    quarter = Period.containing(Every.QUARTER, day)
    frequencies = frequencies_of(session, unit.committee_id)
    branches: dict[int, tuple[str, str]] = {}
    groups: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in session.execute(queries.compliance_units(unit.path)):
        if row.kind == UnitKind.BRANCH:
            branches[row.id] = (row.name, row.path)
        elif row.parent_id is not None:
            groups[row.parent_id].append((row.id, row.name))
    tallies: dict[int, MonthTally] = defaultdict(MonthTally)
    bounds = month_starts(day.year, timezone)
    for row in session.execute(queries.meeting_counts(bounds, path=unit.path)):
        tallies[row.branch_id].add(row)
    statuses = []
    for branch_id, (name, path) in branches.items():
        year = year_compliance(
            branch_id,
            day.year,
            timezone,
            frequencies,
            groups.get(branch_id, []),
            tallies.get(branch_id, MonthTally()),
            now=now,
        )
        statuses.append(
            BranchStatus(
                branch_id=branch_id,
                name=name,
                path=path,
                requirements=tuple(_requirements(year, month, quarter)),
                year_met=year.met,
                year_missing=year.missing,
            )
        )
    statuses.sort(key=lambda b: (-b.open, -b.planned, b.path))
    return UnitCompliance(unit, day, month, quarter, tuple(statuses))


def _requirements(year: YearCompliance, month: Period, quarter: Period) -> Iterable[Requirement]:
    """Each line's cell for ``month`` (monthly lines) or ``quarter`` (quarterly ones)."""
    for line in year.lines:
        if line.every == Every.YEAR:
            # A yearly meeting (组织生活会, 民主评议) is this period's business in the
            # year's last quarter; before, it is on the branch's year page only.
            if quarter.number != 4:
                continue
            period = Period(Every.YEAR, quarter.year, 1)
        else:
            period = month if line.every == Every.MONTH else quarter
        cell = line.cells[period.number - 1]
        yield Requirement(
            kind=line.kind,
            period=period,
            minimum=line.minimum,
            held=cell.held,
            planned=cell.planned,
            status=cell.status,
            group_id=line.group_id,
            group_name=line.group_name,
        )
