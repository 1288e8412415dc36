"""Where uploaded files live: a local folder or an S3-compatible bucket.

One :class:`Storage` per app, made in ``create_app`` from the settings
(:func:`storage_from_config`) and reached with :func:`current_storage`; nothing
reads the settings at import time. ``STORAGE_URL`` unset (the default) keeps the
files in ``UPLOAD_FOLDER`` (default ``instance/uploads``); ``s3://bucket/prefix``
keeps them in that bucket, under that prefix, through boto3, with
``STORAGE_ENDPOINT_URL`` (any S3-compatible service: MinIO, the object storage
of Alibaba, Tencent, Huawei clouds...), ``STORAGE_ACCESS_KEY``,
``STORAGE_SECRET_KEY``, ``STORAGE_REGION`` and ``STORAGE_ADDRESSING_STYLE``.
With several app machines every one of them must use the same bucket.

Files are named by *keys*: relative paths with ``/`` between parts (no empty,
``.`` or ``..`` part, no part starting with a dot). The keys in use:

=========================================  ================================================
``<committee id>/<sha256>.<ext>``           reading images (``readings.Upload.stored_name``)
``meetings/<committee id>/<sha256>.<ext>``  meeting attachments
``quiz-media/<bank id>/<sha256>.<ext>``     images and sounds of questions
``imports/…``, ``quiz-imports/…``           uploads held between an import's preview and its
                                            confirmation (an hour at most; not worth a backup)
=========================================  ================================================

Files are served through the app (:func:`send_stored`), never by a link into the
bucket: the same access checks, headers (``nosniff``, the sandboxing CSP,
caching) and URLs whichever the storage, and the bucket stays private. A bucket
is read in ranges, so seeking in a sound and resumed downloads work as with a
local file.

A backup lists everything with ``storage.list()`` and reads each file with
``storage.open(key)``; a restore writes them back with ``storage.save(key, stream)``.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, send_file
from flask.wrappers import Response

EXTENSION = "studyhub.storage"
CHUNK = 256 * 1024


class StorageError(RuntimeError):
    """The storage setting cannot be used; the message says what to set."""


class StoredFile(NamedTuple):
    """One file as a listing gives it."""

    key: str
    size: int
    modified_at: datetime  # aware, UTC


def check_key(key: str) -> str:
    """``key`` if it is a valid key (see the module's docstring), else ``ValueError``."""
    parts = key.split("/")
    if (
        not key
        or "\\" in key
        or "\x00" in key
        or any(not part or part.startswith(".") for part in parts)
    ):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _folder_prefix(prefix: str) -> str:
    """A listing prefix as a folder: ``""`` (everything) or ``"a/b/"``."""
    prefix = prefix.strip("/")
    if not prefix:
        return ""
    check_key(prefix)
    return prefix + "/"


Data = bytes | BinaryIO


class Storage(ABC):
    """Files by key. Every method may be called from several threads and processes at once.

    ``open`` and ``size`` answer :class:`FileNotFoundError` / ``None`` for a missing key;
    ``delete`` of a missing key does nothing.
    """

    #: Where the files are, for people: a folder or ``s3://bucket/prefix``.
    location: str

    @abstractmethod
    def save(self, key: str, data: Data) -> None:
        """Write the file (bytes, or a binary stream read to its end), replacing any file
        of that key; readers see the old file or the new one whole, never a part."""

    @abstractmethod
    def create(self, key: str, data: bytes) -> bool:
        """Write the file only if no file has that key: of two processes creating one key
        at the same moment exactly one gets True (a claim that holds across machines).

        A bucket does this with a conditional write (``If-None-Match: *``: Amazon S3,
        MinIO, and others); a service that ignores the condition lets both writers win."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """The file's bytes as a seekable stream (close it; a bucket is read as needed)."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The file's size in bytes, or None when there is no such file."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file, if it is there."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file whose key is under the folder ``prefix`` (``""``: all), in key order."""

    def local_path(self, key: str) -> Path | None:
        """The file's path on this machine's disk, for a local folder; None for a bucket."""
        return None

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()


class LocalStorage(Storage):
    """Files in a folder of this machine (one machine, or a shared disk mounted on all)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.location = str(self.folder)

    def path(self, key: str) -> Path:
        return self.folder.joinpath(*check_key(key).split("/"))

    def local_path(self, key: str) -> Path:
        return self.path(key)

    def _temporary(self, path: Path, data: Data) -> str:
        """A hidden file beside ``path`` holding ``data`` (the listing skips it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                if isinstance(data, bytes | bytearray | memoryview):
                    fh.write(data)
                else:
                    shutil.copyfileobj(data, fh, CHUNK)
            os.chmod(tmp, 0o644)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return tmp

    def save(self, key: str, data: Data) -> None:
        path = self.path(key)
        tmp = self._temporary(path, data)
        try:
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def create(self, key: str, data: bytes) -> bool:
        path = self.path(key)
        tmp = self._temporary(path, data)
        try:
            os.link(tmp, path)  # fails when the name is taken: atomic, and never half-written
        except FileExistsError:
            return False
        finally:
            Path(tmp).unlink(missing_ok=True)
        return True

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def size(self, key: str) -> int | None:
        path = self.path(key)
        try:
            return path.stat().st_size if path.is_file() else None
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        start = _folder_prefix(prefix)
        top = self.folder.joinpath(*start.split("/")) if start else self.folder
        yield from self._walk(top, start)

    def _walk(self, folder: Path, key_prefix: str) -> Iterator[StoredFile]:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        # In key order, as a bucket lists them: folder "a" is "a/…", after the file "a-b".
        entries.sort(key=lambda e: e.name + ("/" if e.is_dir(follow_symlinks=False) else ""))
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path), f"{key_prefix}{entry.name}/")
            elif entry.is_file():
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                yield StoredFile(key_prefix + entry.name, stat.st_size, modified)


class S3Storage(Storage):
    """Files in an S3-compatible bucket, under a prefix; the client is made on first use."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
    ) -> None:
        self.bucket = bucket
        self.prefix = _folder_prefix(prefix)
        self.location = f"s3://{bucket}/{self.prefix}"
        self._options = {
            "endpoint_url": endpoint_url or None,
            "aws_access_key_id": access_key or None,
            "aws_secret_access_key": secret_key or None,
            "region_name": region or None,
        }
        self._addressing_style = addressing_style or "auto"
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _client(self._addressing_style, **self._options)
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @staticmethod
    def _code(exc: Exception) -> str:
        response = getattr(exc, "response", None) or {}
        return str(response.get("Error", {}).get("Code", ""))

    def save(self, key: str, data: Data) -> None:
        name = self._key(key)
        if isinstance(data, bytes | bytearray | memoryview):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(data))
        else:  # a stream of any length: multipart when large
            self.client.upload_fileobj(data, self.bucket, name)

    def create(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, IfNoneMatch="*"
            )
        except ClientError as exc:
            if self._code(exc) in {"PreconditionFailed", "ConditionalRequestConflict", "412"}:
                return False
            raise
        return True

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return int(head["ContentLength"])

    def open(self, key: str) -> BinaryIO:
        size = self.size(key)
        if size is None:
            raise FileNotFoundError(self.location + check_key(key))
        raw = _S3Reader(self.client, self.bucket, self._key(key), size)
        return io.BufferedReader(raw, CHUNK)  # type: ignore[return-value]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        paginator = self.client.get_paginator("list_objects_v2")
        start = self.prefix + _folder_prefix(prefix)
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix) :]
                if key.endswith("/"):  # a "folder" some consoles create
                    continue
                modified = item["LastModified"].astimezone(UTC)
                yield StoredFile(key, int(item["Size"]), modified)


_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def _client(addressing_style: str, **options: Any) -> Any:
    """A boto3 S3 client for these options, made once per process (clients are thread-safe
    and slow to make)."""
    cache_key = (addressing_style, *sorted(options.items()))
    with _clients_lock:
        if cache_key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                s3={"addressing_style": addressing_style},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
                # Many S3-compatible services refuse the checksums boto3 adds by default;
                # send and check them only where S3 requires them.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            _clients[cache_key] = boto3.session.Session().client("s3", config=config, **options)
        return _clients[cache_key]


class _S3Reader(io.RawIOBase):
    """An object read as a seekable file: one ranged GET from the position, opened on the
    first read after a seek, so a range request or a resumed download reads only its part."""

    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._size = size
        self._pos = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        position = max(base + offset, 0)
        if position != self._pos:
            self._drop_body()
            self._pos = position
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size or len(buffer) == 0:
            return 0
        if self._body is None:
            answer = self._client.get_object(
                Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-"
            )
            self._body = answer["Body"]
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()


# The app's storage ------------------------------------------------------------------------


def storage_from_config(config: Mapping[str, Any], instance_path: str | Path) -> Storage:
    """The storage the settings describe (see the module's docstring)."""
    url = (config.get("STORAGE_URL") or "").strip()
    if not url:
        folder = config.get("UPLOAD_FOLDER")
        return LocalStorage(Path(folder) if folder else Path(instance_path) / "uploads")
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError("STUDYHUB_STORAGE_URL needs a bucket: s3://bucket/prefix")
        style = config.get("STORAGE_ADDRESSING_STYLE") or "auto"
        if style not in {"auto", "path", "virtual"}:
            raise StorageError("STUDYHUB_STORAGE_ADDRESSING_STYLE is auto, path or virtual")
        return S3Storage(
            parts.netloc,
            str(PurePosixPath(parts.path)).strip("/") if parts.path.strip("/") else "",
            endpoint_url=config.get("STORAGE_ENDPOINT_URL"),
            access_key=config.get("STORAGE_ACCESS_KEY"),
            secret_key=config.get("STORAGE_SECRET_KEY"),
            region=config.get("STORAGE_REGION"),
            addressing_style=style,
        )
    if parts.scheme == "file":
        return LocalStorage(Path(parts.path))
    raise StorageError(
        f"STUDYHUB_STORAGE_URL must be s3://bucket/prefix or file:///folder, not {url!r}"
    )


def init_storage(app: Flask) -> None:
    """Make the app's storage from its settings (``create_app`` calls this once)."""
    app.extensions[EXTENSION] = storage_from_config(app.config, app.instance_path)


def current_storage() -> Storage:
    """The current app's storage."""
    return current_app.extensions[EXTENSION]


def send_stored(
    storage: Storage,
    key: str,
    *,
    mimetype: str,
    etag: str,
    as_attachment: bool = False,
    download_name: str | None = None,
) -> Response:
    """The stored file as the answer to the current request, 404 when it is missing.

    Conditional (``etag``: 304 for a cached copy) and with byte ranges, from a folder
    or streamed from a bucket; the caller adds caching and security headers."""
    path = storage.local_path(key)
    if path is not None:
        if not path.is_file():
            abort(404)
        return send_file(
            path,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=True,
            etag=etag,
            max_age=None,
        )
    try:
        stream = storage.open(key)
    except FileNotFoundError:
        abort(404)
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    response = send_file(
        stream,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=False,
        etag=etag,
        max_age=None,
    )
    response.content_length = size
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
