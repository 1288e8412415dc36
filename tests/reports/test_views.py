"""Score pages per role: scope (a secretary of A never sees B, by page or export), what the
pages say, closing and reopening, adjustments, overrides, settings and downloads."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.reports.models import (
    FrozenScore,
    QuarterClose,
    RatingOverride,
    ScoreAdjustment,
    ScoreDimension,
)
from studyhub.reports.services import adjustments
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import AFTER_Q4, Q4

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """The views' clock after the quarter (services get it from the views)."""
    monkeypatch.setattr(clock, "now_utc", lambda: AFTER_Q4)


@pytest.fixture
def world(session, q4):
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a1, found, at(2026, 10, 5, 3))
    helpers.attempt(session, q4.a1, q4.test, percent=90, at=at(2026, 11, 2))
    return q4


def committee_url(q4, **args):
    query = "&".join(f"{k}={v}" for k, v in {"quarter": "2026Q4", **args}.items())
    return f"/reports/committees/{q4.committee.id}/scores?{query}"


def branch_url(branch):
    return f"/reports/branches/{branch.id}/scores?quarter=2026Q4"


def member_url(member):
    return f"/reports/members/{member.id}/scores?quarter=2026Q4"


def download_url(unit, file_format):
    return f"/reports/units/{unit.id}/scores/2026Q4.{file_format}"


# Scope ------------------------------------------------------------------------------------


def test_secretary_of_a_sees_a_and_never_b(client, login, world):
    login(world.secretary_a.user)
    assert client.get(branch_url(world.branch_a)).status_code == 200
    assert client.get(member_url(world.a1)).status_code == 200
    assert client.get(download_url(world.branch_a, "csv")).status_code == 200
    for url in (
        branch_url(world.branch_b),
        member_url(world.b1),
        committee_url(world),
        download_url(world.branch_b, "csv"),
        download_url(world.branch_b, "xlsx"),
        download_url(world.committee, "csv"),
        f"/reports/branches/{world.branch_b.id}/adjustments?quarter=2026Q4",
        f"/reports/committees/{world.committee.id}/score-settings",
    ):
        assert client.get(url).status_code == 403, url


def test_a_member_sees_only_their_own_explanation(client, login, world):
    login(world.a1.user)
    response = client.get("/reports/my-score?quarter=2026Q4", follow_redirects=True)
    assert response.status_code == 200
    assert "Quarterly score 2026Q4" in response.text
    assert "5 of 5 readings studied" in response.text
    assert "5 ÷ 5 × 100 = 100.00" in response.text
    assert client.get(member_url(world.a2)).status_code == 403
    assert client.get(branch_url(world.branch_a)).status_code == 403
    # Members do not change ratings: no form, and the endpoint refuses.
    assert "Change the rating" not in response.text
    assert (
        client.post(
            f"/reports/members/{world.a1.id}/scores/2026Q4/override",
            data={"rating": "excellent", "reason": "x"},
        ).status_code
        == 403
    )


def test_staff_see_the_committee_ranked_with_the_notice(client, login, world):
    login(world.staff.user)
    response = client.get(committee_url(world))
    assert response.status_code == 200
    text = response.text
    assert "Quarterly scores 2026Q4" in text
    assert "no data this quarter, so it does not count" in text
    assert 'id="not-counted"' in text
    # a1 first; the branch filter keeps branch B's members only.
    first_row = text.split("<tbody>")[1].split("</tr>")[0]
    assert "张一" in first_row and ">1<" in first_row
    filtered = client.get(committee_url(world, branch=world.branch_b.id)).text
    assert "李一" in filtered and "张一" not in filtered
    assert client.get(committee_url(world, branch=999999)).status_code == 404


def test_a_large_committee_is_shown_one_branch_at_a_time_while_open(
    app, client, login, world, monkeypatch
):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_MEMBERS", 3)
    login(world.staff.user)
    text = client.get(committee_url(world)).text
    assert 'id="too-large"' in text and "This committee has 6 members" in text
    assert "张一" not in text
    text = client.get(committee_url(world, branch=world.branch_a.id)).text
    assert "张一" in text and "李一" not in text


# Closing ----------------------------------------------------------------------------------


def test_closing_freezes_and_reopening_is_audited(client, login, session, world):
    login(world.staff.user)
    response = client.post(f"/reports/committees/{world.committee.id}/scores/2026Q4/close")
    assert response.status_code == 302
    frozen = session.scalar(
        select(func.count(FrozenScore.id)).where(FrozenScore.committee_id == world.committee.id)
    )
    assert frozen == 6
    before = client.get(member_url(world.a2)).text
    assert "Closed: scores frozen as published" in before
    # A later study does not change the closed quarter's page.
    helpers.study(session, world.a2, world.dailies[0], at(2026, 10, 5, 3))
    after = client.get(member_url(world.a2)).text
    assert "0 of 5 readings studied" in after
    # Adjustments are refused while closed.
    response = client.post(
        f"/reports/branches/{world.branch_a.id}/adjustments?quarter=2026Q4",
        data={"member_id": world.a2.id, "points": "1", "reason": "x"},
    )
    assert response.status_code == 400
    assert "closed" in response.text

    # Reopening needs a reason, and is recorded.
    client.post(f"/reports/committees/{world.committee.id}/scores/2026Q4/reopen", data={})
    record = session.scalars(select(QuarterClose)).one()
    assert record.is_closed
    client.post(
        f"/reports/committees/{world.committee.id}/scores/2026Q4/reopen",
        data={"reason": "补录会议"},
    )
    session.refresh(record)
    assert not record.is_closed
    assert [e["action"] for e in record.history] == ["closed", "reopened"]
    assert record.history[1]["reason"] == "补录会议"
    assert record.history[1]["by"] == world.staff.user_id
    live = client.get(member_url(world.a2)).text
    assert "1 of 5 readings studied" in live
    page = client.get(committee_url(world)).text
    assert "Reopened by 组织员: 补录会议" in page


def test_a_quarter_cannot_be_closed_before_it_ends(client, login, session, world, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: helpers.IN_Q4)
    login(world.staff.user)
    response = client.post(
        f"/reports/committees/{world.committee.id}/scores/2026Q4/close", follow_redirects=True
    )
    assert "has not ended yet" in response.text
    assert session.scalar(select(func.count(QuarterClose.id))) == 0


def test_secretaries_cannot_close(client, login, world):
    login(world.secretary_a.user)
    url = f"/reports/committees/{world.committee.id}/scores/2026Q4/close"
    assert client.post(url).status_code == 403


# Adjustments and overrides -----------------------------------------------------------------


def test_secretary_adds_and_revokes_entries_for_own_branch(client, login, session, world):
    login(world.secretary_a.user)
    url = f"/reports/branches/{world.branch_a.id}/adjustments?quarter=2026Q4"
    response = client.post(
        url, data={"member_id": world.a2.id, "points": "2.5", "reason": "志愿服务"}
    )
    assert response.status_code == 302
    entry = session.scalars(select(ScoreAdjustment)).one()
    assert (entry.user_id, entry.points, entry.created_by_id) == (
        world.a2.user_id,
        Decimal("2.50"),
        world.secretary_a.user_id,
    )
    # Over the cap: refused with the reason.
    response = client.post(url, data={"member_id": world.a2.id, "points": "11", "reason": "多"})
    assert response.status_code == 400
    assert "at most 10 points" in response.text
    # A member of another branch is not offered (and not accepted).
    response = client.post(url, data={"member_id": world.b1.id, "points": "1", "reason": "x"})
    assert response.status_code == 400
    assert session.scalar(select(func.count(ScoreAdjustment.id))) == 1

    page = client.get(url).text
    assert "志愿服务" in page and "+2.50" in page
    assert client.post(f"/reports/adjustments/{entry.id}/revoke").status_code == 302
    session.refresh(entry)
    assert entry.revoked_by_id == world.secretary_a.user_id and entry.revoked_at is not None
    assert "revoked by 甲书记" in client.get(url).text


def test_secretary_of_b_cannot_revoke_an_entry_of_a(client, login, session, world):
    entry = adjustments.add_adjustment(
        session, world.a1, Q4, points=Decimal(1), reason="x", by=world.staff.user, now=AFTER_Q4
    )
    login(world.secretary_b.user)
    assert client.post(f"/reports/adjustments/{entry.id}/revoke").status_code == 403


def test_staff_override_a_rating_with_a_reason(client, login, session, world):
    login(world.staff.user)
    url = f"/reports/members/{world.a2.id}/scores/2026Q4/override"
    assert client.post(url, data={"rating": "excellent", "reason": ""}).status_code == 302
    assert session.scalar(select(func.count(RatingOverride.id))) == 0
    client.post(url, data={"rating": "excellent", "reason": "抗洪抢险表现突出"})
    override = session.scalars(select(RatingOverride)).one()
    assert (override.rating, override.created_by_id) == ("excellent", world.staff.user_id)
    page = client.get(member_url(world.a2)).text
    assert "Changed by staff from Unqualified: 抗洪抢险表现突出" in page
    client.post(f"/reports/members/{world.a2.id}/scores/2026Q4/override/clear")
    assert session.scalar(select(func.count(RatingOverride.id))) == 0


def test_the_override_form_starts_at_the_suggested_rating(client, login, world):
    login(world.staff.user)
    page = client.get(member_url(world.a2)).text
    form = page.split('id="override"', 1)[1].split("</form>", 1)[0]
    # a2 studied nothing: the suggestion is Unqualified, and the form starts there.
    assert '<option selected value="unqualified">' in form
    assert "selected" not in form.split('value="excellent"', 1)[0].rsplit("<option", 1)[1]
    assert 'name="reason"' in form and "required" in form.split('name="reason"', 1)[1][:200]


def test_dimension_names_come_from_the_catalogue(client, login, world):
    login(world.staff.user)
    english = client.get(member_url(world.a2)).text
    assert '<th scope="row">Reading completion</th>' in english
    chinese = client.get(member_url(world.a2), headers={"Accept-Language": "zh"}).text
    assert '<th scope="row">学习材料完成率</th>' in chinese


def test_secretaries_cannot_override(client, login, world):
    login(world.secretary_a.user)
    url = f"/reports/members/{world.a2.id}/scores/2026Q4/override"
    assert client.post(url, data={"rating": "excellent", "reason": "x"}).status_code == 403


# Settings ---------------------------------------------------------------------------------


def settings_data(**overrides):
    data = {
        "reading_weight": "30",
        "reading_active": "y",
        "test_weight": "40",
        "test_active": "y",
        "daily_quiz_weight": "10",
        "daily_quiz_active": "y",
        "attendance_weight": "20",
        "attendance_active": "y",
        "excellent": "90",
        "qualified": "70",
        "basic": "60",
        "adjustment_cap": "5",
    }
    data.update(overrides)
    return data


def test_settings_weights_must_add_to_100(client, login, session, world):
    login(world.staff.user)
    url = f"/reports/committees/{world.committee.id}/score-settings"
    page = client.get(url)
    assert page.status_code == 200 and 'value="30.00"' in page.text
    response = client.post(url, data=settings_data(test_weight="30"))
    assert response.status_code == 400
    assert "add up to 90, not 100" in response.text
    assert session.scalar(select(func.count(ScoreDimension.id))) == 0
    # Switching attendance off makes the other three add to 100.
    response = client.post(
        url,
        data=settings_data(
            reading_weight="40", test_weight="50", attendance_active="", attendance_weight="20"
        ),
    )
    assert response.status_code == 302
    weights = dict(session.execute(select(ScoreDimension.code, ScoreDimension.is_active)).all())
    assert weights == {"reading": True, "test": True, "daily_quiz": True, "attendance": False}
    response = client.post(url, data=settings_data(excellent="60", qualified="70"))
    assert response.status_code == 400
    assert "Thresholds must fall" in response.text


# Downloads ---------------------------------------------------------------------------------


def test_csv_download_streams_the_branch(client, login, world):
    login(world.secretary_a.user)
    response = client.get(download_url(world.branch_a, "csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "scores-2026Q4-" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert {row[3] for row in rows[1:]} == {"第一支部"}
    assert len(rows) == 1 + 4


def test_xlsx_download_for_staff(client, login, world):
    login(world.staff.user)
    response = client.get(download_url(world.committee, "xlsx"))
    assert response.status_code == 200
    data = response.data
    response.close()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["党员得分", "支部汇总"]
    assert workbook["党员得分"].max_row == 1 + 6
    assert client.get(download_url(world.committee, "pdf")).status_code == 404
