"""Builders for the score tests: readings, receipts, plans, attempts and meetings as rows.

The rows are made directly (the other domains' pages and services are tested
where they live); each builder makes exactly what a figure counts.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingState,
)
from studyhub.org.models import Member, OrgUnit
from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
from studyhub.quizzes.models import Attempt, AttemptState, Quiz, QuizMode
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.reports.quarters import Quarter

# Q4 2026 in Beijing; the tests' "now" is after it, so the quarter is complete.
Q4 = Quarter(2026, 4)
AFTER_Q4 = datetime(2027, 1, 10, 4, 0, tzinfo=UTC)
IN_Q4 = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)

_serial = itertools.count(1)


def reading(
    session: Session,
    committee: OrgUnit,
    *,
    daily_on: date | None = None,
    published_at: datetime | None = None,
    title: str | None = None,
) -> Reading:
    at = published_at or datetime(2026, 9, 1, tzinfo=UTC)
    found = Reading(
        committee_id=committee.id,
        title=title or f"材料{next(_serial)}",
        daily_on=daily_on,
        published_at=at,
        created_at=at,
        updated_at=at,
    )
    session.add(found)
    session.flush()
    return found


def dailies(session: Session, committee: OrgUnit, first: date, count: int) -> list[Reading]:
    """Readings of the day for ``count`` days from ``first``, each visible from its day."""
    out = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        out.append(
            reading(
                session,
                committee,
                daily_on=day,
                published_at=datetime(day.year, day.month, day.day, tzinfo=UTC)
                - timedelta(hours=8),
            )
        )
    return out


def study(session: Session, member: Member, found: Reading, at: datetime) -> ReadReceipt:
    receipt = ReadReceipt(
        reading_id=found.id,
        user_id=member.user_id,
        opened_at=at - timedelta(minutes=5),
        last_seen_at=at,
        seconds_spent=300,
        reached_end=True,
        studied_at=at,
        studied_on=at.date(),
    )
    session.add(receipt)
    session.flush()
    return receipt


def exam(session: Session, committee: OrgUnit, title: str = "季度测试") -> Quiz:
    quiz = Quiz(
        committee_id=committee.id,
        title=title,
        mode=QuizMode.EXAM,
        pass_percent=Decimal(60),
        created_at=IN_Q4,
        updated_at=IN_Q4,
    )
    session.add(quiz)
    session.flush()
    return quiz


def daily_quiz(session: Session, committee: OrgUnit) -> Quiz:
    quiz = Quiz(
        committee_id=committee.id,
        title="每日答题",
        mode=QuizMode.DAILY,
        created_at=IN_Q4,
        updated_at=IN_Q4,
    )
    session.add(quiz)
    session.flush()
    return quiz


def plan(
    session: Session,
    committee: OrgUnit,
    *,
    targets: list[OrgUnit],
    materials: list[Reading] = (),  # type: ignore[assignment]
    quiz: Quiz | None = None,
    due_on: date = date(2026, 12, 20),
    published: bool = True,
) -> StudyPlan:
    quarter = Quarter.of(due_on)
    found = StudyPlan(
        committee_id=committee.id,
        title=f"{quarter.year}年第{quarter.number}季度主题学习",
        year=quarter.year,
        quarter=quarter.number,
        quiz_id=quiz.id if quiz else None,
        starts_on=quarter.first_day,
        due_on=due_on,
        published_at=IN_Q4 - timedelta(days=30) if published else None,
        created_at=IN_Q4 - timedelta(days=40),
        updated_at=IN_Q4 - timedelta(days=40),
    )
    session.add(found)
    session.flush()
    for position, material in enumerate(materials, start=1):
        session.add(PlanMaterial(plan_id=found.id, reading_id=material.id, position=position))
    for unit in targets:
        session.add(PlanTarget(plan_id=found.id, unit_id=unit.id))
    session.flush()
    return found


def attempt(
    session: Session,
    member: Member,
    quiz: Quiz,
    *,
    percent: int | Decimal | None,
    at: datetime,
    daily_on: date | None = None,
    submitted: bool = True,
) -> Attempt:
    number = (
        session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == member.user_id
            )
        )
        or 0
    ) + 1
    found = Attempt(
        quiz_id=quiz.id,
        user_id=member.user_id,
        number=number,
        daily_on=daily_on,
        state=AttemptState.SUBMITTED if submitted else AttemptState.IN_PROGRESS,
        seed=1,
        started_at=at - timedelta(minutes=10),
        submitted_at=at if submitted else None,
        score=Decimal(percent) if percent is not None else None,
        max_score=Decimal(100),
        percent=Decimal(percent) if percent is not None else None,
        is_passed=(Decimal(percent) >= 60) if percent is not None and submitted else None,
    )
    session.add(found)
    session.flush()
    return found


def meeting(
    session: Session,
    branch: OrgUnit,
    *,
    at: datetime,
    attendance: dict[Member, AttendanceStatus],
    kind: MeetingKind = MeetingKind.GENERAL_MEETING,
    state: MeetingState = MeetingState.HELD,
) -> Meeting:
    found = Meeting(
        committee_id=branch.committee_id,
        branch_id=branch.id,
        kind=kind,
        state=state,
        title="支部党员大会",
        planned_at=at,
        started_at=at,
        created_at=at - timedelta(days=7),
        updated_at=at,
    )
    session.add(found)
    session.flush()
    for member, status in attendance.items():
        session.add(Attendance(meeting_id=found.id, user_id=member.user_id, status=status))
    session.flush()
    return found
