"""What an operator needs from every process: cache-safe static URLs.

Static files carry a short hash of their content in their URL (``?v=…``), so
the proxy can serve ``/static/`` with a cache lifetime of a year and an
upgrade still reaches every phone at once (see deploy/nginx.conf).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask
from werkzeug.security import safe_join


def register_ops(app: Flask) -> None:
    _version_static_urls(app)


def _version_static_urls(app: Flask) -> None:
    """``url_for('static', filename=…)`` adds ``v=<hash of the file>``.

    The hash is kept per file and computed again only when the file's size or
    modification time changes (an edit in development, a new wheel in production).
    """
    folder = app.static_folder or ""
    versions: dict[str, tuple[int, int, str]] = {}

    @app.url_defaults
    def static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        filename = values["filename"]
        path = safe_join(folder, filename)
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None:
            return
        known = versions.get(filename)
        if known is None or known[:2] != (stat.st_mtime_ns, stat.st_size):
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()[:12]
            known = (stat.st_mtime_ns, stat.st_size, digest)
            versions[filename] = known
        values["v"] = known[2]
