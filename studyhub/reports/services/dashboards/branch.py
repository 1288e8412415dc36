"""A branch's members through a plan: the filtered, paged table, its counts, and reminding
the members who have not finished."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.core.errors import InvalidInput
from studyhub.org.models import OrgUnit
from studyhub.plans.models import StudyPlan
from studyhub.plans.services import progress, reminders
from studyhub.reports import queries
from studyhub.reports.services.dashboards.plan_choice import PER_PAGE, _pages, _percent

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
        reminders.post_to_group(session, plan, branch.id, len(chosen), day=day, now=now)
    return Reminding(asked=len(chosen), reminded=done.reminded)


def _timezone_of(session: Session, branch: OrgUnit) -> str:
    committee = session.get(OrgUnit, branch.committee_id or branch.id)
    return committee.timezone if committee is not None else "Asia/Shanghai"
