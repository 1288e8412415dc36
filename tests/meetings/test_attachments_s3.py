"""Meeting attachments kept in a bucket (a real S3-compatible server): attached through
the page, served to the record's readers only, with the same headers as from a folder."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from studyhub.meetings.models import MeetingAttachment
from studyhub.web.storage import EXTENSION, Storage, storage_from_config
from tests.meetings.conftest import plan_lesson
from tests.meetings.test_attachments import PDF, image_bytes
from tests.s3server import bucket, s3_server  # noqa: F401


@pytest.fixture
def storage(app, bucket, monkeypatch, tmp_path) -> Storage:  # noqa: F811
    made = storage_from_config(bucket.settings(prefix="studyhub/files"), tmp_path)
    monkeypatch.setitem(app.extensions, EXTENSION, made)
    return made


def attach(client, meeting, data: bytes, name: str):
    return client.post(
        f"/meetings/{meeting.id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_an_attachment_goes_to_the_bucket_and_only_the_record_readers_get_it(
    session, world, storage, client, login
):
    meeting = plan_lesson(session, world)
    login(world.secretary_a.user)
    photo_data = image_bytes("PNG")
    assert attach(client, meeting, photo_data, "合影.png").status_code == 302
    assert attach(client, meeting, PDF, "签到表.pdf").status_code == 302
    photo, pdf = session.scalars(select(MeetingAttachment).order_by(MeetingAttachment.id))
    digest = hashlib.sha256(photo_data).hexdigest()
    keys = {f.key for f in storage.list("meetings")}
    assert f"meetings/{world.committee.id}/{digest}.png" in keys and len(keys) == 2

    login(world.committee_a.user)
    with client.get(f"/meetings/{meeting.id}/attachments/{photo.id}") as response:
        assert response.status_code == 200 and response.data == photo_data
        assert response.mimetype == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response.headers["Cache-Control"] == "private, no-cache"
    with client.get(f"/meetings/{meeting.id}/attachments/{pdf.id}") as response:
        assert response.data == PDF and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")

    for outsider in (world.member_a1, world.secretary_b, world.other_staff):
        login(outsider.user)
        response = client.get(f"/meetings/{meeting.id}/attachments/{photo.id}")
        assert response.status_code == 404
