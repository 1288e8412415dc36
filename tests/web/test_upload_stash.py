"""The upload stash shared by the roster and question imports."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from studyhub.web.uploads import UploadStash

NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


class XmlOnly(UploadStash):
    SUFFIXES = (".xml",)


def test_any_short_ending_is_kept_and_a_file_is_claimed_once(tmp_path):
    stash = UploadStash(tmp_path, owner="1-2")
    token = stash.put(io.BytesIO(b"::Q1:: 1+1=2 {T}"), filename="题库.GIFT.txt", now=NOW)
    assert token.endswith(".txt")
    assert UploadStash(tmp_path, owner="1-3").claim(token) is None
    claimed = stash.claim(token)
    assert claimed is not None and claimed.read_bytes() == b"::Q1:: 1+1=2 {T}"
    assert stash.claim(token) is None


def test_odd_endings_are_dropped_and_paths_refused(tmp_path):
    stash = UploadStash(tmp_path, owner="1-2")
    token = stash.put(io.BytesIO(b"x"), filename="a.we ird", now=NOW)
    assert "." not in token and len(token) == 22
    assert stash.claim("../../etc/passwd") is None
    stash.discard("../secret")  # refused quietly, nothing outside the folder is touched
    assert stash.claim(token) is not None


def test_a_subclass_accepts_only_its_endings(tmp_path):
    stash = XmlOnly(tmp_path, owner="1")
    token = stash.put(io.BytesIO(b"<quiz/>"), filename="q.csv", now=NOW)
    assert stash.claim(token) is None  # the ending was not kept, so the format is unknown
    token = stash.put(io.BytesIO(b"<quiz/>"), filename="q.XML", now=NOW)
    assert token.endswith(".xml") and stash.claim(token) is not None
