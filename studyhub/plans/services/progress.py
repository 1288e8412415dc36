"""Who may see a plan, and members' progress through plans as the pages show it.

The numbers come from :mod:`studyhub.plans.queries` (one statement each);
here they become small frozen objects with the questions pages ask of them:
is it overdue, what should the member do next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.org.access import Grants, can_manage_unit
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans import queries
from studyhub.plans.models import StudyPlan
from studyhub.quizzes.models import Quiz
from studyhub.readings.services.library import ReadingStatus, reading_status

PERCENT_PLACES = Decimal("0.01")

NEXT_READING = "reading"
NEXT_TEST = "test"


def _moment(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _percent(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(PERCENT_PLACES)


def _day(value: Any) -> date:
    """A date column; SQLite may hand back text from an untyped expression."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Progress:
    """One member's progress through one plan (a row of ``queries.member_progress``)."""

    plan_id: int
    member_id: int
    user_id: int
    name: str
    branch_id: int
    materials_total: int
    materials_studied: int
    attempts_submitted: int
    attempts_open: int
    best_percent: Decimal | None
    is_passed: bool
    test_status: str
    is_complete: bool
    completed_at: datetime | None
    last_activity_at: datetime | None
    due_on: date
    last_reminded_at: datetime | None

    def is_overdue(self, today: date) -> bool:
        return not self.is_complete and today > self.due_on

    @property
    def has_materials_left(self) -> bool:
        return self.materials_studied < self.materials_total


def progress_of(row: Row[Any] | Any) -> Progress:
    m = row._mapping
    return Progress(
        plan_id=m["plan_id"],
        member_id=m["member_id"],
        user_id=m["user_id"],
        name=m["name"],
        branch_id=m["branch_id"],
        materials_total=int(m["materials_total"]),
        materials_studied=int(m["materials_studied"]),
        attempts_submitted=int(m["attempts_submitted"]),
        attempts_open=int(m["attempts_open"]),
        best_percent=_percent(m["best_percent"]),
        is_passed=bool(m["is_passed"]),
        test_status=m["test_status"],
        is_complete=bool(m["is_complete"]),
        completed_at=_moment(m["completed_at"]),
        last_activity_at=_moment(m["last_activity_at"]),
        due_on=_day(m["due_on"]),
        last_reminded_at=_moment(m["last_reminded_at"]),
    )


def member_rows(session: Session, plan: StudyPlan, path: str) -> list[Progress]:
    """Every targeted active member under ``path`` with their progress, by name (one query)."""
    return [progress_of(r) for r in session.execute(queries.member_progress(plan, path))]


@dataclass(frozen=True)
class BranchRow:
    branch_id: int
    name: str
    members: int
    completed: int
    passed: int
    average: Decimal | None

    @property
    def completion_rate(self) -> float:
        return self.completed / self.members if self.members else 0.0


def branch_rows(session: Session, plan: StudyPlan, path: str) -> list[BranchRow]:
    """Per branch under ``path``: members, completed, passed, average grade (one query)."""
    return [
        BranchRow(
            branch_id=r.branch_id,
            name=r.name,
            members=r.members,
            completed=r.completed,
            passed=r.passed,
            average=_percent(r.average),
        )
        for r in session.execute(queries.branch_summary(plan, path))
    ]


@dataclass(frozen=True)
class MyPlan:
    """A plan as its member sees it in lists: progress, the due date, the next step."""

    plan_id: int
    title: str
    starts_on: date
    next_reading_id: int | None
    progress: Progress
    today: date

    @property
    def is_overdue(self) -> bool:
        return self.progress.is_overdue(self.today)

    @property
    def has_started(self) -> bool:
        return self.starts_on <= self.today

    @property
    def next_step(self) -> str | None:
        """The first material not studied yet, else the test (until passed)."""
        if self.next_reading_id is not None:
            return NEXT_READING
        if self.progress.test_status not in (queries.TEST_NONE, queries.TEST_PASSED):
            return NEXT_TEST
        return None


def _my_plan(row: Row[Any], today: date) -> MyPlan:
    return MyPlan(
        plan_id=row.plan_id,
        title=row.title,
        starts_on=_day(row.starts_on),
        next_reading_id=row.next_reading_id,
        progress=progress_of(row),
        today=today,
    )


def my_plans(session: Session, user_id: int, *, today: date) -> list[MyPlan]:
    """The member's published plans, by due date (one query)."""
    return [_my_plan(r, today) for r in session.execute(queries.my_plans(user_id))]


def todo(session: Session, user_id: int, *, today: date) -> list[MyPlan]:
    """The member's started, unfinished plans, by due date: the home page's "To do"."""
    rows = session.execute(queries.my_todo(), {"user_id": user_id, "due_by": today})
    return [_my_plan(r, today) for r in rows]


def my_plan(session: Session, plan: StudyPlan, user_id: int, *, today: date) -> MyPlan | None:
    """The member's progress through one published plan, or None if it is not theirs."""
    row = session.execute(queries.my_plans(user_id).where(StudyPlan.id == plan.id)).first()
    return _my_plan(row, today) if row is not None else None


@dataclass(frozen=True)
class Material:
    position: int
    reading_id: int
    title: str
    min_seconds: int  # the reading time shown: the study_time filter
    status: ReadingStatus
    is_studied: bool

    @property
    def is_visible(self) -> bool:
        return self.status == ReadingStatus.PUBLISHED


def materials(
    session: Session, plan: StudyPlan, *, user_id: int | None, now: datetime
) -> list[Material]:
    """The plan's materials in order, with whether ``user_id`` studied each (one query)."""
    return [
        Material(
            position=position,
            reading_id=reading.id,
            title=reading.title,
            min_seconds=reading.min_seconds,
            status=reading_status(reading, now),
            is_studied=studied_at is not None,
        )
        for position, reading, studied_at in session.execute(
            queries.plan_materials(plan.id, user_id)
        )
    ]


def quiz_of(session: Session, plan: StudyPlan) -> Quiz | None:
    return session.get(Quiz, plan.quiz_id) if plan.quiz_id is not None else None


# Who may see a plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanAccess:
    """What the viewer is to a plan: its manager, one of its members, a leader of its branches."""

    can_manage: bool
    is_member: bool
    led_paths: tuple[str, ...]  # the viewer's led units that overlap the plan's targets

    @property
    def can_view(self) -> bool:
        return self.can_manage or self.is_member or bool(self.led_paths)

    @property
    def can_share(self) -> bool:
        return self.can_manage or bool(self.led_paths)

    def can_share_branch(self, branch: OrgUnit) -> bool:
        return self.can_manage or any(branch.path.startswith(p) for p in self.led_paths)


def plan_access(
    grants: Grants, plan: StudyPlan, committee: OrgUnit, target_paths: list[str]
) -> PlanAccess:
    """Staff of the committee manage (drafts too); a published plan is also seen by the
    members it is for and by the leaders of the branches it is given to."""
    can_manage = can_manage_unit(grants, committee)
    if plan.published_at is None:
        return PlanAccess(can_manage=can_manage, is_member=False, led_paths=())
    member_path = grants.member_path
    is_member = member_path is not None and any(member_path.startswith(t) for t in target_paths)
    led = tuple(
        s.path
        for s in grants.led_units
        if any(s.path.startswith(t) or t.startswith(s.path) for t in target_paths)
    )
    return PlanAccess(can_manage=can_manage, is_member=is_member, led_paths=led)


def shared_branches(session: Session, plan: StudyPlan, access: PlanAccess) -> list[OrgUnit]:
    """The branches the viewer may hand out the plan's link and poster for, in tree order."""
    stmt = select(OrgUnit).where(
        OrgUnit.committee_id == plan.committee_id,
        OrgUnit.kind == UnitKind.BRANCH,
        OrgUnit.is_active.is_(True),
        queries.is_targeted(plan.id, OrgUnit.path),
    )
    branches = list(session.scalars(stmt.order_by(OrgUnit.path)))
    return [b for b in branches if access.can_share_branch(b)]
