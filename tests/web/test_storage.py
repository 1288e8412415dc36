"""The storage of uploaded files: a local folder and a bucket on a real S3 server."""

from __future__ import annotations

import io
import threading

import pytest

from studyhub.web.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    StorageError,
    storage_from_config,
)
from tests.s3server import Bucket, bucket, s3_server  # noqa: F401


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    found: Bucket = request.getfixturevalue("bucket")
    made = storage_from_config(found.settings(prefix="some/prefix"), tmp_path)
    assert isinstance(made, S3Storage)
    return made


def test_save_open_size_list_delete(storage: Storage):
    storage.save("meetings/3/abc.jpg", b"picture")
    storage.save("quiz-media/1/x.mp3", io.BytesIO(b"sound" * 1000))
    storage.save("4/def.png", b"png")
    storage.save("meetings-b", b"not in meetings/")

    assert storage.read_bytes("meetings/3/abc.jpg") == b"picture"
    assert storage.size("quiz-media/1/x.mp3") == 5000
    assert storage.exists("4/def.png")
    assert storage.size("4/nothing.png") is None and not storage.exists("nothing")
    with pytest.raises(FileNotFoundError):
        storage.open("4/nothing.png")

    keys = [f.key for f in storage.list()]
    assert keys == ["4/def.png", "meetings-b", "meetings/3/abc.jpg", "quiz-media/1/x.mp3"]
    assert [(f.key, f.size) for f in storage.list("meetings")] == [("meetings/3/abc.jpg", 7)]
    assert all(f.modified_at.tzinfo is not None for f in storage.list())

    storage.save("4/def.png", b"replaced")
    assert storage.read_bytes("4/def.png") == b"replaced"
    storage.delete("4/def.png")
    storage.delete("4/def.png")  # gone already: nothing happens
    assert not storage.exists("4/def.png")
    assert [f.key for f in storage.list("4")] == []


def test_a_stream_seeks_and_reads_ranges(storage: Storage):
    data = bytes(range(256)) * 4096  # 1 MiB
    storage.save("big.bin", data)
    with storage.open("big.bin") as stream:
        assert stream.read(10) == data[:10]
        stream.seek(500_000)
        assert stream.read(20) == data[500_000:500_020]
        assert stream.seek(0, io.SEEK_END) == len(data)
        stream.seek(len(data) - 5)
        assert stream.read() == data[-5:]


def test_create_is_won_once(storage: Storage):
    assert storage.create("imports/a.claimed", b"") is True
    assert storage.create("imports/a.claimed", b"x") is False
    assert storage.read_bytes("imports/a.claimed") == b""

    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(storage.create("imports/b", b"1")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


@pytest.mark.parametrize("key", ["", "/a", "a//b", "../a", "a/../b", ".hidden", "a\\b"])
def test_bad_keys_are_refused(storage: Storage, key: str):
    with pytest.raises(ValueError):
        storage.save(key, b"x")


def test_settings(tmp_path):
    local = storage_from_config({}, tmp_path)
    assert isinstance(local, LocalStorage) and local.folder == tmp_path / "uploads"
    assert storage_from_config({"UPLOAD_FOLDER": "/srv/up"}, tmp_path).location == "/srv/up"
    s3 = storage_from_config({"STORAGE_URL": "s3://files/studyhub/"}, tmp_path)
    assert isinstance(s3, S3Storage) and s3.location == "s3://files/studyhub/"
    with pytest.raises(StorageError):
        storage_from_config({"STORAGE_URL": "ftp://x"}, tmp_path)
    with pytest.raises(StorageError):
        storage_from_config({"STORAGE_URL": "s3:///prefix"}, tmp_path)
