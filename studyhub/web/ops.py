"""What an operator needs from every process: cache-safe static URLs and readiness.

Static files carry a short hash of their content in their URL (``?v=…``), so
the proxy can serve ``/static/`` with a cache lifetime of a year and an
upgrade still reaches every phone at once (see deploy/nginx.conf).

Readiness (``/readyz``) is more than liveness (``/healthz``): the database
answers and its schema is the one this code's migrations build, so a load
balancer or a monitor notices a machine whose ``db upgrade`` has not run.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import safe_join

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Migrations:
    """The installed code's migrations: their heads and every revision they know."""

    heads: tuple[str, ...]
    known: frozenset[str]


def installed_migrations(app: Flask) -> Migrations:
    """Read once per process from the migration scripts Flask-Migrate uses."""
    found = app.extensions.get("studyhub.migrations")
    if found is None:
        script = ScriptDirectory(app.extensions["migrate"].directory)
        found = Migrations(
            heads=tuple(sorted(script.get_heads())),
            known=frozenset(revision.revision for revision in script.walk_revisions()),
        )
        app.extensions["studyhub.migrations"] = found
    return found


@dataclass(frozen=True)
class Readiness:
    """Whether this process can serve: ``reason`` and ``detail`` say why not."""

    is_ready: bool
    reason: str | None = None
    detail: str | None = None
    revisions: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        if self.is_ready:
            return {"status": "ready", "revision": ",".join(self.revisions)}
        return {"status": "not ready", "reason": self.reason, "detail": self.detail}


def check_readiness(connect: Callable[[], Connection], migrations: Migrations) -> Readiness:
    """Ask the database for its migration revisions and compare them with the code's.

    ``connect`` gives the connection to ask (the request's session's). A database
    error means "not ready" with the error's kind, never its text, which may name
    the server.
    """
    try:
        current = tuple(sorted(MigrationContext.configure(connect()).get_current_heads()))
    except SQLAlchemyError as exc:
        log.warning("readiness: the database does not answer: %s", exc)
        return Readiness(False, "database", f"the database does not answer ({type(exc).__name__})")
    if current == migrations.heads:
        return Readiness(True, revisions=current)
    heads = ", ".join(migrations.heads)
    if not current:
        detail = "the database has no migrations applied: run `studyhub db upgrade`"
    elif set(current) - migrations.known:
        detail = (
            f"the database is at {', '.join(current)}, which the installed migrations do "
            f"not know (head {heads}): newer code has upgraded it"
        )
    else:
        detail = (
            f"the database is at {', '.join(current)}, behind {heads}: run `studyhub db upgrade`"
        )
    return Readiness(False, "migrations", detail)
