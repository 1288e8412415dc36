"""The upload stash shared by the roster and question imports."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest

from studyhub.web.storage import LocalStorage, Storage, storage_from_config
from studyhub.web.uploads import UploadStash
from tests.s3server import bucket, s3_server  # noqa: F401

NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


class XmlOnly(UploadStash):
    SUFFIXES = (".xml",)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path)
    return storage_from_config(request.getfixturevalue("bucket").settings(), tmp_path)


def test_any_short_ending_is_kept_and_a_file_is_claimed_once(storage):
    stash = UploadStash("held", owner="1-2", storage=storage)
    token = stash.put(io.BytesIO(b"::Q1:: 1+1=2 {T}"), filename="题库.GIFT.txt", now=NOW)
    assert token.endswith(".txt")
    assert UploadStash("held", owner="1-3", storage=storage).claim(token) is None
    claimed = stash.claim(token)
    assert claimed is not None and claimed.read_bytes() == b"::Q1:: 1+1=2 {T}"
    assert stash.claim(token) is None


def test_odd_endings_are_dropped_and_paths_refused(storage):
    stash = UploadStash("held", owner="1-2", storage=storage)
    token = stash.put(io.BytesIO(b"x"), filename="a.we ird", now=NOW)
    assert "." not in token and len(token) == 22
    assert stash.claim("../../etc/passwd") is None
    stash.discard("../secret")  # refused quietly, nothing outside the folder is touched
    assert stash.claim(token) is not None


def test_a_subclass_accepts_only_its_endings(storage):
    stash = XmlOnly("held", owner="1", storage=storage)
    token = stash.put(io.BytesIO(b"<quiz/>"), filename="q.csv", now=NOW)
    assert stash.claim(token) is None  # the ending was not kept, so the format is unknown
    token = stash.put(io.BytesIO(b"<quiz/>"), filename="q.XML", now=NOW)
    assert token.endswith(".xml") and stash.claim(token) is not None


def test_of_two_confirmations_at_once_one_gets_the_file(storage):
    stash = UploadStash("held", owner="1-2", storage=storage)
    token = stash.put(io.BytesIO(b"rows"), filename="a.csv", now=NOW)
    with stash.held(token) as path:
        assert path.read_bytes() == b"rows"
    claimed = []
    threads = [
        threading.Thread(target=lambda: claimed.append(stash.claim(token))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [path for path in claimed if path is not None]
    assert len(won) == 1 and won[0].read_bytes() == b"rows"
    won[0].unlink()
    assert [f.key for f in storage.list("held")] == [stash.key(token) + ".claimed"]


def test_stale_files_are_removed_at_the_next_upload(storage):
    stash = UploadStash("held", owner="1-2", storage=storage)
    old = stash.put(io.BytesIO(b"old"), filename="a.csv", now=NOW)
    written = max(f.modified_at for f in storage.list("held"))  # the storage's clock
    later = written + timedelta(seconds=UploadStash.KEEP_SECONDS + 60)
    new = stash.put(io.BytesIO(b"new"), filename="b.csv", now=later)
    assert stash.claim(old) is None
    assert stash.claim(new) is not None
