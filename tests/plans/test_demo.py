"""The demo's study plan: this quarter's, published, with progress spread over the branches."""

from __future__ import annotations

from sqlalchemy import select

from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PLAN_MATERIALS, load_demo
from studyhub.org.models import OrgUnit
from studyhub.plans import queries
from studyhub.plans.models import StudyPlan
from studyhub.plans.services import plans, progress


def test_the_demo_has_this_quarters_plan_with_a_spread_of_progress(app, session):
    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
    today = clock.local_date(clock.now_utc(), committee.timezone)
    year, quarter = plans.quarter_of(today)

    plan = session.scalars(select(StudyPlan).where(StudyPlan.committee_id == committee.id)).one()

    assert plan.title == plans.default_title(year, quarter)
    assert (plan.year, plan.quarter) == (year, quarter)
    assert plan.published_at is not None and plan.quiz_id is not None
    assert plan.starts_on < today < plan.due_on
    titles = [m.title for m in progress.materials(session, plan, user_id=None, now=clock.now_utc())]
    assert titles == list(DEMO_PLAN_MATERIALS)
    summary = progress.branch_rows(session, plan, committee.path)
    assert len(summary) == 3
    assert all(0 < row.completed < row.members for row in summary)
    assert len({round(row.completion_rate, 2) for row in summary}) == 3
    rows = progress.member_rows(session, plan, committee.path)
    statuses = {r.test_status for r in rows}
    assert {queries.TEST_PASSED, queries.TEST_FAILED, queries.TEST_NOT_STARTED} <= statuses
    assert {r.materials_studied for r in rows} == {0, 1, 2, 3}
    by_name = {r.name: r for r in rows}
    assert by_name["梁晓燕"].test_status == queries.TEST_FAILED
    assert by_name["罗红"].materials_studied == 0  # the plan's browser journey starts from zero
