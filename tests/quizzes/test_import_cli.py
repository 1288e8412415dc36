"""``studyhub import-questions``: the JSON report, all or nothing, the bank made when needed."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from studyhub.quizzes.models import Bank, Question
from studyhub.quizzes.services import bank as bank_service
from tests.conftest import NOW, shared_data
from tests.quizzes.bank_helpers import Org, count_questions


@pytest.fixture
def cli(app, session, org: Org):
    runner = app.test_cli_runner()

    def invoke(relative: str, *args: str):
        path = shared_data(f"moodle/{relative}")
        return runner.invoke(args=["import-questions", str(path), *args])

    return invoke


def bank_named(session, name: str) -> Bank | None:
    return session.scalars(select(Bank).where(Bank.name == name)).first()


def test_json_report_creates_the_bank_and_a_second_run_adds_nothing(session, cli, org: Org):
    result = cli("gift/questions.gift.txt", "--bank", "Moodle", "--committee", "题库党委", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # exactly one JSON object, nothing else on stdout
    by_type = report.pop("by_type")
    assert report == {
        "stored": 6,  # with the essay Q8
        "updated": 0,
        "unchanged": 0,
        "duplicates": 1,
        "skipped": [
            {"name": "Moodle activities", "type": "matching", "line": 5},
            {"name": "Q5", "type": "numerical", "line": 31},
        ],
        "invalid": 0,
        "errors": [],
        "warnings": [],
        "blocked": False,
    }
    assert by_type["truefalse"] == {"stored": 2, "duplicates": 1}
    assert by_type["essay"] == {"stored": 1}
    assert by_type["numerical"] == {"skipped": 1}
    assert "Storing" in result.stderr and "the new bank Moodle" in result.stderr
    bank = bank_named(session, "Moodle")
    assert bank.committee_id == org.committee.id and count_questions(session, bank) == 6

    again = cli("gift/questions.gift.txt", "--bank", "Moodle", "--committee", "题库党委", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["stored"] == 0
    assert json.loads(again.stdout)["unchanged"] == 6
    assert json.loads(again.stdout)["duplicates"] == 7
    assert count_questions(session, bank) == 6


def test_invalid_questions_import_nothing_not_even_the_bank(session, cli):
    result = cli("aiken/aiken_errors.txt", "--bank", "Aiken", "--committee", "题库党委", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["stored"] == 0
    assert [error["line"] for error in report["errors"]] == [1, 5, 14]
    assert bank_named(session, "Aiken") is None

    skipped = cli(
        "aiken/aiken_errors.txt",
        "--bank", "Aiken", "--committee", "题库党委", "--skip-invalid", "--json",
    )  # fmt: skip
    assert skipped.exit_code == 0
    assert json.loads(skipped.stdout)["stored"] == 2
    assert count_questions(session, bank_named(session, "Aiken")) == 2


def test_an_existing_bank_a_category_and_a_forced_format(session, cli, org: Org):
    bank = bank_service.create_bank(session, org.committee, name="党史", now=NOW)
    result = cli(
        "missingword/question.missingword1.txt",
        "--bank", "党史", "--committee", "题库党委", "--category", "导入/缺词", "--format", "gift",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Stored 1, updated 0, unchanged 0, duplicates 0, skipped 0, invalid 0" in result.stdout
    question = session.scalars(select(Question).where(Question.bank_id == bank.id)).one()
    assert [n.label for n in bank_service.category_tree(session, bank)] == ["导入", "导入/缺词"]
    assert question.category_id is not None


def test_errors_are_printed_with_their_lines(session, cli):
    result = cli("xml/error_invalid_grades.xml", "--bank", "X", "--committee", "题库党委")
    assert result.exit_code == 1
    assert re.search(r"^line \d+: .*invalid grades.*99\.67", result.stdout, re.M)
    assert "nothing was imported" in result.stderr


def test_the_committee_must_be_named_when_there_are_several(session, cli):
    result = cli("aiken/questions.aiken.txt", "--bank", "A")
    assert result.exit_code != 0
    assert "Name the committee with --committee" in result.output
