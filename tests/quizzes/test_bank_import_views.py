"""The staff import page: upload, preview, confirm once, the report; skipping invalid questions."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from studyhub.org.models import Role
from tests.conftest import shared_data
from tests.quizzes.bank_helpers import Org, count_questions


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def empty_stash(app):
    shutil.rmtree(stash_folder(app), ignore_errors=True)


@pytest.fixture
def staff(org: Org, login, client):
    return login(org.staff.user)


def stash_folder(app) -> Path:
    return Path(app.instance_path) / "uploads" / "quiz-imports"


def held_files(app) -> list[Path]:
    """Files waiting for a confirmation (a claimed one leaves only its marker)."""
    return [p for p in stash_folder(app).glob("*") if not p.name.endswith(".claimed")]


def upload(client, bank, relative: str, **data):
    path = shared_data(f"moodle/{relative}")
    values = {"file_format": "auto", "category": ""} | data
    values["file"] = (io.BytesIO(path.read_bytes()), path.name)
    return client.post(
        f"/quizzes/banks/{bank.id}/import", data=values, content_type="multipart/form-data"
    )


def confirm_data(page: str) -> dict[str, str]:
    form = page.split('id="import-preview"')[1].split("</form>")[0]
    return dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))


def fact(page: str, name: str) -> int:
    return int(re.search(rf'id="count-{name}">(\d+)<', page).group(1))


def test_a_file_is_previewed_then_stored_once(session, app, bank, staff):
    preview = upload(staff, bank, "gift/questions.gift.txt", category="导入")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert (fact(page, "new"), fact(page, "duplicates"), fact(page, "skipped")) == (6, 1, 2)
    assert fact(page, "errors") == 0
    skipped = page.split('id="import-skipped"')[1].split("</table>")[0]
    assert "Q5" in skipped and "Numerical" in skipped and "<td>31</td>" in skipped
    by_type = page.split('id="import-by-type"')[1].split("</table>")[0]
    assert re.search(r'data-qtype="essay"><td>[^<]+</td><td>1</td>', by_type)
    assert "What's between orange and green in the spectrum?" in page  # first questions
    assert count_questions(session, bank) == 0  # nothing before confirming

    data = confirm_data(page)
    assert data["category"] == "导入" and data["skip_invalid"] == ""
    report = staff.post(f"/quizzes/banks/{bank.id}/import", data=data)
    text = report.get_data(as_text=True)
    assert "The import is done." in text
    assert (fact(text, "stored"), fact(text, "duplicates"), fact(text, "skipped")) == (6, 1, 2)
    assert count_questions(session, bank) == 6
    assert held_files(app) == []

    again = staff.post(f"/quizzes/banks/{bank.id}/import", data=data, follow_redirects=True)
    assert "imported already" in again.get_data(as_text=True)
    assert count_questions(session, bank) == 6


def test_invalid_questions_block_until_skipped(session, bank, staff):
    preview = upload(staff, bank, "aiken/aiken_errors.txt")
    page = preview.get_data(as_text=True)
    assert (fact(page, "new"), fact(page, "errors")) == (2, 3)
    errors = page.split('id="import-errors"')[1].split("</table>")[0]
    assert re.findall(r"<tr><td>(\d+)</td>", errors) == ["1", "5", "14"]
    assert "Skip the invalid questions and import 2" in page
    data = confirm_data(page)
    assert data["skip_invalid"] == "1"
    report = staff.post(f"/quizzes/banks/{bank.id}/import", data=data).get_data(as_text=True)
    assert (fact(report, "stored"), fact(report, "errors")) == (2, 3)
    assert count_questions(session, bank) == 2


def test_a_file_with_nothing_valid_offers_no_import(session, app, bank, staff):
    page = upload(staff, bank, "xml/error_invalid_grades.xml").get_data(as_text=True)
    assert fact(page, "errors") == 1 and "invalid grades" in page
    assert "Nothing can be imported from this file" in page
    assert 'name="token"' not in page
    assert held_files(app) == []


def test_an_unreadable_file_is_reported(session, bank, staff):
    response = staff.post(
        f"/quizzes/banks/{bank.id}/import",
        data={"file": (io.BytesIO(b"\x00\x01\xff\xfe\x00"), "题库.txt"), "file_format": "auto"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert fact(page, "errors") == 1 and "not text in UTF-8" in page
    assert 'name="token"' not in page


def test_only_the_uploader_can_confirm(session, org: Org, bank, make, login, client):
    login(org.staff.user)
    data = confirm_data(upload(client, bank, "aiken/questions.aiken.txt").get_data(as_text=True))
    colleague = make.member(org.branch, role=Role.STAFF, role_unit=org.committee)
    login(colleague.user)
    response = client.post(f"/quizzes/banks/{bank.id}/import", data=data, follow_redirects=True)
    assert "imported already or waited too long" in response.get_data(as_text=True)
    assert count_questions(session, bank) == 0
