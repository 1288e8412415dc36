"""Compliance: which required meetings each branch held, has planned, or is missing.

A committee requires each kind of meeting once (or ``minimum`` times) a month or
a quarter (:class:`RequiredFrequency`; until staff change them, the defaults of
:data:`DEFAULT_FREQUENCIES`). Months and quarters are the committee's local
calendar. A Party group meeting is required of every active group of the branch.

Each requirement in each period has a :class:`Status`:

- ``met``: held at least ``minimum`` times (held = recorded, submitted, returned
  for correction or approved — it took place — counted by when it started, else
  when it was planned);
- ``missing``: the period is over and it was not held often enough (a meeting
  still "planned" in a past period was never recorded: it does not count);
- ``planned``: the period is running or ahead and enough meetings are planned
  in it to meet the requirement once they are held;
- ``due``: the period is running, it is not held and nothing is planned;
- ``ahead``: the period has not begun and nothing is planned.

The completion rate counts the periods that are over or already met: met ÷
(met + missing), so a month still running does not lower it.

Every figure comes from one grouped statement over the meetings
(:func:`queries.meeting_counts`), plus one for the frequencies and one for the
branches and groups — for one branch or for all the branches of a committee.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.clock import as_utc, local_date
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import MeetingKind, RequiredFrequency
from studyhub.meetings.periods import Every, Period, month_starts
from studyhub.org.auditing import record_settings_change
from studyhub.org.models import OrgUnit, UnitKind

# The order kinds are shown in, and what a committee requires until its staff say otherwise.
KIND_ORDER = (
    MeetingKind.COMMITTEE_MEETING,
    MeetingKind.GROUP_MEETING,
    MeetingKind.GENERAL_MEETING,
    MeetingKind.LESSON,
    MeetingKind.THEME_DAY,
)
DEFAULT_FREQUENCIES: dict[MeetingKind, tuple[Every, int]] = {
    MeetingKind.COMMITTEE_MEETING: (Every.MONTH, 1),
    MeetingKind.GROUP_MEETING: (Every.MONTH, 1),
    MeetingKind.GENERAL_MEETING: (Every.QUARTER, 1),
    MeetingKind.LESSON: (Every.QUARTER, 1),
    MeetingKind.THEME_DAY: (Every.NONE, 1),
}
MAX_MINIMUM = 10


class Status(enum.StrEnum):
    MET = "met"
    MISSING = "missing"
    PLANNED = "planned"
    DUE = "due"
    AHEAD = "ahead"


# Statuses that still need a meeting (the committee view lists these branches first).
OPEN = (Status.MISSING, Status.DUE)


@dataclass(frozen=True)
class Frequency:
    kind: MeetingKind
    every: Every
    minimum: int = 1
    is_default: bool = True


def frequencies_of(session: Session, committee_id: int) -> dict[MeetingKind, Frequency]:
    """The committee's required frequency of every kind (one statement; defaults filled in)."""
    saved = {row.kind: row for row in session.scalars(queries.required_frequencies(committee_id))}
    out = {}
    for kind in KIND_ORDER:
        row = saved.get(kind)
        if row is None:
            every, minimum = DEFAULT_FREQUENCIES[kind]
            out[kind] = Frequency(kind, every, minimum)
        else:
            out[kind] = Frequency(kind, Every(row.period), row.minimum, is_default=False)
    return out


def save_frequencies(
    session: Session,
    committee: OrgUnit,
    choices: Iterable[Frequency],
    *,
    actor_id: int | None,
    now: datetime,
) -> dict[MeetingKind, Frequency]:
    """Store how often the committee's branches must hold each kind (all checked first)."""
    if committee.kind != UnitKind.COMMITTEE:
        raise InvalidInput(_l("Required meetings are set by a committee."))
    chosen = {choice.kind: choice for choice in choices}
    if sorted(chosen) != sorted(KIND_ORDER):
        raise InvalidInput(_l("Say how often each kind of meeting is required."))
    for choice in chosen.values():
        if not 1 <= choice.minimum <= MAX_MINIMUM:
            raise InvalidInput(
                _l("A meeting is required 1 to %(max)d times a period.", max=MAX_MINIMUM)
            )
    before = _plain_frequencies(frequencies_of(session, committee.id))
    saved = {row.kind: row for row in session.scalars(queries.required_frequencies(committee.id))}
    for kind, choice in chosen.items():
        row = saved.get(kind)
        if row is None:
            row = RequiredFrequency(committee_id=committee.id, kind=kind)
            session.add(row)
        row.period = Every(choice.every).value
        row.minimum = choice.minimum if choice.every != Every.NONE else 1
    session.flush()
    result = frequencies_of(session, committee.id)
    changed = diff(before, _plain_frequencies(result))
    record_settings_change(
        session, committee, "meeting_frequencies.changed", changed, actor_id=actor_id, now=now
    )
    return result


def _plain_frequencies(frequencies: dict[MeetingKind, Frequency]) -> dict[str, str]:
    """Each kind's requirement as text ("quarter × 2") for the audit entry."""
    return {kind.value: f"{f.every.value} × {f.minimum}" for kind, f in frequencies.items()}


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
    count = 12 if every == Every.MONTH else 4
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
