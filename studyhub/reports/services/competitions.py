"""比学习 competitions between branches: a period, the branches, the measures; a leaderboard
every member of a taking-part branch can see (branch figures only), snapshotted daily.

A branch's figures on a day are counted over the competition's own period, from its first
day up to that day (never past its last): the averages over the branch's active members of
their figures over the period (one grouped statement over the members' figures: the readings
of the day in the period, the materials and tests of the plans due in it, the days of the
daily quiz in it), and its meeting compliance over the period (each requirement of a month,
quarter or year that overlaps the period, met or missing, as in the compliance calendar).

A committee dimension has quarterly values, so it is read for every quarter the period
touches up to that day: a member's points are the mean of their points over those quarters
(a quarter without a value for them is left out), the branch's the mean over its members.

The day's snapshot is one row per (competition, branch, day): running the job again the
same day rewrites the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries as meeting_queries
from studyhub.meetings.periods import month_starts
from studyhub.meetings.services import compliance
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.reports import dimensions, queries, scoring
from studyhub.reports.models import (
    Competition,
    CompetitionBranch,
    CompetitionSnapshot,
    CustomDimension,
)
from studyhub.reports.quarters import Quarter

COMPLETION = "completion"
TEST = "test"
DAILY_QUIZ = "daily_quiz"
COMPLIANCE = "compliance"
MEASURES = (COMPLETION, TEST, DAILY_QUIZ, COMPLIANCE)
MEASURE_NAMES = {
    COMPLETION: _l("Study completion"),
    TEST: _l("Average test score"),
    DAILY_QUIZ: _l("Daily quiz participation"),
    COMPLIANCE: _l("Meeting compliance"),
}


def create_competition(
    session: Session,
    committee: OrgUnit,
    *,
    title: str,
    starts_on: date,
    ends_on: date,
    branch_ids: Sequence[int],
    measures: Sequence[tuple[str, Decimal]],
    is_named: bool,
    actor_id: int | None,
    now: datetime,
) -> Competition:
    """Check everything, then store the competition (nothing is stored on an error)."""
    title = " ".join(title.split())
    if not title or len(title) > 120:
        raise InvalidInput(_l("Give the competition a title of at most 120 characters."))
    if ends_on < starts_on:
        raise InvalidInput(_l("The competition ends before it starts."))
    branches = set(branch_ids)
    found = set(
        session.scalars(
            select(OrgUnit.id).where(
                OrgUnit.id.in_(branches),
                OrgUnit.committee_id == committee.id,
                OrgUnit.kind == UnitKind.BRANCH,
            )
        )
    )
    if len(branches) < 2 or found != branches:
        raise InvalidInput(_l("Choose at least two branches of the committee."))
    own = {
        dimensions.code_of(d)
        for d in dimensions.scheme_dimensions(session, committee.id)
        if d.is_active  # an archived dimension ranks no new competition
    }
    chosen = [(code, Decimal(weight)) for code, weight in measures if Decimal(weight) > 0]
    if not chosen or any(code not in MEASURES and code not in own for code, _w in chosen):
        raise InvalidInput(_l("Choose the measures the competition ranks by."))
    competition = Competition(
        committee_id=committee.id,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        measures=[[code, str(weight)] for code, weight in chosen],
        is_named=is_named,
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(competition)
    session.flush()
    session.add_all(CompetitionBranch(competition_id=competition.id, branch_id=b) for b in branches)
    session.flush()
    return competition


def branch_ids_of(session: Session, competition: Competition) -> list[int]:
    return list(
        session.scalars(
            select(CompetitionBranch.branch_id).where(
                CompetitionBranch.competition_id == competition.id
            )
        )
    )


def _ratio(done: Any, required: Any) -> Any:
    """done ÷ required × 100 for a member with something required, else NULL (not averaged)."""
    return cast(done, Float) * 100 / func.nullif(required, 0)


def branch_figures(
    session: Session, committee: OrgUnit, competition: Competition, day: date, now: datetime
) -> dict[int, dict[str, Any]]:
    """Branch id → {measure: 0–100 average (None without data), "members": n} on ``day``."""
    last = min(day, competition.ends_on)
    window = queries.Window.period(committee, competition.starts_on, competition.ends_on, now, last)
    branches = branch_ids_of(session, competition)
    daily_reading_ids = list(session.scalars(queries.daily_reading_ids(window)))
    material_ids = list(
        session.scalars(queries.material_ids(queries.plan_materials(window, daily_reading_ids)))
    )
    figures = queries.member_figures(
        window,
        committee.path,
        daily_reading_ids=daily_reading_ids,
        material_ids=material_ids,
        plan_quiz_ids=list(session.scalars(queries.plan_quiz_ids(window))),
        daily_quiz_ids=list(session.scalars(queries.daily_quiz_ids(committee.id))),
        attendance=False,
    ).subquery("figures")
    days = max(window.days, 1)
    stmt = (
        select(
            figures.c.branch_id,
            func.count().label("members"),
            func.avg(_ratio(figures.c.readings_studied, figures.c.readings_required)).label(
                COMPLETION
            ),
            func.avg(
                cast(figures.c.best_sum, Float) / func.nullif(figures.c.tests_required, 0)
            ).label(TEST),
            func.avg(cast(figures.c.daily_days, Float) * 100 / days).label(DAILY_QUIZ),
        )
        .where(figures.c.branch_id.in_(branches))
        .group_by(figures.c.branch_id)
    )
    out: dict[int, dict[str, Any]] = {b: {"members": 0} for b in branches}
    for row in session.execute(stmt):
        out[row.branch_id] = {
            "members": row.members,
            COMPLETION: _rounded(row.completion),
            TEST: _rounded(row.test),
            DAILY_QUIZ: _rounded(row.daily_quiz),
        }
    codes = {code for code, _w in competition.measures}
    if COMPLIANCE in codes:
        rates = period_compliance(session, committee, competition.starts_on, last, now=now)
        for branch_id, rate in rates.items():
            if branch_id in out:
                out[branch_id][COMPLIANCE] = None if rate is None else _rounded(rate * 100)
    own = [
        d
        for d in dimensions.scheme_dimensions(session, committee.id)
        if dimensions.code_of(d) in codes
    ]
    _add_own(session, committee, own, quarters_between(competition.starts_on, last), out)
    return out


def quarters_between(first: date, last: date) -> list[Quarter]:
    """The quarters the days ``first``…``last`` touch (at least the first's)."""
    quarter, end = Quarter.of(first), Quarter.of(max(first, last))
    out = [quarter]
    while quarter < end:
        quarter = quarter.next()
        out.append(quarter)
    return out


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


def _add_own(
    session: Session,
    committee: OrgUnit,
    own: list[CustomDimension],
    quarters: list[Quarter],
    out: dict[int, dict[str, Any]],
) -> None:
    """Each committee dimension's points per branch: each member's mean over ``quarters``
    (those with a value), then the mean over the branch's members."""
    if not own:
        return
    branch_of = dict(
        session.execute(
            select(Member.user_id, Member.branch_id).where(
                Member.committee_id == committee.id,
                Member.is_active.is_(True),
                Member.branch_id.in_(list(out)),
            )
        ).all()
    )
    per_member: dict[str, dict[int, list[Decimal]]] = {}
    for quarter in quarters:
        for code, (by_user, _absent) in dimensions.custom_figures(
            session, own, quarter, committee.path
        ).items():
            members = per_member.setdefault(code, {})
            for user_id, figure in by_user.items():
                if user_id in branch_of:
                    members.setdefault(user_id, []).append(figure.normalised)
    for d in own:
        code = dimensions.code_of(d)
        sums: dict[int, list[Decimal]] = {}
        for user_id, points in per_member.get(code, {}).items():
            sums.setdefault(branch_of[user_id], []).append(sum(points) / len(points))
        for branch, values in out.items():
            points = sums.get(branch)
            values[code] = _rounded(sum(points) / len(points)) if points else None


def _rounded(value: Any) -> float | None:
    if value is None:
        return None
    return float(scoring.cents(min(Decimal(str(value)), scoring.HUNDRED)))


def weighted(competition: Competition, figures: dict[str, Any]) -> Decimal:
    """The branch's score: the measures' weighted mean (a measure without data counts 0)."""
    total_weight = sum((Decimal(w) for _c, w in competition.measures), Decimal(0))
    if not total_weight:
        return scoring.ZERO
    points = sum(
        (Decimal(str(figures.get(code) or 0)) * Decimal(w) for code, w in competition.measures),
        Decimal(0),
    )
    return scoring.cents(points / total_weight)


def snapshot(
    session: Session, committee: OrgUnit, competition: Competition, day: date, now: datetime
) -> int:
    """Store the branches' figures of ``day`` (rewritten when run again that day)."""
    figures = branch_figures(session, committee, competition, day, now)
    scored = sorted(
        ((weighted(competition, f), b) for b, f in figures.items()), key=lambda s: (-s[0], s[1])
    )
    ranks = scoring.ranks((b, 0, score, None) for score, b in scored)
    existing = {
        row.branch_id: row
        for row in session.scalars(
            select(CompetitionSnapshot).where(
                CompetitionSnapshot.competition_id == competition.id,
                CompetitionSnapshot.day == day,
            )
        )
    }
    for score, branch_id in scored:
        row = existing.get(branch_id)
        if row is None:
            row = CompetitionSnapshot(competition_id=competition.id, branch_id=branch_id, day=day)
            session.add(row)
        row.figures = figures[branch_id]
        row.score = score
        row.rank = ranks[branch_id][1]
        row.members = figures[branch_id].get("members", 0)
    session.flush()
    return len(scored)


def snapshot_all(session: Session, *, now: datetime) -> int:
    """The daily job: each running competition's figures of today (in its committee's zone)."""
    done = 0
    for competition, committee in session.execute(
        select(Competition, OrgUnit).join(OrgUnit, OrgUnit.id == Competition.committee_id)
    ):
        today = local_date(now, committee.timezone)
        if competition.starts_on <= today <= competition.ends_on:
            done += snapshot(session, committee, competition, today, now)
    return done


# Reading the leaderboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    branch_id: int
    label: str
    is_own: bool
    rank: int
    score: Decimal
    members: int
    figures: dict[str, Any]
    trend: list[tuple[date, Decimal]]


def competitions_of_branch(session: Session, branch_id: int) -> list[Competition]:
    return list(
        session.scalars(
            select(Competition)
            .join(CompetitionBranch, CompetitionBranch.competition_id == Competition.id)
            .where(CompetitionBranch.branch_id == branch_id)
            .order_by(Competition.starts_on.desc(), Competition.id.desc())
        )
    )


def leaderboard(
    session: Session,
    competition: Competition,
    *,
    own_branch_id: int | None,
    reveal: bool = False,
) -> tuple[date | None, list[Standing]]:
    """The latest day's standings and each branch's trend; other branches are named only when
    the committee chose so (else 支部 A, B… in rank order), the viewer's own always, every one
    for the committee's staff (``reveal``)."""
    latest = session.scalar(
        select(func.max(CompetitionSnapshot.day)).where(
            CompetitionSnapshot.competition_id == competition.id
        )
    )
    if latest is None:
        return None, []
    names = dict(
        session.execute(
            select(OrgUnit.id, OrgUnit.name).where(
                OrgUnit.id.in_(branch_ids_of(session, competition))
            )
        ).all()
    )
    trends: dict[int, list[tuple[date, Decimal]]] = {}
    for branch_id, day, score in session.execute(
        select(CompetitionSnapshot.branch_id, CompetitionSnapshot.day, CompetitionSnapshot.score)
        .where(CompetitionSnapshot.competition_id == competition.id)
        .order_by(CompetitionSnapshot.day)
    ):
        trends.setdefault(branch_id, []).append((day, Decimal(score)))
    rows = session.scalars(
        select(CompetitionSnapshot)
        .where(
            CompetitionSnapshot.competition_id == competition.id,
            CompetitionSnapshot.day == latest,
        )
        .order_by(CompetitionSnapshot.rank, CompetitionSnapshot.branch_id)
    )
    out = []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for row in rows:
        own = row.branch_id == own_branch_id
        if competition.is_named or own or reveal:
            label = names.get(row.branch_id, "")
        else:
            label = str(_l("Branch %(letter)s", letter=next(letters, "?")))
        out.append(
            Standing(
                branch_id=row.branch_id,
                label=label,
                is_own=own,
                rank=row.rank,
                score=Decimal(row.score),
                members=row.members,
                figures=row.figures,
                trend=trends.get(row.branch_id, []),
            )
        )
    return latest, out
