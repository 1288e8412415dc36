"""The rota page (who may open it, what it does), the reflection form and the home panels.

The pages read the real clock, so the days here are computed from it too.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.core import clock
from studyhub.org.models import Role, UnitKind
from studyhub.readings.models import AssignmentSource, LeadAssignment, LeadDayOff
from studyhub.readings.services import rota
from tests.readings.tracking_helpers import make_reading


def local_today():
    return clock.local_date(clock.now_utc(), "Asia/Shanghai")


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def org(make):
    committee = make.committee("机关党委")
    branch_a = make.unit(committee, UnitKind.BRANCH, "甲支部")
    group_a = make.unit(branch_a, UnitKind.GROUP, "甲小组")
    branch_b = make.unit(committee, UnitKind.BRANCH, "乙支部")
    elsewhere = make.committee("别的党委")
    return {
        "committee": committee,
        "branch_a": branch_a,
        "group_a": group_a,
        "branch_b": branch_b,
        "sec_a": make.member(branch_a, name="甲书记", role=Role.SECRETARY),
        "bc_a": make.member(branch_a, name="甲委员", role=Role.BRANCH_COMMITTEE),
        "m1": make.member(branch_a, name="赵一"),
        "m2": make.member(branch_a, name="钱二"),
        "m3": make.member(branch_a, name="孙三"),
        "sec_b": make.member(branch_b, name="乙书记", role=Role.SECRETARY),
        "b1": make.member(branch_b, name="乙一"),
        "staff": make.member(branch_b, name="干事", role=Role.STAFF, role_unit=committee),
        "outsider": make.member(
            make.unit(elsewhere, UnitKind.BRANCH),
            name="外干事",
            role=Role.STAFF,
            role_unit=elsewhere,
        ),
    }


@pytest.fixture
def on_rota(session, org):
    rota.set_rota(session, org["branch_a"], [org[n].id for n in ("m1", "m2", "m3")])
    return org


def url(org, suffix: str = "") -> str:
    return f"/readings/rota/{org['branch_a'].id}{suffix}"


def rota_names(html: str) -> list[str]:
    section = html.split('id="rota"', 1)[1]
    return re.findall(r'<li id="rota-\d+"[^>]*>\s*<strong>([^<]+)</strong>', section)


def lead_of(session, branch, day) -> LeadAssignment | None:
    return session.scalar(
        select(LeadAssignment).where(
            LeadAssignment.branch_id == branch.id, LeadAssignment.day == day
        )
    )


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sec_a", "bc_a", "staff"])
def test_the_branch_leaders_and_staff_open_the_rota(english, login, org, who):
    login(org[who].user)
    response = english.get(url(org))
    assert response.status_code == 200
    assert "甲支部" in response.text


@pytest.mark.parametrize("who", ["sec_b", "m1", "outsider"])
def test_others_may_not_open_the_rota(english, login, org, who):
    login(org[who].user)
    response = english.get(url(org))
    assert response.status_code == 403
    assert "赵一" not in response.text


def test_the_rota_is_a_branchs(english, login, org):
    login(org["staff"].user)
    assert english.get(f"/readings/rota/{org['group_a'].id}").status_code == 404
    assert english.get(f"/readings/rota/{org['committee'].id}").status_code == 404
    assert english.get("/readings/rota/999999").status_code == 404


def test_another_secretary_cannot_change_the_rota(session, english, login, on_rota):
    org = on_rota
    login(org["sec_b"].user)
    today = local_today()
    for path, data in [
        ("/members", {"member_id": org["sec_a"].id}),
        ("/members/all", {}),
        (f"/members/{org['m1'].id}/remove", {}),
        (f"/members/{org['m1'].id}/move", {"direction": "down"}),
        ("/days/off", {"day": today.isoformat(), "is_off": "1"}),
        ("/days/reassign", {"day": today.isoformat(), "member_id": org["m3"].id}),
    ]:
        assert english.post(url(org, path), data=data).status_code == 403, path
    assert [e.name for e in rota.rota_entries(session, org["branch_a"])] == ["赵一", "钱二", "孙三"]
    assert lead_of(session, org["branch_a"], today) is None
    assert session.scalars(select(LeadDayOff)).all() == []


# --- the page ---------------------------------------------------------------------------


def test_the_page_shows_the_order_and_the_next_14_days(session, english, login, on_rota):
    org = on_rota
    today = local_today()
    rota.assign_day(session, org["branch_a"], today, now=clock.now_utc())
    rota.set_day_off(
        session, org["branch_a"], today + timedelta(days=2), is_off=True, now=clock.now_utc()
    )
    login(org["sec_a"].user)
    html = english.get(url(org)).text
    assert rota_names(html) == ["赵一", "钱二", "孙三"]
    days = re.findall(r'<li id="day-([0-9-]+)"', html)
    assert days == [(today + timedelta(days=n)).isoformat() for n in range(14)]
    leads = {}
    for iso in days:
        item = html.split(f'<li id="day-{iso}"', 1)[1].split("</li>", 1)[0]
        lead = re.search(
            r'class="rota-lead">\s*(?:<strong>([^<]+)</strong>|<span class="tag warn">)', item
        )
        leads[iso] = lead.group(1)
    assert [leads[d] for d in days[:6]] == ["赵一", "钱二", None, "孙三", "赵一", "钱二"]
    # Members not on the rota can be added; everyone in the branch can be given a day.
    candidates = html.split('id="rota-add-member"', 1)[1].split("</select>", 1)[0]
    assert sorted(re.findall(r">([^<]+)</option>", candidates)) == sorted(["甲委员", "甲书记"])


def test_add_move_remove_through_the_page(session, english, login, on_rota):
    org = on_rota
    login(org["sec_a"].user)
    assert english.post(url(org, "/members"), data={"member_id": org["bc_a"].id}).status_code == 302
    english.post(url(org, f"/members/{org['bc_a'].id}/move"), data={"direction": "up"})
    english.post(url(org, f"/members/{org['m1'].id}/move"), data={"direction": "down"})
    english.post(url(org, f"/members/{org['m2'].id}/remove"))
    assert [e.name for e in rota.rota_entries(session, org["branch_a"])] == [
        "赵一",
        "甲委员",
        "孙三",
    ]
    english.post(url(org, "/members/all"))
    names = [e.name for e in rota.rota_entries(session, org["branch_a"])]
    assert names[:3] == ["赵一", "甲委员", "孙三"]
    assert sorted(names[3:]) == sorted(["甲书记", "钱二"])  # added by name (collation aside)
    # A member of another branch is not found here.
    assert english.post(url(org, "/members"), data={"member_id": org["b1"].id}).status_code == 404


def test_day_off_and_reassign_through_the_page(session, english, login, on_rota):
    org = on_rota
    login(org["sec_a"].user)
    tomorrow = local_today() + timedelta(days=1)
    response = english.post(
        url(org, "/days/reassign"), data={"day": tomorrow.isoformat(), "member_id": org["m3"].id}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#day-{tomorrow.isoformat()}")
    row = lead_of(session, org["branch_a"], tomorrow)
    assert row.member_id == org["m3"].id and row.source == AssignmentSource.MANUAL
    assert row.assigned_by_id == org["sec_a"].user_id
    english.post(
        url(org, "/days/reassign"), data={"day": tomorrow.isoformat(), "member_id": org["m2"].id}
    )
    rows = session.scalars(
        select(LeadAssignment).where(LeadAssignment.branch_id == org["branch_a"].id)
    ).all()
    assert [(r.day, r.member_id) for r in rows] == [(tomorrow, org["m2"].id)]

    english.post(url(org, "/days/off"), data={"day": tomorrow.isoformat(), "is_off": "1"})
    assert lead_of(session, org["branch_a"], tomorrow) is None
    assert rota.is_day_off(session, org["branch_a"], tomorrow)
    page = english.post(
        url(org, "/days/reassign"),
        data={"day": tomorrow.isoformat(), "member_id": org["m2"].id},
        follow_redirects=True,
    )
    assert "day off" in page.text
    english.post(url(org, "/days/off"), data={"day": tomorrow.isoformat(), "is_off": "0"})
    assert not rota.is_day_off(session, org["branch_a"], tomorrow)


def test_swap_through_the_page(session, english, login, on_rota):
    org = on_rota
    login(org["sec_a"].user)
    today = local_today()
    response = english.post(
        url(org, "/days/swap"),
        data={"first": today.isoformat(), "second": (today + timedelta(days=2)).isoformat()},
    )
    assert response.status_code == 302
    assert lead_of(session, org["branch_a"], today).member_id == org["m3"].id
    assert lead_of(session, org["branch_a"], today + timedelta(days=2)).member_id == org["m1"].id


# --- the reflection and the home page ---------------------------------------------------


@pytest.fixture
def duty(session, on_rota):
    """Today's reading of the committee, and 赵一 leads branch A today."""
    org = on_rota
    today = local_today()
    reading = make_reading(session, org["committee"], title="今日一读", daily_on=today)
    rota.assign_day(session, org["branch_a"], today, now=clock.now_utc())
    return reading


def test_the_lead_reader_posts_and_the_branch_sees_it(session, english, login, on_rota, duty):
    org = on_rota
    login(org["m1"].user)
    page = english.get(f"/readings/{duty.id}").text
    assert 'id="reflection-form"' in page
    response = english.post(f"/readings/{duty.id}/reflection", data={"text": "<em>学而时习之</em>"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/readings/{duty.id}#reflection")
    assert lead_of(session, org["branch_a"], local_today()).reflection == "<em>学而时习之</em>"

    login(org["m2"].user)
    page = english.get(f"/readings/{duty.id}").text
    assert "&lt;em&gt;学而时习之&lt;/em&gt;" in page and "<em>学而时习之" not in page
    assert 'id="reflection-form"' not in page
    login(org["b1"].user)
    assert "学而时习之" not in english.get(f"/readings/{duty.id}").text


def test_only_the_lead_reader_posts(session, english, login, on_rota, duty):
    org = on_rota
    login(org["m2"].user)
    assert english.post(f"/readings/{duty.id}/reflection", data={"text": "我来"}).status_code == 403
    login(org["b1"].user)  # branch B has no lead reader today
    assert english.post(f"/readings/{duty.id}/reflection", data={"text": "我来"}).status_code == 403
    assert lead_of(session, org["branch_a"], local_today()).reflection is None


def test_a_too_long_reflection_is_refused_with_a_message(session, english, login, on_rota, duty):
    org = on_rota
    login(org["m1"].user)
    page = english.post(
        f"/readings/{duty.id}/reflection", data={"text": "长" * 501}, follow_redirects=True
    )
    assert "at most 500 characters" in page.text
    assert lead_of(session, org["branch_a"], local_today()).reflection is None


def test_home_shows_the_duty_only_to_the_lead_reader(english, login, on_rota, duty):
    org = on_rota
    login(org["m1"].user)
    home = english.get("/").text
    assert 'id="lead-duty"' in home
    assert f'href="/readings/{duty.id}#reflection"' in home
    login(org["m2"].user)
    assert 'id="lead-duty"' not in english.get("/").text


def test_home_shows_secretaries_the_rota(english, login, on_rota, duty):
    org = on_rota
    login(org["sec_a"].user)
    home = english.get("/").text
    panel = home.split('id="lead-rota"', 1)[1].split("</section>", 1)[0]
    assert f'href="/readings/rota/{org["branch_a"].id}"' in panel
    assert "赵一 leads today" in panel
    login(org["m2"].user)
    assert 'id="lead-rota"' not in english.get("/").text
