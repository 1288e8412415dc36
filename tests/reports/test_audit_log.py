"""The audit log pages: who sees which unit's log, filters, pages, exports, and no way to edit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from studyhub.audit.models import AuditLogIsAppendOnly
from studyhub.core import clock
from studyhub.org.auditing import record_in
from studyhub.org.models import Role
from tests.audit_helpers import one_entry
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("in_english")

# 01:30 on 20 November in Asia/Shanghai, still the 19th in UTC.
EARLY_20TH = datetime(2026, 11, 19, 17, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)


class Log:
    pass


@pytest.fixture
def log(session, make):
    """A committee with branches A and B (a secretary each), its staff, another committee,
    and one entry of each: at the committee, in A (with changes), in B, elsewhere."""
    w = Log()
    w.committee = make.committee("日志党委")
    w.branch_a = make.branch(w.committee, "甲支部")
    w.branch_b = make.branch(w.committee, "乙支部")
    w.staff = make.member(w.branch_a, name="组织员", role=Role.STAFF, role_unit=w.committee)
    w.secretary_a = make.member(w.branch_a, name="甲书记", role=Role.SECRETARY)
    w.secretary_b = make.member(w.branch_b, name="乙书记", role=Role.SECRETARY)
    w.plain = make.member(w.branch_a, name="甲党员")
    w.elsewhere = make.branch(make.committee("别的党委"), "外支部")
    w.at_committee = record_in(
        session,
        w.committee,
        "score_settings.changed",
        actor_id=w.staff.user_id,
        now=NOW - timedelta(days=2),
        object_type="org_unit",
        object_id=w.committee.id,
        summary="委员会设置",
        changes={"adjustment_cap": ["5", "10"]},
    )
    w.in_a = record_in(
        session,
        w.branch_a,
        "member.updated",
        actor_id=w.secretary_a.user_id,
        now=EARLY_20TH,
        object_type="member",
        object_id=w.plain.id,
        summary='=HYPERLINK("http://evil","甲党员")',
        changes={"phone": ["13900000001", "13900000002"], "position": [None, "组织委员"]},
        details={"file": "+名册.csv"},
    )
    w.in_b = record_in(
        session,
        w.branch_b,
        "meeting.approved",
        actor_id=w.staff.user_id,
        now=NOW - timedelta(days=1),
        object_type="meeting",
        object_id=7,
        summary="乙支部党课",
    )
    w.other = record_in(
        session,
        w.elsewhere,
        "member.moved",
        actor_id=None,
        now=NOW,
        object_type="member",
        object_id=1,
        summary="别处的记录",
    )
    return w


def page_url(unit, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/reports/units/{unit.id}/audit" + (f"?{query}" if query else "")


def shown_ids(response) -> set[int]:
    html = response.get_data(as_text=True)
    return {int(part.split('"')[0]) for part in html.split('data-entry="')[1:]}


# Scope ---------------------------------------------------------------------------------------


def test_staff_see_their_committee_and_its_branches_only(log, login):
    response = login(log.staff.user).get(page_url(log.committee))
    assert response.status_code == 200
    shown = shown_ids(response)
    assert {log.at_committee.id, log.in_a.id, log.in_b.id} <= shown
    assert log.other.id not in shown
    assert login(log.staff.user).get(page_url(log.elsewhere)).status_code == 403


def test_a_secretary_sees_their_branch_and_never_another(log, login):
    client = login(log.secretary_a.user)
    response = client.get(page_url(log.branch_a))
    assert response.status_code == 200
    shown = shown_ids(response)
    assert log.in_a.id in shown
    assert not shown & {log.at_committee.id, log.in_b.id, log.other.id}
    assert "别处的记录" not in response.get_data(as_text=True)
    for unit in (log.branch_b, log.committee, log.elsewhere):
        assert client.get(page_url(unit)).status_code == 403
        assert client.get(f"/reports/units/{unit.id}/audit.csv").status_code == 403


def test_a_plain_member_sees_no_log(log, login):
    assert login(log.plain.user).get(page_url(log.branch_a)).status_code == 403


def test_the_unit_page_links_to_the_log_for_those_who_may_see_it(log, login):
    staff_page = login(log.staff.user).get(f"/org/units/{log.committee.id}")
    assert 'id="audit-log-link"' in staff_page.get_data(as_text=True)
    secretary_page = login(log.secretary_a.user).get(f"/org/units/{log.branch_a.id}")
    assert 'id="audit-log-link"' in secretary_page.get_data(as_text=True)


# What the page says --------------------------------------------------------------------------


def test_the_page_shows_local_times_people_and_changes(log, login):
    html = login(log.staff.user).get(page_url(log.branch_a)).get_data(as_text=True)
    assert "2026-11-20 01:30" in html  # Asia/Shanghai, not the UTC 2026-11-19 17:30
    assert "甲书记" in html and "Member&#39;s details changed" in html
    assert "<del>13900000001</del> → <ins>13900000002</ins>" in html
    assert "<del>—</del> → <ins>组织委员</ins>" in html


def test_filter_by_kind_person_and_local_dates(log, login):
    client = login(log.staff.user)
    by_kind = client.get(page_url(log.committee, kind="meeting.approved"))
    assert shown_ids(by_kind) == {log.in_b.id}
    by_person = client.get(page_url(log.committee, person="甲书记"))
    assert shown_ids(by_person) == {log.in_a.id}
    by_phone = client.get(page_url(log.committee, person=log.staff.user.phone))
    assert shown_ids(by_phone) == {log.at_committee.id, log.in_b.id}  # the staff's acts
    nobody = client.get(page_url(log.committee, person="无此人"))
    assert shown_ids(nobody) == set()
    # The 20th in the committee's time zone holds the entry made at 17:30 UTC on the 19th.
    the_20th = client.get(page_url(log.committee, since="2026-11-20", until="2026-11-20"))
    assert log.in_a.id in shown_ids(the_20th)
    up_to_19th = client.get(page_url(log.committee, until="2026-11-19"))
    assert {log.at_committee.id, log.in_b.id} <= shown_ids(up_to_19th)
    assert log.in_a.id not in shown_ids(up_to_19th)
    # A filter that does not parse is ignored, not an error.
    assert client.get(page_url(log.committee, since="yesterday", kind="nope")).status_code == 200


def test_pages_of_fifty_newest_first(session, log, login):
    for n in range(55):
        record_in(
            session,
            log.branch_b,
            "comment.hidden",
            actor_id=log.staff.user_id,
            now=NOW - timedelta(days=10, minutes=n),
            object_type="comment",
            object_id=n,
            summary=f"评论{n}",
        )
    client = login(log.staff.user)
    first = client.get(page_url(log.branch_b)).get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert first.index("乙支部党课") < first.index("评论0") < first.index("评论1")
    second = client.get(page_url(log.branch_b, page=2)).get_data(as_text=True)
    assert "评论54" in second and "评论0" not in second


def test_the_count_stops_at_the_cap(session, log, login, monkeypatch):
    from studyhub.reports.services import audit_log

    monkeypatch.setattr(audit_log, "COUNT_CAP", 2)
    html = login(log.staff.user).get(page_url(log.committee)).get_data(as_text=True)
    assert "More than 2 entries" in html


# Exports -------------------------------------------------------------------------------------


def test_csv_export_is_neutralised_and_recorded(session, log, login):
    response = login(log.secretary_a.user).get(f"/reports/units/{log.branch_a.id}/audit.csv")
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "操作人", "类型", "对象", "单位", "摘要", "变更", "详情"]
    row = next(r for r in rows if "HYPERLINK" in r[5])
    assert row[0] == "2026-11-20 01:30:00"
    assert row[1] == "甲书记"
    assert row[4] == "甲支部"
    assert row[5].startswith("'=HYPERLINK")  # a formula in a summary is text
    assert "phone: 13900000001 → 13900000002" in row[6]
    download = one_entry(session, "export.downloaded")
    assert download.actor_id == log.secretary_a.user_id
    assert download.scope_path == log.branch_a.path
    assert download.details["export"] == "audit"


def test_xlsx_export_holds_no_formulas_and_follows_the_filter(session, log, login, tmp_path):
    response = login(log.staff.user).get(
        f"/reports/units/{log.committee.id}/audit.xlsx?kind=member.updated"
    )
    assert response.status_code == 200
    path = tmp_path / "audit.xlsx"
    path.write_bytes(response.get_data())
    sheet = load_workbook(path).active
    response.close()
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and len(rows) == 2
    assert rows[1][5].startswith("=HYPERLINK")  # kept as it was typed…
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # …as text
    entry = one_entry(session, "export.downloaded")
    assert entry.details == {"export": "audit", "file": f"audit-{log.committee.id}.xlsx",
                             "kind": "member.updated"}  # fmt: skip
    assert (
        login(log.staff.user).get(f"/reports/units/{log.committee.id}/audit.pdf").status_code == 404
    )


# Append-only ---------------------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted_through_the_session(session, log):
    log.in_a.summary = "改过"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.expire(log.in_a)  # the change is dropped; the entry reads as it was
    assert log.in_a.summary.startswith("=HYPERLINK")
    session.delete(log.in_b)
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()


def test_no_route_changes_the_log_and_the_page_offers_no_action(app, log, login):
    audit_rules = [rule for rule in app.url_map.iter_rules() if "audit" in rule.rule]
    assert audit_rules
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    html = login(log.staff.user).get(page_url(log.committee)).get_data(as_text=True)
    assert 'method="post"' not in html.split('id="audit-entries"')[1]
    assert "<form" not in html.split('id="audit-entries"')[1].split("</ol>")[0]
    assert login(log.staff.user).post(page_url(log.committee)).status_code == 405


def test_a_general_branch_s_log_holds_its_branches_only(session, make, log, login):
    from studyhub.org.models import UnitKind

    general = make.unit(log.committee, UnitKind.GENERAL_BRANCH, "总支")
    inner = make.unit(general, UnitKind.BRANCH, "总支一支部")
    entry = record_in(
        session,
        inner,
        "member.updated",
        actor_id=log.staff.user_id,
        now=NOW,
        object_type="member",
        summary="总支里的记录",
    )
    shown = shown_ids(login(log.staff.user).get(page_url(general)))
    assert entry.id in shown
    assert not shown & {log.in_a.id, log.in_b.id, log.at_committee.id}
