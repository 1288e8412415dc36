"""Reading images kept in a bucket (a real S3-compatible server): uploaded, listed and
served through the app with the same access checks and headers as from a folder."""

from __future__ import annotations

import hashlib

import pytest

from studyhub.web.storage import EXTENSION, S3Storage, Storage, storage_from_config
from tests.readings.test_uploads import committee, image_bytes, noisy_png, people, post_image
from tests.s3server import bucket, s3_server  # noqa: F401

pytestmark = pytest.mark.usefixtures("in_english")
__all__ = ["committee", "people"]  # fixtures used by name


@pytest.fixture
def storage(app, bucket, monkeypatch, tmp_path) -> Storage:  # noqa: F811
    made = storage_from_config(bucket.settings(), tmp_path)
    assert isinstance(made, S3Storage)
    monkeypatch.setitem(app.extensions, EXTENSION, made)
    return made


def test_an_image_goes_to_the_bucket_and_is_served_to_the_committee(
    client, login, session, committee, people, storage, app
):
    login(people["staff"])
    data = noisy_png(40)
    response = post_image(client, committee, data, "合影.png", json=True)
    assert response.status_code == 201
    digest = hashlib.sha256(data).hexdigest()
    key = f"{committee.id}/{digest}.png"
    assert [(f.key, f.size) for f in storage.list()] == [(key, len(data))]
    url = response.json["url"]

    login(people["member"])
    with client.get(url) as served:
        assert served.status_code == 200 and served.data == data
        assert served.headers["Content-Type"] == "image/png"
        assert served.headers["Content-Length"] == str(len(data))
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert served.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        etag = served.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304
    with client.get(url, headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206 and part.data == data[100:200]
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"


@pytest.mark.parametrize("who", ["other_member", "other_staff"])
def test_other_committees_get_nothing_from_the_bucket(
    client, login, session, committee, people, storage, who
):
    login(people["staff"])
    url = post_image(client, committee, image_bytes(), "a.png", json=True).json["url"]
    login(people[who])
    assert client.get(url).status_code == 404


def test_strangers_are_sent_to_log_in_and_a_lost_object_is_404(
    client, login, session, committee, people, storage, app
):
    login(people["staff"])
    url = post_image(client, committee, image_bytes(), "a.png", json=True).json["url"]
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(people["member"])
    [stored] = storage.list()
    storage.delete(stored.key)
    assert client.get(url).status_code == 404
