"""Builders for the plans tests: readings, an exam, plans, studies and attempts.

Studies go through the readings' tracking service; attempts are written as rows
with their grade (progress reads only the attempts' state, percent and pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhub.org.models import Member, OrgUnit, Role, UnitKind
from studyhub.plans.models import StudyPlan
from studyhub.plans.services import plans
from studyhub.quizzes.models import Attempt, AttemptState, GradingMethod, Quiz, QuizMode
from studyhub.readings.models import Reading
from studyhub.readings.services import tracking
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading

TZ = "Asia/Shanghai"
TODAY = date(2026, 11, 20)  # NOW in Asia/Shanghai


@dataclass
class Org:
    committee: OrgUnit
    general: OrgUnit
    branch: OrgUnit  # under ``general``
    other: OrgUnit  # a second branch under ``general``
    outside: OrgUnit  # a branch straight under the committee, not targeted by default
    staff: Member
    secretary: Member  # secretary of ``branch``
    member: Member  # in ``branch``
    mate: Member  # in ``branch``
    other_member: Member  # in ``other``
    outsider: Member  # in ``outside``


def make_org(make) -> Org:
    committee = make.committee()
    general = make.unit(committee, UnitKind.GENERAL_BRANCH, "机关党总支")
    branch = make.unit(general, UnitKind.BRANCH, "第一党支部")
    other = make.unit(general, UnitKind.BRANCH, "第二党支部")
    outside = make.unit(committee, UnitKind.BRANCH, "离退休党支部")
    return Org(
        committee=committee,
        general=general,
        branch=branch,
        other=other,
        outside=outside,
        staff=make.member(branch, name="工作人员", role=Role.STAFF, role_unit=committee),
        secretary=make.member(branch, name="书记", role=Role.SECRETARY),
        member=make.member(branch, name="党员甲"),
        mate=make.member(branch, name="党员乙"),
        other_member=make.member(other, name="党员丙"),
        outsider=make.member(outside, name="党员丁"),
    )


def readings(session: Session, committee: OrgUnit, n: int = 3) -> list[Reading]:
    return [
        make_reading(session, committee, title=f"学习材料{i}", min_seconds=0)
        for i in range(1, n + 1)
    ]


def make_exam(
    session: Session,
    committee: OrgUnit,
    *,
    pass_percent: int = 60,
    grading: GradingMethod = GradingMethod.HIGHEST,
    published: bool = True,
    title: str = "季度测试",
) -> Quiz:
    quiz = Quiz(
        committee_id=committee.id,
        title=title,
        mode=QuizMode.EXAM,
        grading_method=grading,
        pass_percent=Decimal(pass_percent),
        published_at=NOW - timedelta(days=1) if published else None,
        created_at=NOW - timedelta(days=2),
        updated_at=NOW - timedelta(days=2),
    )
    session.add(quiz)
    session.flush()
    return quiz


def make_plan(
    session: Session,
    committee: OrgUnit,
    *,
    materials: list[Reading] = (),
    quiz: Quiz | None = None,
    targets: list[OrgUnit] | None = None,
    starts_on: date | None = None,
    due_on: date | None = None,
    today: date = TODAY,
    publish: bool = True,
    title: str = "2026年第四季度主题学习",
) -> StudyPlan:
    """A plan that started ten days before ``today`` and is due ten days after it."""
    plan = plans.create_plan(
        session,
        committee,
        plans.PlanFields(
            title=title,
            year=2026,
            quarter=4,
            starts_on=starts_on or today - timedelta(days=10),
            due_on=due_on or today + timedelta(days=10),
            guidance_markdown="**认真学习**",
            quiz_id=quiz.id if quiz else None,
        ),
        by_user_id=None,
        now=NOW - timedelta(days=11),
    )
    for reading in materials:
        plans.add_material(session, plan, reading.id, now=NOW)
    plans.set_targets(session, plan, [u.id for u in (targets or [committee])], now=NOW)
    if publish:
        plans.publish_plan(session, plan, now=NOW - timedelta(days=10))
    return plan


def study(session: Session, member: Member, reading: Reading, when: datetime = NOW) -> None:
    tracking.open_reading(session, reading, user_id=member.user_id, now=when - timedelta(minutes=5))
    tracking.mark_studied(session, reading, user_id=member.user_id, now=when)


def attempt(
    session: Session,
    quiz: Quiz,
    member: Member,
    percent: float | None,
    *,
    at: datetime = NOW,
    number: int | None = None,
) -> Attempt:
    """A submitted attempt with ``percent``, or one in progress when ``percent`` is None."""
    if number is None:
        number = 1 + session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == member.user_id)
        )
    submitted = percent is not None
    row = Attempt(
        quiz_id=quiz.id,
        user_id=member.user_id,
        number=number,
        state=AttemptState.SUBMITTED if submitted else AttemptState.IN_PROGRESS,
        seed=1,
        started_at=at - timedelta(minutes=20),
        submitted_at=at if submitted else None,
        max_score=Decimal(100),
        score=Decimal(str(percent)) if submitted else None,
        percent=Decimal(str(percent)) if submitted else None,
        is_passed=(Decimal(str(percent)) >= quiz.pass_percent) if submitted else None,
    )
    session.add(row)
    session.flush()
    return row
