"""比学习 competitions: set up, daily snapshots (idempotent), the leaderboard and who may see
what (members of taking-part branches only; names hidden when the committee chose so)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.core.errors import InvalidInput
from studyhub.reports.dimensions import code_of
from studyhub.reports.models import Competition, CompetitionSnapshot
from studyhub.reports.services import competitions
from studyhub.reports.services import custom_dimensions as custom
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import IN_Q4, Q4

pytestmark = pytest.mark.usefixtures("in_english")
DAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: IN_Q4)


@pytest.fixture
def world(session, make, q4):
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a1, found, at(2026, 10, 5, 3))
    helpers.attempt(session, q4.a1, q4.test, percent=90, at=at(2026, 11, 2))
    q4.branch_c = make.branch(q4.committee, "第三支部")
    q4.c1 = make.member(q4.branch_c, name="王三")
    return q4


def _create(session, q4, *, is_named=False, measures=None):
    return competitions.create_competition(
        session,
        q4.committee,
        title="比学习、比贡献",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
        branch_ids=[q4.branch_a.id, q4.branch_b.id],
        measures=measures or [("completion", Decimal(50)), ("test", Decimal(50))],
        is_named=is_named,
        actor_id=q4.staff.user_id,
        now=IN_Q4,
    )


def _snapshots(session):
    return session.scalar(select(func.count()).select_from(CompetitionSnapshot))


def test_snapshot_ranks_branches_and_is_idempotent(session, world):
    q4 = world
    competition = _create(session, q4)
    assert competitions.snapshot(session, q4.committee, competition, DAY, IN_Q4) == 2
    first = {
        row.branch_id: (row.score, row.rank, row.figures)
        for row in session.scalars(select(CompetitionSnapshot))
    }
    assert competitions.snapshot(session, q4.committee, competition, DAY, IN_Q4) == 2
    assert _snapshots(session) == 2
    again = {
        row.branch_id: (row.score, row.rank, row.figures)
        for row in session.scalars(select(CompetitionSnapshot))
    }
    assert again == first
    a, b = first[q4.branch_a.id], first[q4.branch_b.id]
    assert a[1] == 1 and b[1] == 2
    assert a[2]["completion"] > b[2]["completion"]
    # Branch A: four members; the test is required of them all and only 张一 took it (90).
    assert a[2]["members"] == 4
    assert a[2]["test"] == pytest.approx(22.5)
    assert b[2]["test"] is None  # nothing required of branch B
    # The daily job snapshots running competitions only, once per day and competition.
    assert competitions.snapshot_all(session, now=IN_Q4) == 2
    assert _snapshots(session) == 2
    assert competitions.snapshot_all(session, now=at(2027, 2, 1)) == 0


def test_a_committee_dimension_as_a_measure(session, world):
    q4 = world
    dim = custom.add_dimension(
        session,
        q4.committee,
        name="岗位核心度",
        weight=Decimal(10),
        source="entered",
        mapping={"kind": "scale", "out_of": 5},
        now=IN_Q4,
    )
    custom.enter_values(
        session,
        q4.committee,
        dim,
        Q4,
        {q4.b1.user_id: "5", q4.a1.user_id: "1"},
        actor_id=None,
        now=IN_Q4,
    )
    competition = _create(session, q4, measures=[(code_of(dim), Decimal(100))])
    competitions.snapshot(session, q4.committee, competition, DAY, IN_Q4)
    rows = {r.branch_id: r for r in session.scalars(select(CompetitionSnapshot))}
    assert rows[q4.branch_b.id].figures[code_of(dim)] == 100
    assert rows[q4.branch_a.id].figures[code_of(dim)] == 20
    assert rows[q4.branch_b.id].rank == 1


def test_a_competition_needs_two_branches_of_the_committee_and_a_measure(session, make, world):
    q4 = world
    other = make.branch(make.committee("别的党委"), "外支部")
    for branches, measures in [
        ([q4.branch_a.id], [("completion", Decimal(1))]),
        ([q4.branch_a.id, other.id], [("completion", Decimal(1))]),
        ([q4.branch_a.id, q4.branch_b.id], [("nonsense", Decimal(1))]),
        ([q4.branch_a.id, q4.branch_b.id], [("completion", Decimal(0))]),
    ]:
        with pytest.raises(InvalidInput):
            competitions.create_competition(
                session,
                q4.committee,
                title="赛",
                starts_on=DAY,
                ends_on=DAY,
                branch_ids=branches,
                measures=measures,
                is_named=True,
                actor_id=None,
                now=IN_Q4,
            )
    assert session.scalar(select(func.count()).select_from(Competition)) == 0


def test_leaderboard_visibility(session, client, login, world):
    q4 = world
    competition = _create(session, q4, is_named=False)
    competitions.snapshot(session, q4.committee, competition, date(2026, 11, 19), IN_Q4)
    competitions.snapshot(session, q4.committee, competition, DAY, IN_Q4)
    url = f"/reports/competitions/{competition.id}"

    page = login(q4.a2.user).get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "第一支部" in text and "your branch" in text
    assert "第二支部" not in text and "Branch A" in text  # the other branch anonymised
    assert "张一" not in text and "李一" not in text  # branch figures, never members
    assert 'id="competition-trend"' in text
    png = client.get(url + "/poster.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")

    # A member of a branch not taking part: not found, poster too.
    login(q4.c1.user)
    assert client.get(url).status_code == 404
    assert client.get(url + "/poster.png").status_code == 404
    assert client.get("/reports/competitions").status_code == 200

    # Staff see every name.
    assert "第二支部" in login(q4.staff.user).get(url).get_data(as_text=True)

    # Names shown when the committee chose so.
    competition.is_named = True
    session.flush()
    assert "第二支部" in login(q4.b1.user).get(url).get_data(as_text=True)
    mine = client.get("/reports/competitions").get_data(as_text=True)
    assert "比学习、比贡献" in mine


def test_staff_create_a_competition_and_a_secretary_may_not(session, client, login, world):
    q4 = world
    url = f"/reports/committees/{q4.committee.id}/competitions"
    data = {
        "title": "季度比学习",
        "starts_on": "2026-10-01",
        "ends_on": "2026-12-31",
        "branches": [str(q4.branch_a.id), str(q4.branch_c.id)],
        "completion_weight": "60",
        "daily_quiz_weight": "40",
        "show_names": "y",
    }
    assert login(q4.secretary_a.user).post(url, data=data).status_code == 403
    assert login(q4.staff.user).get(url).status_code == 200
    response = client.post(url, data=data)
    assert response.status_code == 302
    created = session.scalars(select(Competition)).one()
    assert created.measures == [["completion", "60"], ["daily_quiz", "40"]]
    assert set(competitions.branch_ids_of(session, created)) == {q4.branch_a.id, q4.branch_c.id}
    bad = login(q4.staff.user).post(url, data={**data, "branches": [str(q4.branch_a.id)]})
    assert bad.status_code == 400
    assert session.scalar(select(func.count()).select_from(Competition)) == 1


def test_meeting_compliance_as_a_measure(session, world):
    q4 = world
    competition = _create(
        session, q4, measures=[("compliance", Decimal(50)), ("daily_quiz", Decimal(50))]
    )
    assert competitions.snapshot(session, q4.committee, competition, DAY, IN_Q4) == 2
    for row in session.scalars(select(CompetitionSnapshot)):
        assert "compliance" in row.figures and "daily_quiz" in row.figures
        rate = row.figures["compliance"]
        assert rate is None or 0 <= rate <= 100
        # No meetings were held: nothing the branches were required to hold is met yet.
        assert not rate


def test_figures_count_the_competitions_own_period_across_two_quarters(session, world):
    """A competition from 20 September to 30 November: the Q3 reading of the day (30 Sep)
    counts, the plan due 20 December does not; daily-quiz days count from 20 September;
    a committee dimension is each member's mean over Q3 and Q4; a meeting held in September
    meets Q3's requirement."""
    q4 = world
    dim = custom.add_dimension(
        session,
        q4.committee,
        name="岗位核心度",
        weight=Decimal(10),
        source="entered",
        mapping={"kind": "scale", "out_of": 5},
        now=IN_Q4,
    )
    q3 = Q4.previous()
    custom.enter_values(
        session, q4.committee, dim, q3, {q4.a1.user_id: "5"}, actor_id=None, now=IN_Q4
    )
    custom.enter_values(
        session,
        q4.committee,
        dim,
        Q4,
        {q4.a1.user_id: "1", q4.b1.user_id: "5"},
        actor_id=None,
        now=IN_Q4,
    )
    for day in (date(2026, 9, 19), date(2026, 9, 25), date(2026, 11, 1)):
        helpers.attempt(session, q4.a1, q4.daily, percent=100, at=at(2026, 11, 1), daily_on=day)
    helpers.meeting(session, q4.branch_a, at=at(2026, 9, 22, 6), attendance={})
    measures = [
        ("completion", Decimal(1)),
        ("test", Decimal(1)),
        ("daily_quiz", Decimal(1)),
        ("compliance", Decimal(1)),
        (code_of(dim), Decimal(1)),
    ]
    spanning = competitions.create_competition(
        session,
        q4.committee,
        title="跨季度",
        starts_on=date(2026, 9, 20),
        ends_on=date(2026, 11, 30),
        branch_ids=[q4.branch_a.id, q4.branch_b.id],
        measures=measures,
        is_named=True,
        actor_id=None,
        now=IN_Q4,
    )
    figures = competitions.branch_figures(session, q4.committee, spanning, DAY, IN_Q4)
    a, b = figures[q4.branch_a.id], figures[q4.branch_b.id]
    # 4 readings of the day (30 Sep, 1–3 Oct); 张一 studied the three of October: 75 %,
    # the three others of branch A nothing.
    assert a["completion"] == pytest.approx(18.75)
    assert b["completion"] == 0
    # The plan (and its test) is due after the period: nothing required.
    assert a["test"] is None and b["test"] is None
    # 62 days from 20 Sep to 20 Nov; 张一 took the daily quiz on two of them (19 Sep is before).
    assert a["daily_quiz"] == pytest.approx(float(round(Decimal(2 * 100) / 62 / 4, 2)))
    # (100 + 20) / 2 for 张一, the only member of branch A with values; 李一 100.
    assert a[code_of(dim)] == 60
    assert b[code_of(dim)] == 100
    # Branch A held Q3's general meeting in the period; branch B did not.
    assert a["compliance"] > b["compliance"] >= 0

    # The same competition from 1 October: September's meeting, reading and daily quiz and
    # Q3's values are outside it.
    from_october = competitions.create_competition(
        session,
        q4.committee,
        title="本季度",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 11, 30),
        branch_ids=[q4.branch_a.id, q4.branch_b.id],
        measures=measures,
        is_named=True,
        actor_id=None,
        now=IN_Q4,
    )
    later = competitions.branch_figures(session, q4.committee, from_october, DAY, IN_Q4)
    assert later[q4.branch_a.id]["completion"] == 25  # 3 of 3 for 张一, 0 for three others
    one_day = float(round(Decimal(100) / 51 / 4, 2))  # 1 Nov of the 51 days from 1 Oct
    assert later[q4.branch_a.id]["daily_quiz"] == pytest.approx(one_day)
    assert later[q4.branch_a.id][code_of(dim)] == 20
    assert later[q4.branch_a.id]["compliance"] == later[q4.branch_b.id]["compliance"]


def test_quarters_a_period_touches():
    assert competitions.quarters_between(date(2026, 9, 20), date(2026, 11, 20)) == [
        Q4.previous(),
        Q4,
    ]
    assert competitions.quarters_between(date(2026, 10, 1), date(2026, 10, 1)) == [Q4]
    assert competitions.quarters_between(date(2026, 12, 1), date(2027, 1, 5)) == [
        Q4,
        Q4.next(),
    ]


def test_members_reach_competitions_from_the_account_page(session, client, login, world):
    q4 = world
    competition = _create(session, q4)
    competitions.snapshot(session, q4.committee, competition, DAY, IN_Q4)
    account = login(q4.a2.user).get("/account")
    assert account.status_code == 200
    text = account.get_data(as_text=True)
    assert 'id="competitions-menu-link"' in text and 'href="/reports/competitions"' in text
    mine = client.get("/reports/competitions").get_data(as_text=True)
    assert f'href="/reports/competitions/{competition.id}"' in mine
