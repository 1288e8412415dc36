"""Dashboards: a branch's members through a plan, and every branch of a unit ranked (比学习).

The numbers are SQL aggregates (:mod:`studyhub.reports.queries`, built on the plans'
``member_progress``); a page runs the same few statements whatever the number of
members or branches, and only its own rows come back to Python. Reminders go through
the plans' ``remind_members`` (at most one a day per member and plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.core.errors import InvalidInput, NotFound
from studyhub.notify import services as notify
from studyhub.org.models import Member, OrgUnit
from studyhub.plans import queries as plan_queries
from studyhub.plans.models import StudyPlan
from studyhub.plans.services import progress, reminders
from studyhub.quizzes.models import Attempt, Quiz
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.reports import queries
from studyhub.reports.quarters import Quarter

PER_PAGE = 100
HISTORY_LIMIT = 300
PERCENT = Decimal("0.1")


def _percent(part: Any, whole: Any) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal place; None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(PERCENT)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(PERCENT)


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


# Which plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChoice:
    """The quarter's plans given to a unit, and the one shown (None when there is none)."""

    quarter: Quarter
    plans: list[StudyPlan]
    plan: StudyPlan | None


def choose_plan(
    session: Session,
    committee: OrgUnit,
    unit: OrgUnit,
    *,
    quarter: Quarter,
    today: date,
    plan_id: int | None = None,
) -> PlanChoice:
    """The plan a dashboard of ``unit`` shows.

    With ``plan_id``: that plan (its own quarter), which must be a published plan of the
    committee given to (part of) the unit, else NotFound. Without: the quarter's first plan
    still running on ``today``, else its last one.
    """
    if plan_id is not None:
        chosen = session.get(StudyPlan, plan_id)
        if chosen is None or chosen.committee_id != committee.id:
            raise NotFound(_l("There is no such study plan."))
        quarter = Quarter(chosen.year, chosen.quarter)
    plans = list(session.scalars(queries.quarter_plans(committee.id, quarter, unit.path)))
    if plan_id is not None:
        plan = next((p for p in plans if p.id == plan_id), None)
        if plan is None:
            raise NotFound(_l("There is no such study plan."))
    else:
        plan = next((p for p in plans if p.due_on >= today), plans[-1] if plans else None)
    return PlanChoice(quarter=quarter, plans=plans, plan=plan)


# A branch's members ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A member's line in the branch table: their progress and dashboard status."""

    progress: progress.Progress
    status: str

    def reminded_on(self, timezone: str) -> date | None:
        """The local day of the last reminder about the plan, if any."""
        at = self.progress.last_reminded_at
        return local_date(at, timezone) if at is not None else None

    def can_remind(self, today: date, timezone: str) -> bool:
        return self.status != queries.DONE and self.reminded_on(timezone) != today


@dataclass(frozen=True)
class Counts:
    """How many members of each status (the filter chips and the summary)."""

    by_status: dict[str, int]

    def __getitem__(self, status: str) -> int:
        return self.by_status.get(status, 0)

    @property
    def members(self) -> int:
        return sum(self.by_status.values())

    @property
    def done(self) -> int:
        return self[queries.DONE]

    @property
    def not_done(self) -> int:
        return self.members - self.done

    @property
    def completion(self) -> Decimal | None:
        return _percent(self.done, self.members)


@dataclass(frozen=True)
class BranchDashboard:
    plan: StudyPlan
    counts: Counts
    rows: list[Row]
    status: str | None
    page: int
    pages: int

    @property
    def total(self) -> int:
        """Members listed under the current filter (over every page)."""
        return self.counts[self.status] if self.status else self.counts.members

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def counts_of(session: Session, plan: StudyPlan, path: str) -> Counts:
    """Members by status under ``path`` (one statement)."""
    return Counts(
        dict(
            (status, n)
            for status, n in session.execute(
                queries.dashboard_counts(), queries.dashboard_params(plan, path)
            )
        )
    )


def branch_dashboard(
    session: Session,
    plan: StudyPlan,
    branch: OrgUnit,
    *,
    status: str | None = None,
    page: int = 1,
    per_page: int | None = PER_PAGE,
) -> BranchDashboard:
    """The branch's members through the plan, who needs a nudge first (two statements).

    ``status`` keeps one kind (``queries.STATUSES``); ``per_page=None`` lists everyone
    (the printed page).
    """
    if status is not None and status not in queries.STATUSES:
        raise InvalidInput(_l("Unknown filter."))
    counts = counts_of(session, plan, branch.path)
    total = counts[status] if status else counts.members
    stmt = queries.dashboard_rows(status, paged=per_page is not None)
    params = queries.dashboard_params(plan, branch.path)
    pages = 1
    if per_page is not None:
        pages = _pages(total, per_page)
        page = max(1, min(page, pages))
        params.update(limit=per_page, offset=(page - 1) * per_page)
    else:
        page = 1
    rows = [
        Row(progress=progress.progress_of(r), status=r.status)
        for r in (session.execute(stmt, params) if total else [])
    ]
    return BranchDashboard(
        plan=plan, counts=counts, rows=rows, status=status, page=page, pages=pages
    )


@dataclass(frozen=True)
class Reminding:
    """What a click on "remind" did: members asked about, and those reminded now (the
    others had been reminded about the plan today already)."""

    asked: int
    reminded: list[int]

    @property
    def skipped(self) -> int:
        return self.asked - len(self.reminded)


def remind(
    session: Session,
    plan: StudyPlan,
    branch: OrgUnit,
    *,
    user_ids: list[int] | None,
    by_user_id: int,
    now: datetime,
    email: bool,
) -> Reminding:
    """Remind members of the branch who have not completed the plan: ``user_ids`` of them,
    or (None) all of them. Members already reminded today are skipped by the plans' rule."""
    unfinished = queries.unfinished_members(plan, branch.path)
    if user_ids is not None:
        unfinished = unfinished.where(unfinished.selected_columns.user_id.in_(user_ids))
    chosen = list(session.scalars(unfinished))
    if not chosen:
        if user_ids is not None:
            raise InvalidInput(_l("This member has completed the plan or is not in the branch."))
        raise InvalidInput(_l("Everyone in the branch has completed the plan."))
    done = reminders.remind_members(
        session, plan, chosen, by_user_id=by_user_id, now=now, path=branch.path, email=email
    )
    if user_ids is None:
        # Everyone not done: one line to the branch's group robots too (once a day).
        day = local_date(now, _timezone_of(session, branch))
        with force_locale("zh"):
            text = ngettext(
                "%(num)d member has not finished the study plan “%(title)s” yet.",
                "%(num)d members have not finished the study plan “%(title)s” yet.",
                len(chosen),
                title=plan.title,
            )
        notify.post_to_branch(
            session,
            branch.id,
            text=text,
            link=f"/plans/{plan.id}",
            dedupe_key=f"plan:{plan.id}:{day.isoformat()}",
            now=now,
        )
    return Reminding(asked=len(chosen), reminded=done.reminded)


def _timezone_of(session: Session, branch: OrgUnit) -> str:
    committee = session.get(OrgUnit, branch.committee_id or branch.id)
    return committee.timezone if committee is not None else "Asia/Shanghai"


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


# A member's quarter ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PointsLine:
    kind: str
    points: int
    entries: int


@dataclass(frozen=True)
class MemberHistory:
    quarter: Quarter
    plans: list[progress.MyPlan]
    receipts: list[tuple[Reading, ReadReceipt]]
    attempts: list[tuple[Attempt, Quiz]]
    points: list[PointsLine]

    @property
    def total_points(self) -> int:
        return sum(p.points for p in self.points)

    @property
    def studied(self) -> int:
        return sum(1 for _, r in self.receipts if r.studied_at is not None)


def member_history(
    session: Session, member: Member, committee: OrgUnit, quarter: Quarter, *, today: date
) -> MemberHistory:
    """The member's plans of the quarter, readings opened, attempts and points (four
    statements)."""
    since = quarter.starts_at(committee.timezone)
    until = quarter.ends_at(committee.timezone)
    plans = [
        p
        for p in progress.my_plans(session, member.user_id, today=today)
        if quarter.contains(p.progress.due_on) or quarter.contains(p.starts_on)
    ]
    receipts = [
        (reading, receipt)
        for reading, receipt in session.execute(
            queries.member_receipts(member.user_id, since, until).limit(HISTORY_LIMIT)
        )
    ]
    attempts = [
        (attempt, quiz)
        for attempt, quiz in session.execute(
            queries.member_attempts(member.user_id, since, until).limit(HISTORY_LIMIT)
        )
    ]
    points = [
        PointsLine(kind=kind, points=int(total), entries=int(entries))
        for kind, total, entries in session.execute(
            queries.member_points(member.user_id, quarter.first_day, quarter.last_day)
        )
    ]
    return MemberHistory(
        quarter=quarter, plans=plans, receipts=receipts, attempts=attempts, points=points
    )
