"""Question media kept in a bucket (a real S3-compatible server): imported there, served
through the app to the committee only, with ranges so a sound can be sought."""

from __future__ import annotations

import re

import pytest

from studyhub.quizzes import importers
from studyhub.quizzes.cli import media_url
from studyhub.quizzes.services import imports
from studyhub.web.storage import EXTENSION, Storage, storage_from_config
from tests.conftest import NOW, shared_data
from tests.quizzes.bank_helpers import Org
from tests.quizzes.test_import_service import fetch, stored
from tests.s3server import bucket, s3_server  # noqa: F401


@pytest.fixture
def storage(app, bucket, monkeypatch, tmp_path) -> Storage:  # noqa: F811
    made = storage_from_config(bucket.settings(), tmp_path)
    monkeypatch.setitem(app.extensions, EXTENSION, made)
    return made


def test_imported_media_are_served_from_the_bucket(session, bank, storage, org: Org, login, client):
    path = shared_data("moodle/xml/multichoice.xml")
    result = importers.parse(path.read_bytes(), filename=path.name, file_format="auto")
    report = imports.import_parse_result(
        session,
        bank,
        result,
        category_path=None,
        skip_invalid=False,
        now=NOW,
        media_storage=storage,
        media_url=media_url,
    )
    assert (report.stored, report.errors) == (1, [])
    keys = [f.key for f in storage.list()]
    assert keys and all(key.startswith(f"quiz-media/{bank.id}/") for key in keys)
    ((_question, version),) = stored(session, bank)
    sound = re.search(r'<audio[^>]* src="([^"]+)"', version.stem_html).group(1)

    login(org.member.user)
    whole = fetch(client, sound)
    assert whole.status_code == 200 and whole.data.startswith(b"ID3")
    assert whole.headers["Content-Type"] == "audio/mpeg"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    part = fetch(client, sound, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206 and part.data == whole.data[10:110]
    login(org.other_staff.user)
    assert fetch(client, sound).status_code == 404
