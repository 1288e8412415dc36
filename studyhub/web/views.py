"""Home, health check, error pages and the benchmark floor."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.web import ops
from studyhub.web.home import home_panels
from studyhub.web.saving import busy_response, is_busy

bp = Blueprint("web", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
@login_required
def home():
    panels = home_panels(current_app, current_user, clock.now_utc())
    return render_template("web/home.html", panels=panels)


@bp.get("/healthz")
def health():
    """Liveness: the process answers (nothing else is asked)."""
    return {"status": "ok"}


@bp.get("/readyz")
def ready():
    """Readiness: the database answers and its migrations are the installed code's."""
    state = ops.check_readiness(db.session.connection, ops.installed_migrations(current_app))
    return state.as_json(), 200 if state.is_ready else 503, {"Cache-Control": "no-store"}


def floor():
    """A bare endpoint: the benchmark's floor for this process setup."""
    return "ok"


@login_required
def member_floor():
    """The floor behind the login check: what every member's page costs before it does anything."""
    return "ok"


@login_required
def empty_page():
    """The page layout with nothing in it, for a logged-in user: the ceiling of any page."""
    return render_template("web/bench_empty.html")


def upload_limit_text() -> str:
    """The upload limit (MAX_CONTENT_LENGTH) as people read it, e.g. "16 MB"."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit / (1024 * 1024):g} MB" if limit else _("no limit")


def too_large_message() -> str:
    return _(
        "Files up to %(size)s can be uploaded. Go back, choose a smaller file (or split it) "
        "and try again.",
        size=upload_limit_text(),
    )


def _render_error(status: int, message: str | None = None):
    titles = {
        400: _("The request could not be understood"),
        403: _("You may not open this page"),
        404: _("This page does not exist"),
        405: _("This action is not allowed here"),
        413: _("The file is too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong on our side"),
    }
    return (
        render_template(
            "web/error.html",
            status=status,
            title=titles.get(status, titles[500]),
            message=message,
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return _render_error(exc.http_status, str(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render_error(
            400, _("The form had expired. Go back, reload the page and try again.")
        )

    @app.errorhandler(429)
    def too_many(exc: HTTPException):
        return _render_error(
            429, _("Too many attempts in a short time. Please wait a few minutes and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code == 413:
            return _render_error(413, too_large_message())
        return _render_error(exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        db.session.rollback()
        if is_busy(exc):  # still locked after the busy timeout: "try again", never a 500
            return busy_response(_render_error)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if current_app.testing and current_app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return _render_error(500)
