"""Every branch of a unit ranked (比学习): this week's and the quarter's figures, totals and
the completion trend by week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.plans import queries as plan_queries
from studyhub.plans.models import StudyPlan
from studyhub.quizzes.models import Quiz
from studyhub.reports import queries
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.dashboards.plan_choice import (
    PER_PAGE,
    PERCENT,
    _decimal,
    _pages,
    _percent,
)

# A unit's branches, ranked ---------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """A week of the quarter (Monday to Sunday, cut to the quarter), and its end instant."""

    starts_on: date
    ends_on: date  # the last day
    ends_at: datetime  # local midnight after ``ends_on``, in UTC

    @property
    def label(self) -> str:
        return f"{self.starts_on.month}/{self.starts_on.day}"


def _midnight(day: date, timezone: str) -> datetime:
    """The start of ``day`` in ``timezone``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def weeks_of(quarter: Quarter, timezone: str) -> list[Week]:
    """The quarter's weeks: the first from its first day to that week's Sunday, the last
    from a Monday to its last day."""
    weeks = []
    start = quarter.first_day
    while start <= quarter.last_day:
        end = min(start + timedelta(days=6 - start.weekday()), quarter.last_day)
        weeks.append(
            Week(starts_on=start, ends_on=end, ends_at=_midnight(end + timedelta(days=1), timezone))
        )
        start = end + timedelta(days=1)
    return weeks


@dataclass(frozen=True)
class BranchRank:
    branch_id: int
    name: str
    rank: int
    members: int
    completed: int
    passed: int
    average: Decimal | None
    studied: int

    @property
    def completion(self) -> Decimal | None:
        return _percent(self.completed, self.members)

    @property
    def pass_rate(self) -> Decimal | None:
        return _percent(self.passed, self.members)

    @property
    def studied_per_member(self) -> Decimal | None:
        return (Decimal(self.studied) / self.members).quantize(PERCENT) if self.members else None


@dataclass(frozen=True)
class Totals:
    branches: int
    members: int
    completed: int
    passed: int
    graded: int
    grade_sum: Decimal
    studied: int

    @property
    def completion(self) -> Decimal | None:
        return _percent(self.completed, self.members)

    @property
    def pass_rate(self) -> Decimal | None:
        return _percent(self.passed, self.members)

    @property
    def average(self) -> Decimal | None:
        return (self.grade_sum / self.graded).quantize(PERCENT) if self.graded else None

    @property
    def studied_per_member(self) -> Decimal | None:
        return (Decimal(self.studied) / self.members).quantize(PERCENT) if self.members else None


NO_TOTALS = Totals(0, 0, 0, 0, 0, Decimal(0), 0)


@dataclass(frozen=True)
class UnitDashboard:
    plan: StudyPlan
    ranks: list[BranchRank]
    totals: Totals
    weeks: list[Week]
    trend: list[Decimal | None]  # completion (%) at the end of each week; None: not yet
    week_since: date
    week_until: date
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def week_around(today: date) -> tuple[date, date]:
    """This week's Monday and ``today``."""
    return today - timedelta(days=today.weekday()), today


def unit_dashboard(
    session: Session,
    plan: StudyPlan,
    unit: OrgUnit,
    *,
    timezone: str,
    today: date,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> UnitDashboard:
    """Every branch under ``unit`` given the plan, ranked, one page of them, with the totals
    and the completion trend over the plan's quarter — one statement (two when ``page`` is
    past the last), after the plan's test and the paths of its target units."""
    weeks = weeks_of(Quarter(plan.year, plan.quarter), timezone)
    since, until = week_around(today)
    page = max(1, page)
    quiz = session.get(Quiz, plan.quiz_id) if plan.quiz_id is not None else None
    targets = list(session.scalars(plan_queries.target_paths(plan.id)))

    def fetch(number: int) -> list[Any]:
        return list(
            session.execute(
                queries.branch_ranking(
                    plan,
                    unit.path,
                    quiz=quiz,
                    targets=targets,
                    week_ends=[w.ends_at for w in weeks],
                    since=since,
                    until=until,
                    limit=per_page,
                    offset=(number - 1) * per_page,
                )
            )
        )

    rows = fetch(page)
    if not rows and page > 1:
        page = 1
        rows = fetch(page)
    if rows:
        first = rows[0]
        totals = Totals(
            branches=first.branches,
            members=int(first.all_members),
            completed=int(first.all_completed),
            passed=int(first.all_passed),
            graded=int(first.all_graded),
            grade_sum=Decimal(str(first.all_grade_sum or 0)),
            studied=int(first.all_studied),
        )
        pages = _pages(totals.branches, per_page)
        if page > pages:  # a page past the end only happens with no rows, handled above
            page = pages
    else:
        totals, pages = NO_TOTALS, 1
    trend: list[Decimal | None] = []
    for i, week in enumerate(weeks):
        if week.starts_on > today or not rows:
            trend.append(None)
        else:
            trend.append(_percent(getattr(rows[0], f"all_completed_{i}"), totals.members))
    return UnitDashboard(
        plan=plan,
        ranks=[
            BranchRank(
                branch_id=r.branch_id,
                name=r.name,
                rank=r.rank,
                members=r.members,
                completed=r.completed,
                passed=r.passed,
                average=_decimal(r.average),
                studied=r.studied,
            )
            for r in rows
        ],
        totals=totals,
        weeks=weeks,
        trend=trend,
        week_since=since,
        week_until=until,
        page=page,
        pages=pages,
    )
