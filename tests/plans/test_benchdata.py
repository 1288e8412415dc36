"""The plans step of ``studyhub gen-data``: a quarter of readings, receipts and a plan."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from studyhub import gendata
from studyhub.accounts.services import hash_password
from studyhub.core.clock import local_date
from studyhub.plans import benchdata
from studyhub.plans.models import PlanMaterial, StudyPlan
from studyhub.plans.services import progress
from studyhub.quizzes.models import Quiz
from studyhub.readings.models import Reading, ReadReceipt
from tests.conftest import NOW


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_quarter_days():
    days = benchdata.quarter_days(date(2026, 11, 20))
    assert (days[0], days[-1], len(days)) == (date(2026, 10, 1), date(2026, 11, 20), 51)
    assert benchdata.quarter_days(date(2027, 1, 1)) == [date(2027, 1, 1)]


def test_gen_data_makes_a_quarter_of_receipts_and_a_plan_with_the_latest_exam(app, session):
    password_hash = hash_password(gendata.PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])

    def generate(**extra):
        return gendata.generate(
            session,
            members=300,
            branches=5,
            seed=8,
            now=NOW,
            password_hash=password_hash,
            attempts=300,
            **extra,
        )

    gen = generate()
    committee = gen.committee
    plan = session.scalars(select(StudyPlan).where(StudyPlan.committee_id == committee.id)).one()
    latest_exam = session.scalars(
        select(Quiz.id).where(Quiz.committee_id == committee.id).order_by(Quiz.closes_at.desc())
    ).first()

    assert plan.title == "2026年第四季度主题学习" and plan.published_at is not None
    assert plan.quiz_id == latest_exam
    assert count(session, PlanMaterial, PlanMaterial.plan_id == plan.id) == benchdata.MATERIALS
    days = benchdata.quarter_days(local_date(NOW, committee.timezone))
    assert count(
        session, Reading, Reading.committee_id == committee.id, Reading.daily_on.is_not(None)
    ) == len(days)
    readings = select(Reading.id).where(Reading.committee_id == committee.id)
    receipts = count(session, ReadReceipt, ReadReceipt.reading_id.in_(readings))
    assert 300 * len(days) * 0.3 < receipts < 300 * len(days) * 0.7
    assert count(session, ReadReceipt, ReadReceipt.studied_at > NOW) == 0

    rows = progress.member_rows(session, plan, committee.path)
    assert len(rows) == 300
    assert {r.materials_studied for r in rows} == set(range(benchdata.MATERIALS + 1))
    assert 0 < sum(r.is_complete for r in rows) < 300
    summary = progress.branch_rows(session, plan, committee.path)
    assert len({r.completion_rate for r in summary}) > 1

    generate(replace=True)  # --replace clears the step's rows first
    assert count(session, StudyPlan) == 1
    assert count(session, Reading) == len(days) + benchdata.MATERIALS
