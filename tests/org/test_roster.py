"""Roster import at the service level: reading, checking every row, writing all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from studyhub.accounts.models import User
from studyhub.accounts.services import authenticate, has_usable_password
from studyhub.core.errors import InvalidInput
from studyhub.org import roster, services
from studyhub.org.models import Member, MemberStatus, OrgUnit, Role, RoleAssignment, UnitKind
from studyhub.web.storage import LocalStorage
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text

HEADER = ["姓名", "手机号", "党员编号", "党员类型", "入党日期", "所属支部", "党小组", "职务"]


def write_csv(path: Path, rows: list[list[object]], *, encoding: str = "utf-8") -> Path:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@dataclass
class Org:
    committee: OrgUnit
    first: OrgUnit  # 一支部, groups 一组 and 二组
    group_one: OrgUnit
    group_two: OrgUnit
    second: OrgUnit  # 二支部
    twin_a: OrgUnit  # 甲总支/机关支部
    twin_b: OrgUnit  # 乙总支/机关支部


def build_org(make) -> Org:
    """测试党委 with 一支部 (groups 一组, 二组), 二支部 and two branches called 机关支部."""
    committee = make.committee("测试党委")
    first = make.branch(committee, "一支部")
    group_one = make.unit(first, UnitKind.GROUP, "一组")
    group_two = make.unit(first, UnitKind.GROUP, "二组")
    second = make.branch(committee, "二支部")
    general_a = make.unit(committee, UnitKind.GENERAL_BRANCH, "甲总支")
    general_b = make.unit(committee, UnitKind.GENERAL_BRANCH, "乙总支")
    return Org(
        committee=committee,
        first=first,
        group_one=group_one,
        group_two=group_two,
        second=second,
        twin_a=make.unit(general_a, UnitKind.BRANCH, "机关支部"),
        twin_b=make.unit(general_b, UnitKind.BRANCH, "机关支部"),
    )


@pytest.fixture
def org(make) -> Org:
    return build_org(make)


def check(session, committee: OrgUnit, path: Path) -> roster.CheckedRoster:
    with roster.open_roster(path) as sheet:
        return roster.validate_roster(session, committee, sheet)


def run_import(session, committee: OrgUnit, path: Path, **kwargs) -> roster.ImportResult:
    checked = check(session, committee, path)
    assert checked.errors == []
    return roster.apply_roster(
        session,
        committee,
        checked,
        now=NOW,
        actor_id=None,
        **kwargs,
    )


def member_by_no(session, member_no: str) -> Member:
    return session.scalars(
        select(Member).join(Member.user).where(User.member_no == member_no)
    ).one()


def count_members(session) -> int:
    return session.scalar(select(func.count(Member.id)))


GOOD_ROWS = [
    HEADER,
    ["王红", "13700000001", "A001", "正式党员", "2001-07-01", "一支部", "一组", "组织委员"],
    ["李明", "137 0000 0002", "A002", "预备党员", "2020/3/5", "二支部", "", ""],
    ["赵亮", "", "A003", "", "1998年10月1日", "甲总支/机关支部", "", ""],
]


def test_valid_xlsx_creates_members_without_usable_passwords(session, org, tmp_path):
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][4] = datetime(2001, 7, 1)  # a real Excel date cell
    rows[1][1] = 13700000001  # a phone typed as a number
    before = count_members(session)
    result = run_import(session, org.committee, write_xlsx(tmp_path / "r.xlsx", rows))
    assert (result.imported, result.updated, result.unchanged) == (3, 0, 0)
    assert count_members(session) == before + 3
    wang = member_by_no(session, "A001")
    assert wang.user.name == "王红"
    assert wang.user.phone == "13700000001"
    assert (wang.branch_id, wang.group_id) == (org.first.id, org.group_one.id)
    assert wang.org_path == org.group_one.path
    assert wang.status is MemberStatus.FULL
    assert wang.joined_on == date(2001, 7, 1)
    assert wang.position == "组织委员"
    assert wang.user.must_change_password is True
    assert not has_usable_password(wang.user)
    assert authenticate(session, "13700000001", "000001") is None
    li = member_by_no(session, "A002")
    assert li.user.phone == "13700000002"
    assert li.status is MemberStatus.PROBATIONARY
    assert li.joined_on == date(2020, 3, 5)
    zhao = member_by_no(session, "A003")
    assert zhao.user.phone is None
    assert zhao.branch_id == org.twin_a.id
    assert zhao.joined_on == date(1998, 10, 1)
    assert authenticate(session, "A003", "A003") is None  # nor the member number


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_excel_writes(session, org, tmp_path, encoding):
    path = write_csv(tmp_path / "r.csv", GOOD_ROWS, encoding=encoding)
    assert roster.detect_encoding(path) == encoding
    result = run_import(session, org.committee, path)
    assert result.imported == 3
    assert member_by_no(session, "A003").user.name == "赵亮"
    assert member_by_no(session, "A001").position == "组织委员"


def test_undecodable_csv_is_refused_with_a_clear_message(session, org, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("姓名,手机号\n".encode() + b"\x80\xff\x80\n")
    with pytest.raises(roster.RosterFileError, match="not UTF-8 or GB18030"):
        check(session, org.committee, path)


def test_workbook_named_csv_and_garbage_xlsx_are_refused(session, org, tmp_path):
    xlsx = write_xlsx(tmp_path / "r.xlsx", GOOD_ROWS)
    renamed = tmp_path / "r.csv"
    renamed.write_bytes(xlsx.read_bytes())
    with pytest.raises(roster.RosterFileError, match="Excel workbook"):
        check(session, org.committee, renamed)
    garbage = tmp_path / "g.xlsx"
    garbage.write_text("not a workbook")
    with pytest.raises(roster.RosterFileError, match="cannot be read"):
        check(session, org.committee, garbage)
    with pytest.raises(roster.RosterFileError, match=r"\.xlsx or \.csv"):
        check(session, org.committee, tmp_path / "r.txt")


def test_english_headers_synonyms_and_a_title_row(session, org, tmp_path):
    rows = [
        ["测试党委党员名册", None],
        ["序号", "Name", "mobile", "member_no", "Branch", "性别", "所属党小组"],
        [1, "王红", "13700000001", "A001", "一支部", "女", "二组"],
    ]
    checked = check(session, org.committee, write_xlsx(tmp_path / "r.xlsx", rows))
    assert checked.errors == []
    (entry,) = checked.entries
    assert entry.row == 3
    assert entry.group_id == org.group_two.id
    assert entry.fields.status is MemberStatus.FULL


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["姓名", "手机号"], "所属支部"),
        (["手机号", "所属支部"], None),  # no name column at all: no header row found
        (["姓名", "所属支部", "职务"], "手机号/党员编号"),
    ],
)
def test_missing_columns_are_named(session, org, tmp_path, header, missing):
    path = write_csv(tmp_path / "r.csv", [header, ["x"] * len(header)])
    with pytest.raises(roster.RosterFileError) as info:
        check(session, org.committee, path)
    assert (missing or "No row of column names") in str(info.value)


@pytest.fixture
def outsider(make):
    """A member of another committee."""
    return make.member(make.branch(make.committee("别的党委"), "外支部"))


BAD_ROWS = {
    "missing name": (
        ["", "13700000009", "B9", "", "", "一支部", "", ""],
        "姓名",
        "name is missing",
    ),
    "no login": (["王红", "", "", "", "", "一支部", "", ""], "手机号", "phone number or a member"),
    "bad phone": (["王红", "1234567", "B9", "", "", "一支部", "", ""], "手机号", "1234567 is not"),
    "bad member number": (["王红", "", "B 9!", "", "", "一支部", "", ""], "党员编号", "letters"),
    "unknown branch": (
        ["王红", "", "B9", "", "", "三支部", "", ""],
        "所属支部",
        "三支部 is not a branch of 测试党委",
    ),
    "missing branch": (["王红", "", "B9", "", "", "", "", ""], "所属支部", "branch is missing"),
    "ambiguous branch": (["王红", "", "B9", "", "", "机关支部", "", ""], "所属支部", "Several"),
    "unknown group": (["王红", "", "B9", "", "", "二支部", "一组", ""], "党小组", "no Party group"),
    "bad date": (["王红", "", "B9", "", "2001-13-01", "一支部", "", ""], "入党日期", "not a date"),
    "old date": (["王红", "", "B9", "", "1850-01-01", "一支部", "", ""], "入党日期", "possible"),
    "bad status": (["王红", "", "B9", "党员", "", "一支部", "", ""], "党员类型", "正式党员"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_each_bad_row_is_reported_at_its_row_and_nothing_is_written(session, org, tmp_path, case):
    bad, column, message = BAD_ROWS[case]
    rows = [HEADER, GOOD_ROWS[1], GOOD_ROWS[2], bad, GOOD_ROWS[3]]
    checked = check(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert [(e.row, e.column) for e in checked.errors] == [(4, column)]
    assert message in checked.errors[0].message
    before = count_members(session)
    with pytest.raises(InvalidInput):
        roster.apply_roster(
            session,
            org.committee,
            checked,
            now=NOW,
            actor_id=None,
        )
    assert count_members(session) == before


def test_duplicates_inside_the_file_name_both_rows(session, org, tmp_path):
    rows = [
        HEADER,
        ["甲", "13700000001", "B1", "", "", "一支部", "", ""],
        ["乙", "13700000002", "B1", "", "", "一支部", "", ""],
        ["丙", "13700000001", "B3", "", "", "一支部", "", ""],
    ]
    checked = check(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert [(e.row, e.column, e.message) for e in checked.errors] == [
        (3, "党员编号", "B1 is in row 2 too."),
        (4, "手机号", "13700000001 is in row 2 too."),
    ]


def test_logins_of_other_people_are_refused(session, org, make, outsider, tmp_path):
    known = make.member(org.first, name="老党员")
    rows = [
        HEADER,
        # a new member number with the phone of someone who has a number already
        ["甲", known.user.phone, "B1", "", "", "一支部", "", ""],
        # the member number of someone in another committee
        ["乙", "", outsider.user.member_no, "", "", "一支部", "", ""],
        # the phone of someone in another committee: not named
        ["丙", outsider.user.phone, "", "", "", "一支部", "", ""],
        # a known member, with the phone of another known member
        ["老党员", "13700000005", known.user.member_no, "", "", "一支部", "", ""],
        ["丁", "13700000005", "B5", "", "", "一支部", "", ""],
    ]
    checked = check(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    found = {(e.row, e.column): e.message for e in checked.errors}
    assert found[(2, "手机号")] == f"The phone number {known.user.phone} belongs to 老党员."
    assert "not a member of this committee" in found[(3, "党员编号")]
    assert "not a member of this committee" in found[(4, "手机号")]
    assert outsider.user.name not in " ".join(found.values())
    assert found[(6, "手机号")] == "13700000005 is in row 5 too."
    assert len(checked.errors) == 4


def test_a_member_listed_twice_is_refused(session, org, make, tmp_path):
    known = make.member(org.first)
    rows = [
        HEADER,
        [known.user.name, "", known.user.member_no, "", "", "一支部", "", ""],
        [known.user.name, known.user.phone, "", "", "", "一支部", "", ""],
    ]
    checked = check(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert [(e.row, e.message) for e in checked.errors] == [
        (3, "This is the same member as in row 2.")
    ]


def test_several_errors_in_one_row_are_all_reported(session, org, tmp_path):
    rows = [HEADER, ["", "123", "", "x", "soon", "无", "", ""]]
    checked = check(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert {e.column for e in checked.errors} == {
        "姓名",
        "手机号",
        "党员类型",
        "入党日期",
        "所属支部",
    }
    assert {e.row for e in checked.errors} == {2}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2001, 7, 1, 0, 0), date(2001, 7, 1)),
        (date(2001, 7, 1), date(2001, 7, 1)),
        (37073, date(2001, 7, 1)),  # an Excel serial number
        (20010701, date(2001, 7, 1)),
        ("2001-07-01", date(2001, 7, 1)),
        ("2001/7/1", date(2001, 7, 1)),
        ("2001年7月1日", date(2001, 7, 1)),
        ("2001.07.01", date(2001, 7, 1)),
        ("2001-07-01 00:00:00", date(2001, 7, 1)),
        ("20010701", date(2001, 7, 1)),
        ("2001.07", date(2001, 7, 1)),
        ("2001年7月", date(2001, 7, 1)),
    ],
)
def test_dates_as_people_write_them(value, expected):
    assert roster.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2001-02-30", "July 2001", "01/07/2001", "1900-01-01", 3.5])
def test_bad_dates(value):
    with pytest.raises(InvalidInput):
        roster.parse_date(value)


def test_reimporting_the_same_file_changes_nothing(session, org, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", GOOD_ROWS)
    assert run_import(session, org.committee, path).imported == 3
    wang = member_by_no(session, "A001")
    stamp = wang.updated_at
    again = run_import(session, org.committee, path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    session.refresh(wang)
    assert wang.updated_at == stamp


def test_edited_file_updates_by_member_number(session, org, make, tmp_path):
    path = write_csv(tmp_path / "r.csv", GOOD_ROWS)
    run_import(session, org.committee, path)
    wang = member_by_no(session, "A001")
    services.appoint(session, wang.user, org.first, Role.SECRETARY, by=None, now=NOW)
    edited = [list(r) for r in GOOD_ROWS]
    edited[1][0] = "王小红"  # renamed
    edited[1][1] = "13700000011"  # new phone
    edited[1][5], edited[1][6] = "二支部", ""  # moved to another branch
    edited[2][3] = "正式党员"  # became a full member
    result = run_import(session, org.committee, write_csv(tmp_path / "e.csv", edited))
    assert (result.imported, result.updated, result.unchanged) == (0, 2, 1)
    session.refresh(wang)
    assert wang.user.name == "王小红"
    assert wang.user.phone == "13700000011"
    assert (wang.branch_id, wang.group_id, wang.org_path) == (org.second.id, None, org.second.path)
    roles = session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == wang.user_id))
    assert list(roles) == []  # the branch role stayed behind
    assert member_by_no(session, "A002").status is MemberStatus.FULL


def test_rows_without_member_number_match_by_phone_and_keep_the_number(
    session, org, make, tmp_path
):
    known = make.member(org.first, name="老党员")
    number = known.user.member_no
    rows = [HEADER, ["老党员", known.user.phone, "", "预备党员", "", "一支部", "", ""]]
    result = run_import(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert (result.imported, result.updated) == (0, 1)
    session.refresh(known)
    assert known.user.member_no == number
    assert known.status is MemberStatus.PROBATIONARY


def test_a_member_number_is_given_to_a_member_known_by_phone(session, org, make, tmp_path):
    known = make.member(org.first, name="老党员")
    known.user.member_no = None
    session.flush()
    rows = [HEADER, ["老党员", known.user.phone, "N77", "", "2001-07-01", "一支部", "", ""]]
    result = run_import(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert result.updated == 1
    session.refresh(known)
    assert known.user.member_no == "N77"


def test_inactive_member_listed_again_is_reactivated(session, org, make, tmp_path):
    known = make.member(org.first, name="老党员")
    services.set_member_active(known, is_active=False, actor_id=None, now=NOW)
    session.flush()
    rows = [
        ["姓名", "党员编号", "所属支部"],
        ["老党员", known.user.member_no, "一支部"],
    ]
    result = run_import(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert result.updated == 1
    session.refresh(known)
    assert known.is_active is True and known.user.is_enabled is True


def test_missing_columns_keep_and_blank_cells_clear(session, org, make, tmp_path):
    known = make.member(org.first, name="老党员", group=org.group_one)
    known.position = "宣传委员"
    session.flush()
    sparse = [["姓名", "党员编号", "所属支部"], ["老党员", known.user.member_no, "一支部"]]
    result = run_import(session, org.committee, write_csv(tmp_path / "s.csv", sparse))
    assert result.unchanged == 1
    session.refresh(known)
    assert (known.position, known.group_id, known.joined_on) == (
        "宣传委员",
        org.group_one.id,
        date(2001, 7, 1),
    )
    full = [HEADER, ["老党员", "", known.user.member_no, "", "", "一支部", "", ""]]
    result = run_import(session, org.committee, write_csv(tmp_path / "f.csv", full))
    assert result.updated == 1
    session.refresh(known)
    assert (known.position, known.group_id, known.joined_on) == (None, None, None)
    assert known.user.phone is not None  # a blank phone keeps the login


def test_branch_path_notation_resolves_twins(session, org, tmp_path):
    rows = [
        HEADER,
        ["甲", "", "B1", "", "", "甲总支/机关支部", "", ""],
        ["乙", "", "B2", "", "", "测试党委／乙总支／机关支部", "", ""],
        ["丙", "", "B3", "", "", "丙总支/机关支部", "", ""],
    ]
    checked = check(session, org.committee, write_csv(tmp_path / "r.csv", rows))
    assert [e.branch_id for e in checked.entries] == [org.twin_a.id, org.twin_b.id]
    assert [(e.row, e.column) for e in checked.errors] == [(4, "所属支部")]


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(session, org, tmp_path):
    rows = [HEADER, GOOD_ROWS[1], [], [None] * 8, ["", "1", "", "", "", "一支部", "", ""]]
    checked = check(session, org.committee, write_xlsx(tmp_path / "r.xlsx", rows))
    assert [e.row for e in checked.entries] == [2]
    assert {e.row for e in checked.errors} == {5}


def test_too_many_rows(session, org, tmp_path):
    rows = [HEADER] + [[f"人{i}", "", f"M{i}", "", "", "一支部", "", ""] for i in range(5)]
    path = write_csv(tmp_path / "r.csv", rows)
    with roster.open_roster(path) as sheet:
        checked = roster.validate_roster(session, org.committee, sheet, max_rows=3)
    assert [(e.row, e.message) for e in checked.errors] == [
        (5, "The file has more than 3 rows; split it.")
    ]


def test_progress_is_reported_for_every_row(session, org, tmp_path):
    ticks: list[int] = []
    run_import(
        session, org.committee, write_csv(tmp_path / "r.csv", GOOD_ROWS), on_progress=ticks.append
    )
    assert sum(ticks) == 3


def test_template_lists_branches_and_reimports_after_filling_one_row(session, org, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(roster.build_template(session, org.committee).getvalue())
    workbook = load_workbook(path)
    data, notes = workbook.worksheets
    assert [c.value for c in data[1]] == HEADER
    notes_text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "一支部" in notes_text and "一组、二组" in notes_text
    assert "甲总支/机关支部" in notes_text
    # Left as it is, the example row imports nothing.
    assert check(session, org.committee, path).entries == []
    for cell, value in zip(
        data[3],
        ["孙梅", "13700000031", "C1", "预备党员", date(2019, 6, 30), "一支部", "二组", ""],
        strict=True,
    ):
        cell.value = value
    workbook.save(path)
    result = run_import(session, org.committee, path)
    assert result.imported == 1
    sun = member_by_no(session, "C1")
    assert (sun.group_id, sun.joined_on) == (org.group_two.id, date(2019, 6, 30))


def test_csv_template_reimports(session, org, tmp_path):
    path = tmp_path / "template.csv"
    path.write_bytes(roster.build_template(session, org.committee, kind="csv").getvalue())
    assert roster.detect_encoding(path) == "utf-8-sig"
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["孙梅", "13700000031", "", "", "", "二支部", "", ""])
    assert run_import(session, org.committee, path).imported == 1


def test_import_into_a_branch_only_sees_that_branch(session, org, make, tmp_path):
    elsewhere = make.member(org.second)
    rows = [
        HEADER,
        ["甲", "", "B1", "", "", "一支部", "", ""],
        ["乙", "", "B2", "", "", "二支部", "", ""],
        [elsewhere.user.name, "", elsewhere.user.member_no, "", "", "一支部", "", ""],
    ]
    checked = check(session, org.first, write_csv(tmp_path / "r.csv", rows))
    assert [(e.row, e.column) for e in checked.errors] == [(3, "所属支部"), (4, "党员编号")]


def test_upload_stash_hands_a_file_out_once_and_only_to_its_owner(tmp_path):
    stash = roster.UploadStash("imports", owner="1-2", storage=LocalStorage(tmp_path))
    token = stash.put(io.BytesIO(b"data"), filename="Roster.CSV", now=NOW)
    assert token.endswith(".csv")
    other = roster.UploadStash("imports", owner="1-3", storage=LocalStorage(tmp_path))
    assert other.claim(token) is None
    assert stash.claim("../../etc/passwd") is None
    claimed = stash.claim(token)
    assert claimed is not None and claimed.read_bytes() == b"data"
    assert stash.claim(token) is None  # a double submit finds nothing
