"""Files in an S3-compatible bucket, through boto3 (imported only when a bucket is configured)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC
from typing import Any, BinaryIO

from studyhub.web.storage.base import CHUNK, Data, Storage, StoredFile, _folder_prefix, check_key


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
