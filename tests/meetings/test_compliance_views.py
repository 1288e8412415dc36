"""Compliance pages and downloads: who sees what, what the grid and the list say, settings."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from studyhub.core import clock
from studyhub.meetings.models import MeetingKind, RequiredFrequency
from studyhub.meetings.services import records
from studyhub.org.models import UnitKind
from tests.meetings.conftest import minutes, plan_lesson

SHANGHAI = ZoneInfo("Asia/Shanghai")
MID_JUNE = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
HOSTILE = "=1+2"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: MID_JUNE)
    return MID_JUNE


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def hold(session, world, kind, at, *, title="学习党章", group=None, branch=None, by=None):
    by = by or world.secretary_a
    meeting = plan_lesson(
        session,
        world,
        kind=kind,
        at=at,
        title=title,
        group=group,
        branch=branch,
        by=by,
        now=at - timedelta(days=7),
    )
    records.record_meeting(session, meeting, minutes(at), by=by.user, now=at + timedelta(hours=2))
    return meeting


def cells(page: str) -> dict[str, list[str]]:
    """period label → statuses of the grid's cells for it, in column order."""
    found: dict[str, list[str]] = {}
    for status, period in re.findall(r'class="st st-(\w+)"[^>]*data-period="([^"]+)"', page):
        found.setdefault(period, []).append(status)
    return found


def urls(world):
    a, b = world.branch_a.id, world.branch_b.id
    c = world.committee.id
    return {
        "a_year": f"/meetings/branches/{a}/compliance",
        "b_year": f"/meetings/branches/{b}/compliance",
        "a_register": f"/meetings/branches/{a}/register.xlsx?year=2026",
        "b_register": f"/meetings/branches/{b}/register.xlsx?year=2026",
        "overview": f"/meetings/units/{c}/compliance",
        "stats": f"/meetings/units/{c}/statistics.xlsx?year=2026",
        "settings": f"/meetings/committees/{c}/frequencies",
        "import": f"/meetings/units/{c}/import",
        "template": f"/meetings/units/{c}/import/template",
    }


def codes(client, targets: dict[str, str]) -> dict[str, int]:
    found = {}
    for name, url in targets.items():
        with client.get(url) as response:  # closes a download's file
            found[name] = response.status_code
    return found


def test_scoping_per_role(session, world, client, login):
    u = urls(world)
    login(world.secretary_a.user)
    assert codes(client, u) == {
        "a_year": 200,
        "b_year": 403,
        "a_register": 200,
        "b_register": 403,
        "overview": 403,
        "stats": 403,
        "settings": 403,
        "import": 403,
        "template": 403,
    }
    login(world.committee_a.user)
    assert client.get(u["a_year"]).status_code == 200
    for member in (world.member_a1, world.leader_a1):
        login(member.user)
        assert set(codes(client, u).values()) == {403}, member.user.name
    login(world.staff.user)
    assert set(codes(client, u).values()) == {200}
    login(world.other_staff.user)
    assert set(codes(client, u).values()) == {403}


def test_the_compliance_entry_sends_each_role_to_its_page(session, world, client, login):
    login(world.staff.user)
    assert (
        client.get("/meetings/compliance")
        .headers["Location"]
        .endswith(f"/meetings/units/{world.committee.id}/compliance")
    )
    login(world.secretary_b.user)
    assert (
        client.get("/meetings/compliance")
        .headers["Location"]
        .endswith(f"/meetings/branches/{world.branch_b.id}/compliance")
    )
    login(world.member_a1.user)
    assert client.get("/meetings/compliance").status_code == 403


def test_branch_year_grid(session, world, client, login):
    hold(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 3, 31, 23, 30))
    hold(session, world, MeetingKind.LESSON, local(2026, 4, 1, 0, 10))
    hold(session, world, MeetingKind.GROUP_MEETING, local(2026, 1, 7, 19), group=world.group_a2)
    hold(session, world, MeetingKind.THEME_DAY, local(2026, 5, 4, 9))
    login(world.secretary_a.user)

    page = client.get(f"/meetings/branches/{world.branch_a.id}/compliance").get_data(as_text=True)

    assert "Required meetings in 2026" in page
    grid = cells(page)
    # Columns: committee meeting, 甲一 group, 甲二 group, general meeting, lesson.
    assert grid["2026-01"] == ["missing", "missing", "met"]
    assert grid["2026-03"] == ["met", "missing", "missing"]
    assert grid["2026-04"] == ["missing", "missing", "missing"]
    assert grid["2026-06"] == ["due", "due", "due"]
    assert grid["2026-07"] == ["ahead", "ahead", "ahead"]
    assert grid["2026Q1"] == ["missing", "missing"]
    assert grid["2026Q2"] == ["due", "met"]
    assert page.count('rowspan="3"') == 8  # two quarterly kinds × four quarters
    assert re.search(r'id="met">\s*3<', page)  # March committee, 甲二 January, Q2 lesson
    assert re.search(r'id="missing">\s*15<', page)
    assert "甲一小组" in page and "甲二小组" in page
    assert 'id="other-held"' in page and "Theme Party day ×1" in page
    assert f"/meetings/branches/{world.branch_a.id}/register.xlsx?year=2026" in page
    # Another year by its link; a year out of range is not a page.
    last = client.get(f"/meetings/branches/{world.branch_a.id}/compliance?year=2025")
    assert "Required meetings in 2025" in last.get_data(as_text=True)
    assert (
        client.get(f"/meetings/branches/{world.branch_a.id}/compliance?year=1").status_code == 404
    )
    # A group is not a branch.
    assert client.get(f"/meetings/branches/{world.group_a1.id}/compliance").status_code == 404


def test_committee_overview_lists_gaps_first(session, world, client, login):
    for kind in (MeetingKind.COMMITTEE_MEETING, MeetingKind.GENERAL_MEETING, MeetingKind.LESSON):
        hold(session, world, kind, local(2026, 6, 2, 9))
    for group in (world.group_a1, world.group_a2):
        hold(session, world, MeetingKind.GROUP_MEETING, local(2026, 6, 3, 9), group=group)
    login(world.staff.user)

    page = client.get(f"/meetings/units/{world.committee.id}/compliance").get_data(as_text=True)

    assert "Required meetings: 2026-06 and 2026Q2" in page
    order = re.findall(r'data-branch="(\d+)"', page)
    assert order[-1] == str(world.branch_a.id)
    assert len(order) == 3
    assert "Branches with meetings missing: 2 of 3" in page
    assert "All held" in page
    # Branch A this year: 5 met in June/Q2; January–May committee and groups (15) and the
    # Q1 general meeting and lesson (2) missing.
    assert "2026 so far: 23% complete, 17 missing" in page
    may = client.get(f"/meetings/units/{world.committee.id}/compliance?month=2026-05")
    assert "Required meetings: 2026-05 and 2026Q2" in may.get_data(as_text=True)
    assert (
        client.get(f"/meetings/units/{world.committee.id}/compliance?month=2026-13").status_code
        == 404
    )
    assert client.get(f"/meetings/units/{world.branch_a.id}/compliance").status_code == 404


def test_settings_page_saves_frequencies(session, world, client, login):
    login(world.staff.user)
    page = client.get(f"/meetings/committees/{world.committee.id}/frequencies")
    assert "These are the defaults." in page.get_data(as_text=True)
    data = {
        "committee_meeting-every": "quarter",
        "committee_meeting-minimum": "2",
        "group_meeting-every": "none",
        "group_meeting-minimum": "1",
        "general_meeting-every": "quarter",
        "general_meeting-minimum": "1",
        "lesson-every": "quarter",
        "lesson-minimum": "1",
        "theme_day-every": "month",
        "theme_day-minimum": "1",
        "org_life-every": "year",
        "org_life-minimum": "1",
        "democratic_review-every": "year",
        "democratic_review-minimum": "2",
    }
    response = client.post(f"/meetings/committees/{world.committee.id}/frequencies", data=data)
    assert response.status_code == 302
    saved = {
        row.kind: (row.period, row.minimum)
        for row in session.query(RequiredFrequency).filter_by(committee_id=world.committee.id)
    }
    assert saved[MeetingKind.COMMITTEE_MEETING] == ("quarter", 2)
    assert saved[MeetingKind.GROUP_MEETING] == ("none", 1)
    assert saved[MeetingKind.THEME_DAY] == ("month", 1)
    assert saved[MeetingKind.DEMOCRATIC_REVIEW] == ("year", 2)
    bad = client.post(
        f"/meetings/committees/{world.committee.id}/frequencies",
        data={**data, "lesson-minimum": "0", "lesson-every": "weekly"},
    )
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "Between 1 and 10 times." in text and "Not a valid choice" in text
    assert session.query(RequiredFrequency).filter_by(kind=MeetingKind.LESSON).one().minimum == 1


def test_register_and_statistics_downloads_read_back(session, world, client, login):
    hold(session, world, MeetingKind.LESSON, local(2026, 3, 2, 9), title=HOSTILE)
    login(world.secretary_a.user)
    response = client.get(f"/meetings/branches/{world.branch_a.id}/register.xlsx?year=2026")
    data = response.get_data()
    response.close()
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(data))["2026年会议台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[2][3] == HOSTILE
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    login(world.staff.user)
    stats = client.get(f"/meetings/units/{world.committee.id}/statistics.xlsx?year=2026")
    stats_data = stats.get_data()
    stats.close()
    assert stats.status_code == 200
    workbook = load_workbook(io.BytesIO(stats_data))
    assert workbook.sheetnames == ["按月统计", "年度汇总", "说明"]
    march = [
        r
        for r in workbook["按月统计"].iter_rows(values_only=True)
        if r[:2] == ("甲支部", "2026-03")
    ]
    assert march[0][5] == 1  # the lesson column


def overview_statements(session, client, count_queries, unit_id: int) -> int:
    session.expire_all()  # as in a request of its own: nothing loaded yet
    with count_queries() as statements:
        response = client.get(f"/meetings/units/{unit_id}/compliance")
    assert response.status_code == 200
    return len(statements)


def test_overview_statements_are_the_same_for_few_and_many_branches(
    session, world, make, client, login, count_queries
):
    login(world.staff.user)
    few = overview_statements(session, client, count_queries, world.committee.id)
    for n in range(15):
        branch = make.branch(world.committee, f"新支部{n}")
        make.unit(branch, UnitKind.GROUP, f"新小组{n}")
        hold(session, world, MeetingKind.LESSON, local(2026, 4, 2 + n, 9), branch=branch)
    many = overview_statements(session, client, count_queries, world.committee.id)
    assert many == few
    page = client.get(f"/meetings/units/{world.committee.id}/compliance").get_data(as_text=True)
    assert len(re.findall(r'data-branch="\d+"', page)) == 18


def test_meeting_pages_link_to_compliance_for_those_who_may_see_it(session, world, client, login):
    branch_url = f"/meetings/branches/{world.branch_a.id}"
    link = f'href="/meetings/branches/{world.branch_a.id}/compliance"'
    login(world.secretary_a.user)
    assert link in client.get(branch_url).get_data(as_text=True)
    assert 'id="compliance-link"' in client.get("/meetings/").get_data(as_text=True)
    login(world.leader_a1.user)  # sees the group's meetings, not the branch's compliance
    assert link not in client.get(branch_url).get_data(as_text=True)
    assert 'id="compliance-link"' not in client.get("/meetings/").get_data(as_text=True)
    login(world.staff.user)
    assert link in client.get(branch_url).get_data(as_text=True)
    assert 'id="compliance-link"' in client.get("/meetings/").get_data(as_text=True)
    login(world.member_a1.user)
    assert 'id="compliance-link"' not in client.get("/meetings/").get_data(as_text=True)
