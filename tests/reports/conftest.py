"""A committee with two branches and a quarter of study, for the score tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from studyhub.org.models import Member, OrgUnit, Role
from studyhub.plans.models import StudyPlan
from studyhub.quizzes.models import Quiz
from studyhub.readings.models import Reading
from tests.reports import helpers


@dataclass
class Quarter4:
    """Q4 2026 of a committee: branch A (a1, a2, secretary) under a plan with a test,
    branch B (b1, secretary) without one; three readings of the day in October."""

    committee: OrgUnit
    branch_a: OrgUnit
    branch_b: OrgUnit
    staff: Member
    secretary_a: Member
    secretary_b: Member
    a1: Member
    a2: Member
    b1: Member
    dailies: list[Reading]
    materials: list[Reading]
    test: Quiz
    daily: Quiz
    plan: StudyPlan


@pytest.fixture
def q4(session, make) -> Quarter4:
    committee = make.committee("季度党委")
    branch_a = make.branch(committee, "第一支部")
    branch_b = make.branch(committee, "第二支部")
    staff = make.member(branch_a, name="组织员", role=Role.STAFF, role_unit=committee)
    secretary_a = make.member(branch_a, name="甲书记", role=Role.SECRETARY)
    secretary_b = make.member(branch_b, name="乙书记", role=Role.SECRETARY)
    a1 = make.member(branch_a, name="张一")
    a2 = make.member(branch_a, name="张二")
    b1 = make.member(branch_b, name="李一")
    session.flush()
    dailies = helpers.dailies(session, committee, date(2026, 10, 1), 3)
    helpers.dailies(session, committee, date(2026, 9, 30), 1)  # Q3
    helpers.dailies(session, committee, date(2027, 1, 1), 1)  # Q1 of 2027
    materials = [helpers.reading(session, committee), helpers.reading(session, committee)]
    test = helpers.exam(session, committee)
    daily = helpers.daily_quiz(session, committee)
    plan = helpers.plan(session, committee, targets=[branch_a], materials=materials, quiz=test)
    return Quarter4(
        committee=committee,
        branch_a=branch_a,
        branch_b=branch_b,
        staff=staff,
        secretary_a=secretary_a,
        secretary_b=secretary_b,
        a1=a1,
        a2=a2,
        b1=b1,
        dailies=dailies,
        materials=materials,
        test=test,
        daily=daily,
        plan=plan,
    )


def at(*args: int) -> datetime:
    """A UTC instant."""
    return datetime(*args, tzinfo=UTC)
