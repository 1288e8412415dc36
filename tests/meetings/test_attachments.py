"""Photos and PDFs on a record: checked by content and size, stored by hash, served to the
record's readers only, with nosniff."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from studyhub.core.errors import DomainError, InvalidInput
from studyhub.meetings.models import MeetingAttachment, MeetingEvent
from studyhub.meetings.services import attachments, records
from studyhub.web.storage import EXTENSION, LocalStorage
from tests.meetings.conftest import MEETING_AT, minutes, plan_lesson

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image_bytes(fmt: str = "JPEG", size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def folder(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.extensions, EXTENSION, LocalStorage(tmp_path))
    return tmp_path / "meetings"


def attach(session, world, meeting, data: bytes, folder: Path, name="现场.jpg", max_bytes=10**6):
    return attachments.add_attachment(
        session,
        meeting,
        io.BytesIO(data),
        filename=name,
        storage=LocalStorage(folder.parent),
        max_bytes=max_bytes,
        by=world.secretary_a.user,
        now=MEETING_AT,
    )


@pytest.mark.parametrize(
    ("fmt", "mime", "ending"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_photos_are_stored_by_their_hash(session, world, folder, fmt, mime, ending):
    meeting = plan_lesson(session, world)
    data = image_bytes(fmt)
    attachment = attach(session, world, meeting, data, folder, name="C:\\相册\\现场.bin")
    digest = hashlib.sha256(data).hexdigest()
    assert attachment.mime_type == mime
    assert attachment.filename == "现场.bin"
    assert attachment.stored_name == f"{world.committee.id}/{digest}.{ending}"
    assert (folder / attachment.stored_name).read_bytes() == data
    event = session.scalars(select(MeetingEvent).order_by(MeetingEvent.id.desc())).first()
    assert (event.action, event.detail["file"]) == ("attachment_added", "现场.bin")


def test_a_pdf_is_accepted_by_its_magic(session, world, folder):
    meeting = plan_lesson(session, world)
    attachment = attach(session, world, meeting, PDF, folder, name="签到表.pdf")
    assert (attachment.mime_type, attachment.stored_name.endswith(".pdf")) == (
        "application/pdf",
        True,
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<?php system($_GET['c']); ?>", "photo.jpg"),
        (b"<html><script>alert(1)</script></html>", "minutes.pdf"),
        (image_bytes("GIF"), "anim.gif"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "broken.jpg"),
        (b"PK\x03\x04 a word file", "minutes.docx"),
    ],
)
def test_other_files_are_refused(session, world, folder, data, name):
    meeting = plan_lesson(session, world)
    with pytest.raises(InvalidInput):
        attach(session, world, meeting, data, folder, name=name)
    assert session.scalars(select(MeetingAttachment)).all() == []


def test_size_is_limited(session, world, folder):
    meeting = plan_lesson(session, world)
    with pytest.raises(InvalidInput, match="too large"):
        attach(session, world, meeting, PDF + b"0" * 2000, folder, max_bytes=1000)
    with pytest.raises(InvalidInput, match="empty"):
        attach(session, world, meeting, b"", folder)


def test_the_same_file_twice_is_one_attachment(session, world, folder):
    meeting = plan_lesson(session, world)
    first = attach(session, world, meeting, PDF, folder)
    again = attach(session, world, meeting, PDF, folder)
    assert again.id == first.id
    other = plan_lesson(session, world, title="另一次")
    elsewhere = attach(session, world, other, PDF, folder)
    assert elsewhere.id != first.id and elsewhere.stored_name == first.stored_name


def test_files_are_frozen_once_submitted(session, world, folder):
    meeting = plan_lesson(session, world)
    attachment = attach(session, world, meeting, PDF, folder)
    secretary = world.secretary_a.user
    after = MEETING_AT + timedelta(hours=2)
    records.record_meeting(session, meeting, minutes(), by=secretary, now=after)
    records.submit_meeting(session, meeting, by=secretary, now=after)
    with pytest.raises(DomainError):
        attach(session, world, meeting, image_bytes(), folder)
    with pytest.raises(DomainError):
        attachments.remove_attachment(session, attachment, meeting, by=secretary, now=after)


class TestServing:
    def setup(self, session, world, folder):
        meeting = plan_lesson(session, world)
        attachment = attach(session, world, meeting, image_bytes("PNG"), folder, name="合影.png")
        pdf = attach(session, world, meeting, PDF, folder, name="签到表.pdf")
        return meeting, attachment, pdf

    def test_the_branch_leaders_get_the_file_with_nosniff(
        self, session, world, folder, client, login
    ):
        meeting, photo, pdf = self.setup(session, world, folder)
        login(world.committee_a.user)
        with client.get(f"/meetings/{meeting.id}/attachments/{photo.id}") as response:
            assert response.status_code == 200
            assert response.mimetype == "image/png"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in response.headers["Content-Security-Policy"]
            assert response.data == (folder / photo.stored_name).read_bytes()
        with client.get(f"/meetings/{meeting.id}/attachments/{pdf.id}") as response:
            assert response.mimetype == "application/pdf"
            assert response.headers["Content-Disposition"].startswith("attachment")

    def test_others_do_not(self, session, world, folder, client, login):
        meeting, photo, _pdf = self.setup(session, world, folder)
        # A member before the record is submitted, another branch's secretary, another
        # committee's staff: none of them gets it.
        for outsider in (world.member_a1, world.secretary_b, world.other_staff):
            login(outsider.user)
            response = client.get(f"/meetings/{meeting.id}/attachments/{photo.id}")
            assert response.status_code == 404
        other = plan_lesson(session, world, title="另一次")
        login(world.secretary_a.user)
        assert client.get(f"/meetings/{other.id}/attachments/{photo.id}").status_code == 404

    def test_upload_through_the_page(self, session, world, folder, client, login):
        meeting = plan_lesson(session, world)
        login(world.secretary_a.user)
        response = client.post(
            f"/meetings/{meeting.id}/attachments",
            data={"file": (io.BytesIO(image_bytes()), "现场.jpg")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert response.status_code == 200
        [stored] = session.scalars(select(MeetingAttachment)).all()
        assert stored.filename == "现场.jpg"
        assert f"/meetings/{meeting.id}/attachments/{stored.id}" in response.text
        refused = client.post(
            f"/meetings/{meeting.id}/attachments",
            data={"file": (io.BytesIO(b"MZ\x90\x00"), "virus.jpg")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert "Attach a photo (JPEG, PNG or WebP) or a PDF file." in refused.text
        assert len(session.scalars(select(MeetingAttachment)).all()) == 1
        login(world.member_a1.user)
        forbidden = client.post(
            f"/meetings/{meeting.id}/attachments",
            data={"file": (io.BytesIO(PDF), "x.pdf")},
            content_type="multipart/form-data",
        )
        assert forbidden.status_code == 403
