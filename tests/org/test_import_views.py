"""The roster import pages: upload, row-by-row errors, preview, confirm once, the template."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from studyhub.accounts.models import User
from studyhub.org.models import Member, Role
from tests.org.test_roster import GOOD_ROWS, HEADER, Org, build_org, write_csv

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def org(make) -> Org:
    return build_org(make)


@pytest.fixture
def staff(make, org: Org) -> User:
    return make.member(org.second, name="组织部干事", role=Role.STAFF, role_unit=org.committee).user


def count_members(session) -> int:
    return session.scalar(select(func.count(Member.id)))


def csv_bytes(tmp_path: Path, rows) -> bytes:
    return write_csv(tmp_path / "upload.csv", rows).read_bytes()


def upload(client, unit_id: int, data: bytes, filename: str = "名册.csv"):
    return client.post(
        f"/org/units/{unit_id}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def token_of(page: str) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert match, "no confirm form on the page"
    return match[1]


def counts(page: str) -> dict[str, int]:
    """The preview's numbers of new, updated and unchanged members."""
    return {k: int(v) for k, v in re.findall(r'<dd id="count-(\w+)">(\d+)</dd>', page)}


def confirm(client, unit_id: int, token: str):
    return client.post(f"/org/units/{unit_id}/import", data={"token": token})


def stash_folder(app) -> Path:
    return Path(app.instance_path) / "uploads" / "imports"


def stashed_files(app) -> list[Path]:
    """Files waiting for a confirmation (a claimed one leaves only its marker)."""
    folder = stash_folder(app)
    found = sorted(folder.iterdir()) if folder.exists() else []
    return [path for path in found if not path.name.endswith(".claimed")]


@pytest.fixture(autouse=True)
def empty_stash(app):
    shutil.rmtree(stash_folder(app), ignore_errors=True)


def test_staff_sees_the_upload_form(client, login, org: Org, staff):
    login(staff)
    page = client.get(f"/org/units/{org.committee.id}/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'type="file"' in page.text
    assert f"/org/units/{org.committee.id}/import/template" in page.text


def test_bad_row_shows_the_errors_and_writes_nothing(
    app, client, login, session, org, staff, tmp_path
):
    login(staff)
    rows = [*GOOD_ROWS, ["钱多", "1380000", "A004", "", "", "三支部", "", ""]]
    before = count_members(session)
    page = upload(client, org.committee.id, csv_bytes(tmp_path, rows))
    assert page.status_code == 200
    assert "nothing was imported" in page.text
    errors = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page.text)
    assert errors == [
        ("5", "手机号", "1380000 is not a mainland mobile number."),
        ("5", "所属支部", "三支部 is not a branch of 测试党委."),
    ]
    assert 'name="token"' not in page.text
    assert count_members(session) == before
    assert stashed_files(app) == []


def test_preview_then_confirm_imports_once(app, client, login, session, org, staff, tmp_path):
    login(staff)
    before = count_members(session)
    preview = upload(client, org.committee.id, csv_bytes(tmp_path, GOOD_ROWS))
    assert preview.status_code == 200
    assert counts(preview.text) == {"new": 3, "update": 0, "unchanged": 0}
    assert "王红" in preview.text and "一支部 / 一组" in preview.text
    assert count_members(session) == before  # nothing yet
    token = token_of(preview.text)

    done = confirm(client, org.committee.id, token)
    assert done.status_code == 302
    assert done.location == f"/org/units/{org.committee.id}"
    assert count_members(session) == before + 3
    assert "Imported 3 new members; 0 updated, 0 unchanged." in client.get(done.location).text
    assert stashed_files(app) == []

    again = confirm(client, org.committee.id, token)  # a double submit
    assert again.status_code == 302
    assert count_members(session) == before + 3
    assert "imported already" in client.get(again.location).text

    reupload = upload(client, org.committee.id, csv_bytes(tmp_path, GOOD_ROWS))
    assert counts(reupload.text) == {"new": 0, "update": 0, "unchanged": 3}


def test_edited_file_updates_through_the_page(client, login, session, org, staff, tmp_path):
    login(staff)
    confirm(
        client,
        org.committee.id,
        token_of(upload(client, org.committee.id, csv_bytes(tmp_path, GOOD_ROWS)).text),
    )
    edited = [list(r) for r in GOOD_ROWS]
    edited[1][5], edited[1][6] = "二支部", ""
    preview = upload(client, org.committee.id, csv_bytes(tmp_path, edited))
    assert counts(preview.text) == {"new": 0, "update": 1, "unchanged": 2}
    confirm(client, org.committee.id, token_of(preview.text))
    member = session.scalars(select(Member).join(Member.user).where(User.member_no == "A001")).one()
    assert member.branch_id == org.second.id


def test_file_that_changed_meanwhile_is_checked_again_on_confirm(
    client, login, session, org, make, staff, tmp_path
):
    login(staff)
    preview = upload(client, org.committee.id, csv_bytes(tmp_path, GOOD_ROWS))
    token = token_of(preview.text)
    # Someone takes one of the phones before the confirmation.
    taken = make.member(org.second, name="抢先者")
    taken.user.phone = "13700000001"
    session.flush()
    before = count_members(session)
    page = confirm(client, org.committee.id, token)
    assert page.status_code == 200
    assert "belongs to 抢先者" in page.text
    assert count_members(session) == before


def test_wrong_kind_of_file_is_refused_by_the_form(client, login, org, staff):
    login(staff)
    page = upload(client, org.committee.id, b"hello", filename="roster.txt")
    assert "must be an .xlsx or .csv file" in page.text
    unreadable = upload(client, org.committee.id, b"\x80\xff\x80\xff", filename="roster.csv")
    assert "not UTF-8 or GB18030" in unreadable.text


def test_template_downloads_as_xlsx_and_csv(client, login, org, staff, tmp_path):
    login(staff)
    response = client.get(f"/org/units/{org.committee.id}/import/template")
    assert response.status_code == 200
    assert response.mimetype == XLSX_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "t.xlsx"
    path.write_bytes(response.data)
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    as_csv = client.get(f"/org/units/{org.committee.id}/import/template?format=csv")
    assert as_csv.mimetype == "text/csv"
    assert as_csv.data.decode("utf-8-sig").splitlines()[0] == ",".join(HEADER)


def test_filled_template_uploads_as_valid(client, login, org, staff, tmp_path):
    login(staff)
    path = tmp_path / "t.xlsx"
    path.write_bytes(client.get(f"/org/units/{org.committee.id}/import/template").data)
    workbook = load_workbook(path)
    for cell, value in zip(
        workbook.worksheets[0][2],
        ["孙梅", "13700000031", "C1", "正式党员", "2019-06-30", "二支部", "", "书记"],
        strict=True,
    ):
        cell.value = value
    workbook.save(path)
    preview = upload(client, org.committee.id, path.read_bytes(), filename="t.xlsx")
    assert counts(preview.text) == {"new": 1, "update": 0, "unchanged": 0}
    assert 'name="token"' in preview.text


@pytest.mark.parametrize("who", ["secretary", "member"])
def test_secretary_or_member_cannot_open_the_import(
    client, login, session, org, make, who, tmp_path
):
    user = make.member(org.first, role=Role.SECRETARY if who == "secretary" else None).user
    login(user)
    assert client.get(f"/org/units/{org.committee.id}/import").status_code == 403
    assert client.get(f"/org/units/{org.first.id}/import").status_code == 403
    assert client.get(f"/org/units/{org.committee.id}/import/template").status_code == 403
    before = count_members(session)
    response = upload(client, org.committee.id, csv_bytes(tmp_path, GOOD_ROWS))
    assert response.status_code == 403
    assert count_members(session) == before


def test_staff_of_another_committee_cannot_import_here(
    app, client, login, session, org, make, staff, tmp_path
):
    other = make.committee("别的党委")
    outsider = make.member(make.branch(other), role=Role.STAFF, role_unit=other).user
    # Our staff previews a file; the outsider tries to confirm it with the token.
    login(staff)
    token = token_of(upload(client, org.committee.id, csv_bytes(tmp_path, GOOD_ROWS)).text)
    login(outsider)
    before = count_members(session)
    assert upload(client, org.committee.id, csv_bytes(tmp_path, GOOD_ROWS)).status_code == 403
    assert confirm(client, org.committee.id, token).status_code == 403
    # In their own committee the token names nothing of theirs.
    foreign = confirm(client, other.id, token)
    assert foreign.status_code == 302
    assert count_members(session) == before
    assert len(stashed_files(app)) == 1  # still waiting for its owner
    login(staff)
    assert confirm(client, org.committee.id, token).status_code == 302
    assert count_members(session) == before + 3


def test_a_party_group_is_not_an_import_target(client, login, org, staff):
    login(staff)
    assert client.get(f"/org/units/{org.group_one.id}/import").status_code == 404
