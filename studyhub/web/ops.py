"""What an operator needs from every process: cache-safe static URLs, readiness, logs.

Static files carry a short hash of their content in their URL (``?v=…``), so
the proxy can serve ``/static/`` with a cache lifetime of a year and an
upgrade still reaches every phone at once (see deploy/nginx.conf).

Readiness (``/readyz``) is more than liveness (``/healthz``): the database
answers and its schema is the one this code's migrations build, so a load
balancer or a monitor notices a machine whose ``db upgrade`` has not run.

Every request has an id: the proxy's ``X-Request-ID`` when it sends a sane one
(nginx's ``$request_id``), else a new one. It goes back in the response's
``X-Request-ID`` and, with ``LOG_FORMAT = "json"``, into every log line written
while the request runs, so one request can be followed from nginx's log into
the app's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import safe_join

from studyhub.config import ConfigError

log = logging.getLogger(__name__)
request_log = logging.getLogger("studyhub.request")

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id from outside may look like (nginx's are 32 hex digits): anything else
# is replaced, so a client cannot write arbitrary text into the logs.
_GIVEN_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
LOG_FORMATS = ("text", "json")
JSON_HANDLER_NAME = "studyhub-json"
# Polled by monitors every few seconds: their request lines are left out unless they fail.
_PROBES = frozenset({"/healthz", "/readyz"})


def register_ops(app: Flask) -> None:
    _version_static_urls(app)
    _request_ids(app)
    log_format = app.config.get("LOG_FORMAT", "text")
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"STUDYHUB_LOG_FORMAT must be text or json, not {log_format!r}")
    if log_format == "json":
        configure_json_logs(app)


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


def current_request_id() -> str | None:
    """The id of the request being served (made on first use), or None outside requests."""
    if not has_request_context():
        return None
    request_id = g.get("request_id")
    if request_id is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _GIVEN_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_id = request_id
    return request_id


def _request_ids(app: Flask) -> None:
    """Every response says its request's id; JSON logs add one line per request."""
    log_requests = app.config.get("LOG_FORMAT") == "json"

    def start_timer() -> None:
        g.request_started = time.perf_counter()

    if log_requests:
        # First of all before-request functions, so the time includes theirs.
        app.before_request_funcs.setdefault(None, []).insert(0, start_timer)

    @app.after_request
    def return_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = current_request_id() or ""
        if log_requests and not (request.path in _PROBES and response.status_code == 200):
            started = g.get("request_started")
            elapsed = None if started is None else (time.perf_counter() - started) * 1000
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": None if elapsed is None else round(elapsed, 1),
                    "remote_addr": request.remote_addr,
                },
            )
        return response


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``None`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


# The attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_json_logs(app: Flask, stream: IO[str] | None = None) -> logging.Handler:
    """JSON lines on stderr for every logger (replacing this function's earlier handler).

    The root logger keeps WARNING (libraries stay quiet: SQLAlchemy would log every
    statement at INFO); studyhub's own loggers log from ``LOG_LEVEL``.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == JSON_HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(JSON_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    logging.getLogger("studyhub").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Flask's own text handler on app.logger would print every app.logger line twice.
    app.logger.removeHandler(default_handler)
    return handler
