"""The plans step of ``studyhub gen-data``: a quarter of readings, receipts and a plan."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from studyhub.accounts.models import User
from studyhub.accounts.services import hash_password
from studyhub.benchdata import ahead, generation
from studyhub.benchdata import plans as benchdata
from studyhub.benchdata import run as generator
from studyhub.core.clock import local_date
from studyhub.org.models import Member
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
    password_hash = hash_password(generation.PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])

    def generate(**extra):
        return generator.generate(
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
        select(Quiz.id)
        .where(Quiz.committee_id == committee.id, Quiz.closes_at <= NOW)
        .order_by(Quiz.closes_at.desc())
    ).first()

    assert plan.title == "2026年第四季度主题学习" and plan.published_at is not None
    assert plan.quiz_id == latest_exam
    assert count(session, PlanMaterial, PlanMaterial.plan_id == plan.id) == benchdata.MATERIALS
    days = benchdata.quarter_days(local_date(NOW, committee.timezone))
    assert (
        count(session, Reading, Reading.committee_id == committee.id, Reading.daily_on.is_not(None))
        == len(days) + ahead.DAYS_AHEAD
    )
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
    assert count(session, Reading) == len(days) + ahead.DAYS_AHEAD + benchdata.MATERIALS


def receipts_of(session, committee) -> list[tuple]:
    """Every receipt of the committee, by what does not depend on row ids."""
    return list(
        session.execute(
            select(
                User.phone,
                Reading.title,
                ReadReceipt.opened_at,
                ReadReceipt.studied_at,
                ReadReceipt.studied_on,
                ReadReceipt.seconds_spent,
                ReadReceipt.reached_end,
            )
            .join(Reading, Reading.id == ReadReceipt.reading_id)
            .join(User, User.id == ReadReceipt.user_id)
            .where(Reading.committee_id == committee.id)
            .order_by(User.phone, Reading.title)
        )
    )


def test_receipts_are_realistic_and_the_same_for_the_same_seed(app, session):
    password_hash = hash_password(generation.PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])

    def generate():
        return generator.generate(
            session, members=400, branches=4, seed=12, now=NOW, password_hash=password_hash
        )

    first_run = session.begin_nested()
    first = receipts_of(session, generate().committee)
    first_run.rollback()
    gen = generate()
    assert receipts_of(session, gen.committee) == first

    zone = ZoneInfo(gen.committee.timezone)
    for _phone, title, opened_at, studied_at, studied_on, seconds, reached_end in first:
        studied_at = studied_at.replace(tzinfo=studied_at.tzinfo or UTC)
        opened_at = opened_at.replace(tzinfo=opened_at.tzinfo or UTC)
        assert opened_at == studied_at - timedelta(seconds=seconds) and reached_end
        local = studied_at.astimezone(zone)
        assert local.date() == studied_on and 7 <= local.hour <= 22
        assert studied_at < NOW
        if title.startswith("每日一读"):
            assert title.endswith(studied_on.isoformat())  # read on its own day

    # Engagement is each member's own: some study nearly every day, some hardly ever.
    days = len(benchdata.quarter_days(local_date(NOW, gen.committee.timezone)))
    daily = Counter(phone for phone, title, *_ in first if title.startswith("每日一读"))
    shares = [daily[phone] / days for phone in {row[0] for row in people(session, gen)}]
    assert min(shares) < 0.1 and max(shares) > 0.85
    assert 0.4 < sum(shares) / len(shares) < 0.55

    # Materials are studied in order, each on a later day or the same one.
    materials: dict[str, list[tuple[str, date]]] = {}
    for phone, title, _o, _s, studied_on, *_ in first:
        if not title.startswith("每日一读"):
            materials.setdefault(phone, []).append((title, studied_on))
    for studied in materials.values():
        titles = [title for title, _day in studied]
        assert titles == [f"主题学习材料{n}" for n in range(1, len(studied) + 1)]
        assert [day for _t, day in studied] == sorted(day for _t, day in studied)
    reached = Counter(len(studied) for studied in materials.values())
    assert set(reached) == set(range(1, benchdata.MATERIALS + 1))
    assert reached[1] > reached[3]  # fewer go on to each next material


def people(session, gen) -> list[tuple[str]]:
    return list(
        session.execute(
            select(User.phone)
            .join(Member, Member.user_id == User.id)
            .where(Member.committee_id == gen.committee.id)
        )
    )
