"""Exports read back with openpyxl and csv: sheets, columns, values, no formulas, BOM."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from studyhub.meetings.models import AttendanceStatus, MeetingKind
from studyhub.reports.scoring import Rating
from studyhub.reports.services import adjustments, closing, exports
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import AFTER_Q4, Q4

HOSTILE_NAME = '=HYPERLINK("http://evil.example","点我")'
HOSTILE_REASON = "+cmd|' /C calc'!A0"


@pytest.fixture
def studied(session, q4):
    """a1 did everything; a2 a little; a hostile member in branch B; a meeting in A."""
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a1, found, at(2026, 10, 5, 3))
    helpers.attempt(session, q4.a1, q4.test, percent=90, at=at(2026, 11, 2))
    helpers.study(session, q4.a2, q4.dailies[0], at(2026, 10, 5, 3))
    helpers.attempt(session, q4.a2, q4.test, percent=40, at=at(2026, 11, 2))
    q4.a2.user.name = "-张二"
    q4.b1.user.name = HOSTILE_NAME
    adjustments.add_adjustment(
        session, q4.b1, Q4, points=Decimal(3), reason=HOSTILE_REASON, by=q4.staff.user, now=AFTER_Q4
    )
    adjustments.set_override(
        session, q4.a2, Q4, rating=Rating.BASIC, reason="@SUM(1)", by=q4.staff.user, now=AFTER_Q4
    )
    helpers.meeting(
        session,
        q4.branch_a,
        at=at(2026, 10, 10, 6),
        attendance={q4.a1: AttendanceStatus.PRESENT, q4.a2: AttendanceStatus.ABSENT},
        kind=MeetingKind.LESSON,
    )
    session.flush()
    return q4


def read_xlsx(path):
    workbook = load_workbook(path)
    return {sheet.title: [list(row) for row in sheet.iter_rows()] for sheet in workbook.worksheets}


def values(rows):
    return [[cell.value for cell in row] for row in rows]


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_xlsx_has_the_members_and_the_branch_summaries(session, studied, tmp_path, closed):
    q4 = studied
    if closed:
        closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    path = tmp_path / "scores.xlsx"
    count = exports.export_scores(
        session, q4.committee, q4.committee, Q4, "xlsx", path, now=AFTER_Q4
    )
    assert count == 6
    sheets = read_xlsx(path)
    assert list(sheets) == [exports.MEMBERS_SHEET, exports.BRANCHES_SHEET]
    members = sheets[exports.MEMBERS_SHEET]
    for row in members + sheets[exports.BRANCHES_SHEET]:
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    table = values(members)
    assert table[0] == [
        "年度", "季度", "党委", "党支部", "姓名", "党员编号", "党籍状态",
        "学习完成率（原始）", "学习完成率（得分）", "学习计划测试（原始）", "学习计划测试（得分）",
        "每日答题（原始）", "每日答题（得分）", "会议出勤（原始）", "会议出勤（得分）",
        "加权总分", "支部排名", "评定建议", "备注",
    ]  # fmt: skip
    rows = {row[4]: row for row in table[1:]}
    a1 = rows["张一"]
    assert a1[:7] == [2026, 4, "季度党委", "第一支部", "张一", q4.a1.user.member_no, "正式党员"]
    # reading 5/5 → 100 × 30%; test 90 × 40%; daily quiz 0 of 92 days; attendance 1/1 → 20
    assert a1[7:15] == ["5／5", 30, 90, 36, "0／92", 0, "1／1", 20]
    assert a1[15:18] == [86, 1, "合格"]
    a2 = rows["-张二"]
    assert a2[17] == "基本合格"
    assert a2[18] == "评定调整：原建议不合格，@SUM(1)"
    hostile = rows[HOSTILE_NAME]
    assert hostile[3] == "第二支部"
    assert hostile[18].startswith(HOSTILE_REASON + "（+3.00）")
    assert hostile[16] == 1
    # Text cells stay text even when they look like formulas.
    name_cells = {row[4].value: row[4] for row in members[1:]}
    assert name_cells[HOSTILE_NAME].data_type == "s"

    summary = values(sheets[exports.BRANCHES_SHEET])
    assert summary[0][:9] == [
        "年度", "季度", "党委", "党支部", "党员人数", "完成率（%）", "测试参与率（%）",
        "通过率（%）", "平均分",
    ]  # fmt: skip
    branches = {row[3]: row for row in summary[1:]}
    a = branches["第一支部"]
    # Branch A: staff, secretary, a1, a2 — only a1 complete; all four have the test, two took
    # it, one passed; one 党课.
    assert a[4:8] == [4, 25, 50, 25]
    assert a[9 + list(exports.MEETING_NAMES).index(MeetingKind.LESSON)] == 1
    b = branches["第二支部"]
    assert b[4] == 2
    assert b[6] is None and b[7] is None  # no test in branch B


def test_csv_is_utf8_with_bom_and_neutralises_text(session, studied, tmp_path):
    path = tmp_path / "scores.csv"
    exports.export_scores(
        session, studied.committee, studied.committee, Q4, "csv", path, now=AFTER_Q4
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][4] == "姓名" and rows[0][-1] == "备注"
    names = [row[4] for row in rows[1:]]
    assert "'" + HOSTILE_NAME in names
    assert "'-张二" in names
    assert HOSTILE_NAME not in names
    hostile = next(row for row in rows if row[4] == "'" + HOSTILE_NAME)
    assert hostile[-1].startswith("'" + HOSTILE_REASON)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_a_branch_export_has_only_that_branch(session, studied, tmp_path):
    path = tmp_path / "b.csv"
    count = exports.export_scores(
        session, studied.committee, studied.branch_b, Q4, "csv", path, now=AFTER_Q4
    )
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert count == 2
    assert {row[3] for row in rows[1:]} == {"第二支部"}
