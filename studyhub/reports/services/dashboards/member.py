"""A member's quarter: their readings, attempts and points, for the dashboards' member page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from studyhub.org.models import Member, OrgUnit
from studyhub.plans.services import progress
from studyhub.quizzes.models import Attempt, Quiz
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.reports import queries
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.dashboards.plan_choice import HISTORY_LIMIT

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
