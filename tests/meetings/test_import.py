"""Importing past meetings: the template, every kind of bad row, all or nothing, twice is once,
the command and the staff page with its preview."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import Attendance, Meeting, MeetingEvent, MeetingKind, MeetingState
from studyhub.meetings.services import compliance, import_file, imports
from studyhub.meetings.services.import_file import HEADERS
from studyhub.org.models import UnitKind
from tests.meetings.test_evidence import make_plan

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
COLUMNS = list(HEADERS.values())


def row(**values) -> list:
    return [values.get(key, "") for key in HEADERS]


GOOD = [
    row(branch="甲支部", kind="党课", title="书记讲党课", started_at="2026-03-31 23:30",
        ended_at="2026-04-01 01:00", place="会议室", host_name="甲书记", lecturer_name="甲书记",
        minutes="## 内容\n\n学习。", decisions="撰写心得"),
    row(branch="甲支部", kind="党小组会", group="甲一小组", title="学习党章",
        started_at=datetime(2026, 4, 1, 0, 10)),
    row(branch="乙支部", kind="支委会", title="研究工作", started_at="2026年2月3日 9时30分"),
]  # fmt: skip


def write_xlsx(path: Path, rows: list[list], header: list[str] = COLUMNS) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def meetings(session) -> int:
    return session.scalar(select(func.count(Meeting.id)))


def check(session, unit, path, now=NOW, **kwargs):
    with import_file.open_sheet(path) as sheet:
        return imports.check_import(session, unit, sheet, now=now, **kwargs)


def test_good_file_imports_approved_records_without_attendance(session, world, tmp_path):
    path = write_xlsx(tmp_path / "past.xlsx", GOOD)
    checked = check(session, world.committee, path)
    assert checked.errors == []
    assert [r.row for r in checked.new] == [2, 3, 4]

    result = imports.apply_import(
        session, world.committee, checked, by=world.staff.user, now=NOW, source="past.xlsx"
    )

    assert (result.imported, result.skipped) == (3, 0)
    stored = session.scalars(select(Meeting).order_by(Meeting.started_at)).all()
    assert [(m.branch_id, m.kind, m.group_id) for m in stored] == [
        (world.branch_b.id, MeetingKind.COMMITTEE_MEETING, None),
        (world.branch_a.id, MeetingKind.LESSON, None),
        (world.branch_a.id, MeetingKind.GROUP_MEETING, world.group_a1.id),
    ]
    b, lesson, group = stored
    assert clock.as_utc(b.started_at) == datetime(2026, 2, 3, 1, 30, tzinfo=UTC)
    assert clock.as_utc(lesson.started_at) == datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    assert clock.as_utc(lesson.ended_at) == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    assert clock.as_utc(group.started_at) == datetime(2026, 3, 31, 16, 10, tzinfo=UTC)
    assert all(m.state == MeetingState.APPROVED for m in stored)
    assert lesson.reviewed_by_id == world.staff.user_id
    assert clock.as_utc(lesson.recorded_at) == NOW
    assert "<h2>内容</h2>" in lesson.minutes_html
    assert (lesson.lecturer_name, lesson.decisions, lesson.place) == (
        "甲书记",
        "撰写心得",
        "会议室",
    )
    assert session.scalar(select(func.count(Attendance.id))) == 0
    events = session.execute(select(MeetingEvent.action, MeetingEvent.detail)).all()
    assert sorted(e.detail["row"] for e in events) == [2, 3, 4]
    assert {e.action for e in events} == {queries.IMPORTED}
    # They count for compliance: Q1 lesson and April's 甲一 meeting held.
    year = compliance.compliance(session, world.branch_a, 2026, now=NOW)
    lesson_line = next(x for x in year.lines if x.kind == MeetingKind.LESSON)
    assert lesson_line.cells[0].status == compliance.Status.MET
    group_line = next(x for x in year.lines if x.group_id == world.group_a1.id)
    assert group_line.cells[3].status == compliance.Status.MET

    again = check(session, world.committee, path)
    assert again.errors == [] and again.known == 3 and again.new == []
    second = imports.apply_import(session, world.committee, again, by=None, now=NOW, source="x")
    assert (second.imported, second.skipped) == (0, 3)
    assert meetings(session) == 3


BAD_ROWS = [
    (row(branch="甲支部", kind="茶话会", title="x", started_at="2026-01-05 10:00"), "会议类型",
     "茶话会 is not a kind of meeting"),
    (row(branch="丁支部", kind="党课", title="x", started_at="2026-01-05 10:00"), "所属支部",
     "丁支部 is not a branch of 会议测试党委."),
    (row(branch="甲支部", kind="党小组会", group="丙小组", title="x",
         started_at="2026-01-05 10:00"), "党小组", "甲支部 has no Party group 丙小组."),
    (row(branch="甲支部", kind="党小组会", title="x", started_at="2026-01-05 10:00"), "党小组",
     "A Party group meeting needs its group."),
    (row(branch="甲支部", kind="党课", group="甲一小组", title="x",
         started_at="2026-01-05 10:00"), "党小组",
     "Only a Party group meeting belongs to a group."),
    (row(branch="甲支部", kind="党课", title="x", started_at="2026-02-30 10:00"), "开始时间",
     "2026-02-30 10:00 is not a date and time"),
    (row(branch="甲支部", kind="党课", title="x", started_at="下周一"), "开始时间",
     "下周一 is not a date and time"),
    (row(branch="甲支部", kind="党课", title="x", started_at="2026-01-05"), "开始时间",
     "Write the time too"),
    (row(branch="甲支部", kind="党课", title="x", started_at="2026-07-01 10:00"), "开始时间",
     "Only meetings that have taken place are imported."),
    (row(branch="甲支部", kind="党课", title="x", started_at="2026-01-05 10:00",
         ended_at="2026-01-05 09:00"), "结束时间", "The end must be after the start"),
    (row(branch="甲支部", kind="党课", title="", started_at="2026-01-05 10:00"), "议题",
     "Give the topic of the meeting."),
    (row(branch="甲支部", kind="党课", title="长" * 201, started_at="2026-01-05 10:00"), "议题",
     "Too long: 200 characters at most."),
    (row(branch="甲支部", kind="支部委员会", title="x", started_at="2026-01-05 10:00",
         plan="不存在的计划"), "关联学习计划", "Only a Party lesson or a general meeting"),
    (row(branch="甲支部", kind="党课", title="x", started_at="2026-01-05 10:00",
         plan="不存在的计划"), "关联学习计划", "不存在的计划 is not a study plan of the branch."),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "column", "message"), BAD_ROWS)
def test_each_bad_row_stops_the_whole_file(session, world, tmp_path, bad, column, message):
    path = write_xlsx(tmp_path / "bad.xlsx", [*GOOD, bad])
    checked = check(session, world.committee, path)
    assert [(e.row, e.column) for e in checked.errors] == [(5, column)]
    assert message in checked.errors[0].message
    with pytest.raises(InvalidInput):
        imports.apply_import(session, world.committee, checked, by=None, now=NOW, source="x")
    assert meetings(session) == 0


def test_every_problem_is_listed_and_duplicate_rows_are_one(session, world, tmp_path):
    rows = [*GOOD, GOOD[0], row(place="会议室"), row()]  # the blank row is skipped
    checked = check(session, world.committee, write_xlsx(tmp_path / "f.xlsx", rows))
    assert [(e.row, e.column) for e in checked.errors] == [
        (5, None),
        (6, "所属支部"),
        (6, "会议类型"),
        (6, "议题"),
        (6, "开始时间"),
    ]
    assert checked.errors[0].message == "This is the same meeting as in row 2."


def test_file_level_problems(session, world, tmp_path):
    not_xlsx = tmp_path / "x.xlsx"
    not_xlsx.write_bytes(b"not a zip")
    with pytest.raises(import_file.ImportFileError, match="cannot be read"):
        check(session, world.committee, not_xlsx)
    no_header = write_xlsx(tmp_path / "h.xlsx", [["a", "b"]], header=["甲", "乙"])
    with pytest.raises(import_file.ImportFileError, match="No row of column names"):
        check(session, world.committee, no_header)
    missing = write_xlsx(tmp_path / "m.xlsx", [], header=["议题", "所属支部"])
    with pytest.raises(import_file.ImportFileError, match="no column 会议类型、开始时间"):
        check(session, world.committee, missing)
    too_many = write_xlsx(tmp_path / "t.xlsx", GOOD)
    checked = check(session, world.committee, too_many, max_rows=2)
    assert checked.errors[-1].message == "The file has more than 2 rows; split it."


def test_ambiguous_branch_names_need_the_general_branch(session, world, make, tmp_path):
    general = make.unit(world.committee, UnitKind.GENERAL_BRANCH, "机关党总支")
    make.unit(general, UnitKind.BRANCH, "甲支部")
    rows = [
        row(branch="甲支部", kind="党课", title="x", started_at="2026-01-05 10:00"),
        row(branch="机关党总支/甲支部", kind="党课", title="y", started_at="2026-01-06 10:00"),
    ]
    checked = check(session, world.committee, write_xlsx(tmp_path / "a.xlsx", rows))
    assert [(e.row, e.column) for e in checked.errors] == [(2, "所属支部")]
    assert "Several branches are called 甲支部" in checked.errors[0].message


def test_template_reads_back_and_imports_nothing_as_it_is(session, world, tmp_path):
    buffer = import_file.build_template(session, world.committee)
    path = tmp_path / "template.xlsx"
    path.write_bytes(buffer.getvalue())
    workbook = load_workbook(path)
    sheet = workbook["往期会议"]
    assert [c.value for c in sheet[1]] == COLUMNS
    notes = [r[0] for r in workbook["填写说明"].iter_rows(values_only=True) if r and r[0]]
    assert "甲支部" in notes and "乙支部" in notes
    checked = check(session, world.committee, path)
    assert (checked.rows, checked.errors) == ([], [])


@pytest.fixture
def cli(app, session):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["import-meetings", *args])

    return invoke


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)


def test_command_imports_once_and_reports_json(cli, session, world, tmp_path, frozen):
    path = write_xlsx(tmp_path / "past.xlsx", GOOD)
    first = cli(str(path), "--committee", "会议测试党委", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"imported": 3, "skipped": 0, "errors": []}
    second = cli(str(path), "--committee", "会议测试党委")
    assert second.exit_code == 0
    assert "Imported 0 meetings, skipped 3 already there (into 会议测试党委)." in second.stdout
    assert meetings(session) == 3


def test_command_bad_row_imports_nothing(cli, session, world, tmp_path, frozen):
    path = write_xlsx(tmp_path / "bad.xlsx", [*GOOD, BAD_ROWS[0][0]])
    result = cli(str(path), "--committee", "会议测试党委", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["imported"] == 0 and [e["row"] for e in report["errors"]] == [5]
    plain = cli(str(path), "--committee", "会议测试党委")
    assert "row 5 [会议类型]: 茶话会 is not a kind of meeting" in plain.stdout
    assert "nothing was imported" in plain.stderr
    assert meetings(session) == 0


def upload(client, unit_id: int, data: bytes, filename: str = "往期会议.xlsx"):
    return client.post(
        f"/meetings/units/{unit_id}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_staff_page_previews_then_imports_once(
    session, world, client, login, tmp_path, frozen, app, monkeypatch
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    login(world.staff.user)
    data = write_xlsx(tmp_path / "past.xlsx", GOOD).read_bytes()
    page = upload(client, world.committee.id, data).get_data(as_text=True)
    assert 'id="import-preview"' in page
    assert re.search(r'id="count-new">3<', page)
    assert meetings(session) == 0
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)[1]
    confirm = {"token": token, "filename": "往期会议.xlsx"}
    done = client.post(f"/meetings/units/{world.committee.id}/import", data=confirm)
    assert done.status_code == 302
    assert meetings(session) == 3
    event = session.scalars(select(MeetingEvent)).first()
    assert event.detail["file"] == "往期会议.xlsx" and event.user_id == world.staff.user_id
    again = client.post(f"/meetings/units/{world.committee.id}/import", data=confirm)
    assert again.status_code == 302 and meetings(session) == 3

    bad = write_xlsx(tmp_path / "bad.xlsx", [*GOOD, BAD_ROWS[1][0]]).read_bytes()
    page = upload(client, world.committee.id, bad).get_data(as_text=True)
    assert 'id="import-errors"' in page and "丁支部 is not a branch" in page
    assert 'name="token"' not in page


def test_only_staff_may_import(session, world, client, login):
    for member in (world.secretary_a, world.member_a1, world.other_staff):
        login(member.user)
        assert client.get(f"/meetings/units/{world.committee.id}/import").status_code == 403
        with client.get(f"/meetings/units/{world.committee.id}/import/template") as response:
            assert response.status_code == 403
    login(world.staff.user)
    with client.get(f"/meetings/units/{world.committee.id}/import/template") as response:
        assert response.status_code == 200
        assert load_workbook(io.BytesIO(response.get_data())).sheetnames == ["往期会议", "填写说明"]


def test_a_lesson_links_the_branch_plan_by_title(session, world, tmp_path):
    plan = make_plan(session, world, target=world.branch_a, with_quiz=False)
    rows = [
        row(branch="甲支部", kind="党课", title="x", started_at="2026-01-05 10:00",
            plan=plan.title),
        row(branch="乙支部", kind="党课", title="y", started_at="2026-01-05 10:00",
            plan=plan.title),
    ]  # fmt: skip
    checked = check(session, world.committee, write_xlsx(tmp_path / "p.xlsx", rows))
    assert [(e.row, e.column) for e in checked.errors] == [(3, "关联学习计划")]
    checked = check(session, world.committee, write_xlsx(tmp_path / "q.xlsx", rows[:1]))
    imports.apply_import(session, world.committee, checked, by=None, now=NOW, source="q.xlsx")
    assert session.scalars(select(Meeting.plan_id)).one() == plan.id
