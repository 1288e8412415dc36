"""Meeting compliance over a competition's period, from the compliance calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from studyhub.meetings import queries as meeting_queries
from studyhub.meetings.periods import month_starts
from studyhub.meetings.services import compliance
from studyhub.org.models import OrgUnit, UnitKind


def period_compliance(
    session: Session, committee: OrgUnit, first: date, last: date, *, now: datetime
) -> dict[int, float | None]:
    """Branch id → met ÷ (met + missing) of the requirements (months, quarters, years of the
    compliance calendar) that overlap ``first``…``last``; None when none is counted yet. One
    meetings statement per calendar year the period touches."""
    tallies: dict[int, list[int]] = {}
    for year in range(first.year, last.year + 1):
        for branch_id, year_state in _years(session, committee, year, now=now).items():
            met_missing = tallies.setdefault(branch_id, [0, 0])
            for line in year_state.lines:
                for cell in line.cells:
                    if cell.period.first_day <= last and cell.period.end_day > first:
                        met_missing[0] += cell.status == compliance.Status.MET
                        met_missing[1] += cell.status == compliance.Status.MISSING
    return {b: compliance.rate_of(met, missing) for b, (met, missing) in tallies.items()}


def _years(
    session: Session, committee: OrgUnit, year: int, *, now: datetime
) -> dict[int, compliance.YearCompliance]:
    """Every active branch's compliance calendar of ``year``, from the meetings' one grouped
    statement (as the committee's compliance page)."""
    assert committee.committee_id is not None
    frequencies = compliance.frequencies_of(session, committee.committee_id)
    branches: list[int] = []
    groups: dict[int, list[tuple[int, str]]] = {}
    for row in session.execute(meeting_queries.compliance_units(committee.path)):
        if row.kind == UnitKind.BRANCH:
            branches.append(row.id)
        elif row.parent_id is not None:
            groups.setdefault(row.parent_id, []).append((row.id, row.name))
    tallies: dict[int, compliance.MonthTally] = {}
    bounds = month_starts(year, committee.timezone)
    for row in session.execute(meeting_queries.meeting_counts(bounds, path=committee.path)):
        tallies.setdefault(row.branch_id, compliance.MonthTally()).add(row)
    return {
        b: compliance.year_compliance(
            b,
            year,
            committee.timezone,
            frequencies,
            groups.get(b, []),
            tallies.get(b, compliance.MonthTally()),
            now=now,
        )
        for b in branches
    }
