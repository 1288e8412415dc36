"""The app's storage: made from the settings in ``create_app``, reached per request, and
stored files sent as responses."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, send_file
from flask.wrappers import Response

from studyhub.web.storage.base import EXTENSION, Storage, StorageError
from studyhub.web.storage.local import LocalStorage
from studyhub.web.storage.s3 import S3Storage


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
