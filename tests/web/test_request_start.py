"""Statement budgets of the pages every member opens (the login check included), and the
committee-wide "today" kept per process that must still show a change at once.

The budgets are exact: a change that adds a statement to one of these pages fails here
and has to say why by changing the number. They do not grow with the committee's size.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyhub.core import clock
from studyhub.org.models import Role, UnitKind
from studyhub.readings.services import library
from tests.readings.tracking_helpers import make_history, make_reading

TZ = "Asia/Shanghai"

# Statements per page view, the login check (the request's first statement) included.
MEMBER_HOME = 8
READING_PAGE = 4
BRANCH_PAGE = 6


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def today():
    return clock.local_today(TZ)


@pytest.fixture
def org(make):
    committee = make.committee()
    branch = make.unit(committee, UnitKind.BRANCH, "第一支部")
    secretary = make.member(branch, name="书记", role=Role.SECRETARY)
    return {
        "committee": committee,
        "branch": branch,
        "other_branch": make.unit(committee, UnitKind.BRANCH, "第二支部"),
        "member": make.member(branch, name="张伟"),
        "secretary": secretary,
    }


def statements_of(client, session, count_queries, path: str) -> list[str]:
    client.get(path)  # a first view may write (a receipt) or prepare what is kept
    session.expire_all()  # as in production, nothing of the ORM is kept between requests
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return statements


def grow(make, org, n: int = 30) -> None:
    for i in range(n):
        make.member(org["branch"] if i % 2 else org["other_branch"], name=f"党员{i}")


def test_a_page_that_reads_nothing_costs_the_first_statement_alone(
    client, login, session, org, count_queries
):
    """The login check, the member's row, grants and the header's unread count: one
    statement before the page does anything (the help page reads nothing of its own)."""
    login(org["member"].user)
    statements = statements_of(client, session, count_queries, "/help/")
    assert len(statements) == 1, "\n".join(statements)
    assert "login_session" in statements[0] and "FROM message" in statements[0]
    assert "role_assignment" in statements[0] and "member" in statements[0]


def test_member_home_budget(client, login, session, make, org, today, count_queries):
    make_reading(session, org["committee"], daily_on=today)
    make_history(session, month=today.month, day=today.day, year=1921, title="建党")
    login(org["member"].user)
    few = statements_of(client, session, count_queries, "/")
    grow(make, org)
    many = statements_of(client, session, count_queries, "/")
    assert len(many) == len(few) == MEMBER_HOME, "\n".join(many)


def test_reading_page_budget(client, login, session, make, org, today, count_queries):
    reading = make_reading(session, org["committee"], daily_on=today)
    login(org["member"].user)
    few = statements_of(client, session, count_queries, f"/readings/{reading.id}")
    grow(make, org)
    many = statements_of(client, session, count_queries, f"/readings/{reading.id}")
    assert len(many) == len(few) == READING_PAGE, "\n".join(many)


def test_branch_page_budget(client, login, session, make, org, count_queries):
    login(org["secretary"].user)
    path = f"/org/units/{org['branch'].id}"
    few = statements_of(client, session, count_queries, path)
    grow(make, org)
    many = statements_of(client, session, count_queries, path)
    assert len(many) == len(few) == BRANCH_PAGE, "\n".join(many)


# --- the committee's day, kept per process, shows changes at once ------------------------


def test_a_reading_published_now_shows_on_the_next_home_page(client, login, session, org, today):
    draft = make_reading(
        session, org["committee"], title="今日新篇", daily_on=today, is_published=False
    )
    session.commit()
    login(org["member"].user)
    assert "No reading has been published for today yet." in client.get("/").text

    library.publish_now(draft, now=clock.now_utc())
    session.commit()

    assert "今日新篇" in client.get("/").text


def test_a_reading_scheduled_for_today_shows_at_once(client, login, session, org, today):
    reading = make_reading(session, org["committee"], title="排期文章", is_published=False)
    make_reading(session, org["committee"], title="昨日文章", daily_on=today - timedelta(days=1))
    session.commit()
    login(org["member"].user)
    assert "排期文章" not in client.get("/").text

    library.schedule_daily(
        session, reading, day=today, timezone=org["committee"].timezone, now=clock.now_utc()
    )
    session.commit()

    assert "排期文章" in client.get("/").text


def test_an_unpublished_reading_leaves_the_home_page_at_once(client, login, session, org, today):
    reading = make_reading(session, org["committee"], title="要撤下的", daily_on=today)
    session.commit()
    login(org["member"].user)
    assert "要撤下的" in client.get("/").text

    library.unpublish(reading, now=clock.now_utc())
    session.commit()

    page = client.get("/").text
    assert "要撤下的" not in page
    assert "No reading has been published for today yet." in page


def test_a_reading_scheduled_later_today_appears_when_its_time_comes(
    client, login, session, org, today
):
    later = clock.now_utc().replace(microsecond=0)
    reading = make_reading(session, org["committee"], title="稍后发布", daily_on=today)
    reading.published_at = later.replace(year=later.year + 1)  # not yet
    session.commit()
    login(org["member"].user)
    assert "稍后发布" not in client.get("/").text  # kept: its row, with the time it shows

    reading.published_at = later.replace(year=later.year - 1)
    reading.updated_at = clock.now_utc()
    session.commit()

    assert "稍后发布" in client.get("/").text


def test_member_home_shows_the_cross_rota_duty_within_budget(
    client, login, session, make, org, today, count_queries
):
    """The duty on the committee's rota across branches is asked in the member's own
    statement: the lead panel shows it and the home page keeps its budget."""
    from studyhub.readings.models import AssignmentSource, LeadAssignment

    make_reading(session, org["committee"], daily_on=today)
    member = org["member"]
    login(member.user)
    few = statements_of(client, session, count_queries, "/")
    assert 'id="cross-duty"' not in client.get("/").text
    session.add(
        LeadAssignment(
            branch_id=org["committee"].id,
            member_id=member.id,
            day=today + timedelta(days=1),
            source=AssignmentSource.ROTA,
            assigned_at=clock.now_utc(),
        )
    )
    session.commit()
    page = client.get("/").text
    assert 'id="cross-duty"' in page and f"/branches/{org['branch'].id}/publish/new" in page
    assert "You lead today&#39;s reading" not in page  # not on their branch's rota today
    many = statements_of(client, session, count_queries, "/")
    assert len(many) == len(few) == MEMBER_HOME, "\n".join(many)
    # Another member of the branch is not on duty.
    login(org["secretary"].user)
    assert 'id="cross-duty"' not in client.get("/").text
