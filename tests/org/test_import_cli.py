"""``studyhub import-members``: a summary, JSON, all or nothing, the committee by name."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from studyhub.accounts.models import User
from studyhub.org.models import Member
from tests.org.test_roster import GOOD_ROWS, Org, build_org, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text


@pytest.fixture
def org(make) -> Org:
    return build_org(make)


@pytest.fixture
def cli(app, session):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["import-members", *args])

    return invoke


def count_members(session) -> int:
    return session.scalar(select(func.count(Member.id)))


def test_good_file_imports_and_prints_a_summary(cli, session, org: Org, tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx", GOOD_ROWS)
    before = count_members(session)
    result = cli(str(path))  # the only committee: --committee may be left out
    assert result.exit_code == 0, result.output
    assert "Imported 3, updated 0, unchanged 0 (into 测试党委)." in result.stdout
    assert "Importing" in result.stderr
    assert count_members(session) == before + 3
    assert session.scalar(select(User.name).where(User.member_no == "A002")) == "李明"


def test_json_summary_and_a_second_run_changes_nothing(cli, session, org: Org, tmp_path):
    path = write_csv(tmp_path / "roster.csv", GOOD_ROWS, encoding="gb18030")
    first = cli(str(path), "--committee", "测试党委", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"imported": 3, "updated": 0, "unchanged": 0, "errors": []}
    second = cli(str(path), "--committee", "测试党委", "--json")
    assert json.loads(second.stdout) == {"imported": 0, "updated": 0, "unchanged": 3, "errors": []}


def test_one_bad_row_imports_nothing_and_names_the_row(cli, session, org: Org, tmp_path):
    rows = [*GOOD_ROWS, ["钱多", "1380000", "A004", "", "", "一支部", "", ""]]
    path = write_csv(tmp_path / "roster.csv", rows)
    before = count_members(session)
    result = cli(str(path))
    assert result.exit_code == 1
    assert "row 5 [手机号]: 1380000 is not a mainland mobile number." in result.stdout
    assert "nothing was imported" in result.stderr
    assert count_members(session) == before

    as_json = cli(str(path), "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "imported": 0,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {"row": 5, "column": "手机号", "message": "1380000 is not a mainland mobile number."}
        ],
    }
    assert count_members(session) == before


def test_unreadable_file_is_an_error_without_a_row(cli, session, org: Org, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\x80\xff\x80\xff")
    result = cli(str(path), "--json")
    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)["errors"]
    assert error["row"] is None and "not UTF-8 or GB18030" in error["message"]


def test_committee_must_be_named_when_there_are_several(cli, session, org: Org, make, tmp_path):
    make.committee("另一个党委")
    path = write_csv(tmp_path / "roster.csv", GOOD_ROWS)
    result = cli(str(path))
    assert result.exit_code != 0
    assert "--committee" in result.output and "另一个党委" in result.output
    unknown = cli(str(path), "--committee", "没有这个党委")
    assert unknown.exit_code != 0
    assert "No committee is called 没有这个党委" in unknown.output
    named = cli(str(path), "--committee", "测试党委")
    assert named.exit_code == 0, named.output
