"""Uploaded images: checked by content, stored by hash per committee, served to that committee."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from studyhub.core.errors import InvalidInput
from studyhub.org.models import Role
from studyhub.readings.models import Upload
from studyhub.readings.services import uploads
from studyhub.web.storage import EXTENSION, LocalStorage
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text

PHP = b"<?php system($_GET['cmd']); ?>\n"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (4, 3), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 0).save(buffer, fmt)
    return buffer.getvalue()


def noisy_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def folder(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.extensions, EXTENSION, LocalStorage(tmp_path))
    return tmp_path


@pytest.fixture
def committee(make):
    return make.committee("上传测试党委")


def save(session, committee, data: bytes, folder: Path, filename="photo.png", max_bytes=10**6):
    return uploads.save_upload(
        session,
        committee,
        io.BytesIO(data),
        filename=filename,
        storage=LocalStorage(folder),
        max_bytes=max_bytes,
        by_user_id=None,
        now=NOW,
    )


def upload_count(session) -> int:
    return session.scalar(select(func.count(Upload.id)))


# The service -------------------------------------------------------------------------------


def test_accepts_a_real_png_and_stores_it_by_hash(session, committee, folder):
    data = image_bytes()
    upload = save(session, committee, data, folder)
    digest = hashlib.sha256(data).hexdigest()
    assert (upload.mime_type, upload.width, upload.height) == ("image/png", 4, 3)
    assert upload.size == len(data) and upload.sha256 == digest
    assert upload.stored_name == f"{committee.id}/{digest}.png"
    assert (folder / str(committee.id) / f"{digest}.png").read_bytes() == data


@pytest.mark.parametrize(
    ("fmt", "mime", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("GIF", "image/gif", "gif"), ("WEBP", "image/webp", "webp")],
)
def test_accepts_the_other_image_types(session, committee, folder, fmt, mime, extension):
    upload = save(session, committee, image_bytes(fmt), folder, filename="x.bin")
    assert upload.mime_type == mime and upload.stored_name.endswith("." + extension)


def test_the_same_picture_is_stored_once_per_committee(session, committee, folder, make):
    data = image_bytes()
    first = save(session, committee, data, folder, filename="a.png")
    again = save(session, committee, data, folder, filename="b.png")
    other = save(session, make.committee(), data, folder)
    assert again.id == first.id and again.filename == "a.png"
    assert other.id != first.id
    assert upload_count(session) == 2
    assert len(list(folder.rglob("*.png"))) == 2


def test_rejects_a_php_file_renamed_png(session, committee, folder):
    with pytest.raises(InvalidInput, match="Only PNG, JPEG, GIF and WebP"):
        save(session, committee, PHP, folder, filename="shell.png")
    assert upload_count(session) == 0
    assert list(folder.rglob("*")) == []


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + PHP,  # the right signature, then no image
        image_bytes()[:40],  # cut short
        b"GIF89a" + b"\x00" * 20,
        b"RIFF\x10\x00\x00\x00WEBPVP8 garbage",
    ],
)
def test_rejects_broken_images(session, committee, folder, data):
    with pytest.raises(InvalidInput, match="could not be read"):
        save(session, committee, data, folder)
    assert upload_count(session) == 0


def test_rejects_svg_which_could_carry_scripts(session, committee, folder):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    with pytest.raises(InvalidInput, match="Only PNG"):
        save(session, committee, svg, folder, filename="a.svg")


def test_rejects_oversize_and_empty_files(session, committee, folder):
    with pytest.raises(InvalidInput, match="too large"):
        save(session, committee, noisy_png(20), folder, max_bytes=1000)
    with pytest.raises(InvalidInput, match="empty"):
        save(session, committee, b"", folder)
    assert upload_count(session) == 0 and list(folder.rglob("*")) == []


def test_rejects_decompression_bombs(session, committee, folder):
    data = image_bytes(size=(10_000, 5_000), mode="1")  # 50 million pixels in a few KB
    assert len(data) < 100_000
    with pytest.raises(InvalidInput, match="too many pixels"):
        save(session, committee, data, folder)


def test_file_names_lose_their_folders(session, committee, folder):
    upload = save(session, committee, image_bytes(), folder, filename="..\\..\\C:/etc/合影.png")
    assert upload.filename == "合影.png"


# The pages ---------------------------------------------------------------------------------


@pytest.fixture
def people(make, committee):
    branch = make.branch(committee)
    other_committee = make.committee("另一个党委")
    other_branch = make.branch(other_committee)
    return {
        "staff": make.member(branch, role=Role.STAFF, role_unit=committee).user,
        "member": make.member(branch).user,
        "secretary": make.member(branch, role=Role.SECRETARY).user,
        "other_member": make.member(other_branch).user,
        "other_staff": make.member(other_branch, role=Role.STAFF, role_unit=other_committee).user,
    }


def post_image(client, committee, data: bytes, filename: str, *, json: bool = False):
    return client.post(
        f"/library/{committee.id}/images",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"} if json else {},
    )


def test_staff_upload_gives_the_markdown_to_paste(
    client, login, session, committee, people, folder
):
    login(people["staff"])
    data = image_bytes()
    response = post_image(client, committee, data, "合影.png", json=True)
    assert response.status_code == 201
    digest = hashlib.sha256(data).hexdigest()
    url = f"/uploads/{committee.id}/{digest}.png"
    assert response.json["url"] == url
    assert response.json["markdown"] == f"![合影]({url})"
    page = client.get(f"/library/{committee.id}/images")
    assert f'value="![合影]({url})"' in page.get_data(as_text=True)


def test_upload_without_javascript_redirects_with_the_snippet(
    client, login, session, committee, people, folder
):
    login(people["staff"])
    response = post_image(client, committee, image_bytes(), "a.png")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Paste this into the text" in page or "粘贴" in page
    assert upload_count(session) == 1


def test_upload_page_rejects_a_php_file(client, login, session, committee, people, folder):
    login(people["staff"])
    response = post_image(client, committee, PHP, "shell.png", json=True)
    assert response.status_code == 400
    assert "PNG" in response.json["error"]
    response = post_image(client, committee, PHP, "shell.php", json=True)
    assert response.status_code == 400
    assert upload_count(session) == 0


def test_upload_page_rejects_oversize_files(
    client, login, session, committee, people, folder, app, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)
    login(people["staff"])
    response = post_image(client, committee, noisy_png(30), "big.png", json=True)
    assert response.status_code == 400 and upload_count(session) == 0
    assert "too large" in response.json["error"]


@pytest.mark.parametrize("who", ["member", "secretary", "other_staff"])
def test_only_staff_of_the_committee_may_upload(client, login, session, committee, people, who):
    login(people[who])
    response = post_image(client, committee, image_bytes(), "a.png")
    assert response.status_code == 403
    assert upload_count(session) == 0


@pytest.mark.parametrize("who", ["member", "secretary", "staff"])
def test_served_to_the_committee_with_safe_headers(
    client, login, session, committee, people, folder, who
):
    data = image_bytes()
    upload = save(session, committee, data, folder)
    login(people[who])
    with client.get(f"/uploads/{upload.stored_name}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
        assert "private" in response.headers["Cache-Control"]
        assert response.data == data
        etag = response.headers["ETag"]
    with client.get(f"/uploads/{upload.stored_name}", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize("who", ["other_member", "other_staff"])
def test_not_served_to_other_committees(client, login, session, committee, people, folder, who):
    upload = save(session, committee, image_bytes(), folder)
    login(people[who])
    assert client.get(f"/uploads/{upload.stored_name}").status_code == 404


def test_not_served_to_strangers_or_for_unknown_names(
    client, login, session, committee, people, folder
):
    upload = save(session, committee, image_bytes(), folder)
    response = client.get(f"/uploads/{upload.stored_name}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(people["member"])
    assert client.get(f"/uploads/{committee.id}/{'0' * 64}.png").status_code == 404
    assert client.get(f"/uploads/{committee.id}/..%2F..%2Fsecret_key").status_code == 404
