"""The dashboards run as many SQL statements for 500 members in 5 branches as for 10 in 2."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org.models import Member, OrgUnit, Role
from studyhub.plans.models import StudyPlan
from tests.conftest import NOW
from tests.plans.plan_helpers import attempt, make_exam, make_plan, readings, study

# Statements a dashboard page may run: the session's user, grants (2), the unit, its
# committee, the plan and the quarter's plans, the figures (1–2), the inbox count — never
# one per row. Reminding all adds the plans' reminder rows, messages and last reminders.
MOST_STATEMENTS = 11
MOST_TO_REMIND = 15


@dataclass
class Sized:
    committee: OrgUnit
    branch: OrgUnit
    plan: StudyPlan
    staff: Member
    secretary: Member
    member: Member  # in ``branch``


def populate(session, make, *, members: int, branches: int) -> Sized:
    """A committee with ``members`` members spread over ``branches`` branches, a third of them
    studying, a quarter with a submitted attempt."""
    committee = make.committee()
    units = [make.branch(committee) for _ in range(branches)]
    staff = make.member(units[0], role=Role.STAFF, role_unit=committee)
    secretary = make.member(units[0], role=Role.SECRETARY)
    materials = readings(session, committee, 2)
    exam = make_exam(session, committee)
    plan = make_plan(session, committee, materials=materials, quiz=exam)
    last = secretary
    for i in range(members - 2):
        member = make.member(units[i % branches])
        if i % branches == 0:
            last = member
        if i % 3 == 0:
            study(session, member, materials[0])
        if i % 4 == 0:
            attempt(session, exam, member, 40 + i % 60)
    session.flush()
    return Sized(
        committee=committee,
        branch=units[0],
        plan=plan,
        staff=staff,
        secretary=secretary,
        member=last,
    )


def statements(client, count_queries, method: str, url: str, **kwargs) -> int:
    """Statements of one request that starts, as in production, with nothing loaded."""
    db.session.expire_all()
    with count_queries() as found:
        answer = client.open(url, method=method, **kwargs)
    assert answer.status_code in (200, 302), url
    return len(found)


def page_counts(client, login, count_queries, sized: Sized) -> dict[str, int]:
    plan = sized.plan.id
    branch = f"/reports/branches/{sized.branch.id}/dashboard"
    login(sized.secretary.user)
    counts = {
        "branch": statements(client, count_queries, "GET", f"{branch}?plan={plan}"),
        "default plan": statements(client, count_queries, "GET", branch),
        "filtered": statements(client, count_queries, "GET", f"{branch}?status=not_started"),
        "print": statements(client, count_queries, "GET", f"{branch}/print?plan={plan}"),
        "remind all": statements(
            client, count_queries, "POST", f"{branch}/remind", data={"plan_id": plan}
        ),
        "history": statements(
            client, count_queries, "GET", f"/reports/members/{sized.member.id}/history"
        ),
    }
    login(sized.staff.user)
    unit = f"/reports/units/{sized.committee.id}/dashboard"
    counts["ranking"] = statements(client, count_queries, "GET", f"{unit}?plan={plan}")
    counts["ranking default"] = statements(client, count_queries, "GET", unit)
    return counts


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)


def test_statements_do_not_grow_with_members_or_branches(
    client, login, session, make, count_queries, frozen
):
    small = populate(session, make, members=10, branches=2)
    large = populate(session, make, members=500, branches=5)

    few = page_counts(client, login, count_queries, small)
    many = page_counts(client, login, count_queries, large)

    assert few == many
    reminding = few.pop("remind all")
    assert max(few.values()) <= MOST_STATEMENTS, few
    assert reminding <= MOST_TO_REMIND
