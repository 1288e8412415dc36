"""The edge of every unit of work: where it commits, rolls back, or waits its turn.

One rule for every write, wherever it comes from:

- **A request is the unit of work.** :class:`App` (the application class) runs
  each request in a unit: a ``POST``/``PUT``/``PATCH``/``DELETE`` is a write unit,
  committed after its view returns a response below 400 and rolled back
  otherwise (an exception, ``abort``, an error status). A ``GET``/``HEAD`` is a
  read unit and never writes: it is never committed, and under ``testing`` a
  statement that writes, or changes left pending, fail loudly. The rare page
  that must write on ``GET`` says so: a download that the audit log records is
  :func:`writes_on_get`; a page whose first visit records it (a reading's first
  open, a message's) calls :func:`begin_writing` on that visit only. A ``POST``
  that reads slowly before it writes (the login's password check) is
  :func:`reads_first` and calls :func:`begin_writing` when it writes.
- **Views never commit.** A form page shows a service's :class:`DomainError` on
  the form (:func:`errors_on`, which rolls back); a button flashes it and goes
  back (:func:`run_button`); anything else that refuses returns an error status
  (the edge rolls back) or calls :func:`refused`. Flashes said by a request
  whose commit failed are taken back, so nobody reads "saved" for a lost write.
- **Jobs and commands** run in :func:`unit_of_work` (the scheduler's runner) or
  under :func:`command_unit` (a CLI command is one unit). A long import that
  commits per batch, or a job that commits per item, calls :func:`commit_now`.
- **Writers queue instead of failing.** The unit is known before its first
  statement (``studyhub.core.units``): on SQLite a write unit's transaction
  begins with ``BEGIN IMMEDIATE`` and waits for the write lock up to the busy
  timeout, so it cannot fail with "database is locked" when it writes after
  reading; reads run beside it (WAL). A database still busy after the timeout
  answers 503 with ``Retry-After`` (a page, or JSON to a JSON request), never a
  500 (:func:`busy_response`).

A form view::

    if form.validate_on_submit():
        with errors_on(form):
            plan = plans.create_plan(db.session, ...)
            return committed(_("The plan is saved."), url_for("plans.plan", plan_id=plan.id))
    return render_template(...)

A button view::

    return run_button(lambda: plans.publish_plan(...), _("Published."), url_for(...))

A command::

    @bp.cli.command("import")
    @command_unit
    def import_command(...): ...

``commit_now`` below holds the only ``Session.commit()`` of the application
(``tests/web/test_units.py`` checks it).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from flask import (
    Flask,
    current_app,
    flash,
    g,
    has_app_context,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers import Response
from wtforms import Field

from studyhub.core import units
from studyhub.core.errors import DomainError
from studyhub.core.units import Unit
from studyhub.extensions import db

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_SECONDS = 5
_WRITES_ON_GET = "_studyhub_writes_on_get"
_READS_FIRST = "_studyhub_reads_first"
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")
# The session cookie's keys that say who is logged in (flask-login's and the idle clock of
# accounts.views): a unit rolled back puts them back as they were, so a logout (or a login)
# whose commit failed does not end (or start) the login in the browser only.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", "_seen")


# The one commit --------------------------------------------------------------------------


def commit_now() -> None:
    """Commit the current unit's work so far (the application's only ``commit()``).

    The edges below call it; a job that commits per item (the outbox, per mail)
    or an import that commits per batch calls it itself. A read unit cannot.
    """
    if units.current() is Unit.READ:
        raise RuntimeError(f"a read unit ({_where()}) tried to commit")
    db.session.commit()


def _where() -> str:
    try:
        return f"{request.method} {request.path}"
    except RuntimeError:
        return "outside a request"


# Jobs and commands -------------------------------------------------------------------------


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One write unit outside a request: commits at the end, rolls back on any exception.

    Enter it before the unit's first statement (SQLite takes the write lock then).
    """
    with units.running(Unit.WRITE):
        try:
            yield
        except BaseException as exc:
            if _is_success_exit(exc):  # a command that ends with exit(0) succeeded
                commit_now()
            else:
                db.session.rollback()
            raise
        commit_now()


def _is_success_exit(exc: BaseException) -> bool:
    """``SystemExit(0)`` or click's ``Exit(0)`` (``ctx.exit()``): the command succeeded."""
    code = getattr(exc, "exit_code", getattr(exc, "code", 1))
    return type(exc).__name__ in ("Exit", "SystemExit") and code in (0, None)


def command_unit(command: Callable[P, T]) -> Callable[P, T]:
    """A CLI command that is one unit of work (put it under ``@….command``)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with unit_of_work():
            return command(*args, **kwargs)

    return run


# Requests ----------------------------------------------------------------------------------


def writes_on_get(view: Callable[P, T]) -> Callable[P, T]:
    """Mark a ``GET`` view that must write (say why where it is used): a write unit."""
    setattr(view, _WRITES_ON_GET, True)
    return view


def reads_first(view: Callable[P, T]) -> Callable[P, T]:
    """Mark a write view that reads slowly before it writes (the login's password check).

    It starts as a read unit, so it holds no write lock while it reads; it calls
    :func:`begin_writing` before it changes anything.
    """
    setattr(view, _READS_FIRST, True)
    return view


def begin_writing() -> None:
    """End the read so far and go on as a write unit (objects loaded reload on use)."""
    if units.current() is Unit.WRITE:
        return
    db.session.rollback()
    units.switch(Unit.WRITE)
    if has_request_context() and "_studyhub_flashes" not in g:
        _note_session()


def keep_changes() -> None:
    """Commit this request's work although its response is an error status.

    For an answer that refuses but has done something that stands: a save that
    finds the time up submits the attempt, then says 409.
    """
    g._studyhub_keep_changes = True


class App(Flask):
    """The Flask application whose every request is one unit of work (see the module)."""

    def full_dispatch_request(self) -> Response:
        unit = _unit_of(self, request.method, request.endpoint)
        with units.running(unit):
            if unit is Unit.WRITE or request.method not in READ_METHODS:
                _note_session()
            return super().full_dispatch_request()

    def dispatch_request(self) -> Any:
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            _abandon()
            raise
        if units.current() is Unit.WRITE:
            if response.status_code >= 400 and not g.get("_studyhub_keep_changes"):
                _abandon()
                return response
            try:
                commit_now()
            except BaseException:
                _abandon()
                raise
        elif self.config.get("STRICT_UNITS"):
            _check_nothing_pending()
        return response


def _unit_of(app: Flask, method: str, endpoint: str | None) -> Unit:
    view = app.view_functions.get(endpoint) if endpoint else None
    if method in READ_METHODS:
        return Unit.WRITE if getattr(view, _WRITES_ON_GET, False) else Unit.READ
    return Unit.READ if getattr(view, _READS_FIRST, False) else Unit.WRITE


def _note_session() -> None:
    """Note what a rollback puts back in the session cookie: the flashes and the login."""
    g._studyhub_flashes = list(session.get("_flashes", ()))
    g._studyhub_login = {key: session[key] for key in _LOGIN_KEYS if key in session}


def _abandon() -> None:
    """Roll the request's work back, take back the flashes it said and put the session's
    login back as it was (a logout whose commit failed leaves the user logged in)."""
    db.session.rollback()
    login = g.pop("_studyhub_login", None)
    if login is not None:
        for key in _LOGIN_KEYS:
            if key in login and session.get(key) != login[key]:
                session[key] = login[key]
            elif key not in login and key in session:
                del session[key]
    before = g.pop("_studyhub_flashes", None)
    if before is None:
        return
    if before:
        session["_flashes"] = before
    else:
        session.pop("_flashes", None)


def _check_nothing_pending() -> None:
    pending = db.session.new or db.session.dirty or db.session.deleted
    if pending:
        raise RuntimeError(f"{_where()} left changes pending in a read unit: {list(pending)!r}")


def _refuse_writes_in_reads(conn, cursor, statement: str, parameters, context, executemany):
    if units.current() is not Unit.READ or not has_app_context():
        return
    if not current_app.config.get("STRICT_UNITS"):
        return
    if statement.lstrip()[:7].upper().startswith(_WRITE_VERBS):
        raise RuntimeError(f"{_where()} wrote in a read unit: {statement[:200]}")


def install_units(app: Flask) -> None:
    """Under ``STRICT_UNITS`` (on in testing), a read unit's writing statement fails loudly."""
    if app.config.get("STRICT_UNITS") and not event.contains(
        Engine, "before_cursor_execute", _refuse_writes_in_reads
    ):
        event.listen(Engine, "before_cursor_execute", _refuse_writes_in_reads)


# A busy database ---------------------------------------------------------------------------


def is_busy(exc: BaseException) -> bool:
    """A database that stayed locked past the busy timeout (SQLite) or a lock wait that
    timed out (PostgreSQL's ``lock_timeout``)."""
    if not isinstance(exc, DBAPIError):
        return False
    text = str(exc.orig).lower()
    return (
        "database is locked" in text
        or "database is busy" in text
        or "lock timeout" in text
        or type(exc.orig).__name__ == "LockNotAvailable"
    )


def busy_response(render_page: Callable[[int, str], Any]) -> Response:
    """503 with ``Retry-After``: JSON for a JSON request, else ``render_page(503, message)``."""
    log.warning("database busy on %s", _where())
    message = _("Too many people are saving at this moment. Please try again in a few seconds.")
    if request.is_json or request.accept_mimetypes.best == "application/json":
        response = jsonify(saved=False, busy=True, error=message)
        response.status_code = 503
    else:
        response = current_app.make_response(render_page(503, message))
        response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# Form pages and buttons --------------------------------------------------------------------


@contextmanager
def errors_on(form: FlaskForm, field: Field | None = None) -> Iterator[None]:
    """Show a :class:`DomainError` raised in the block on ``form`` (or on its ``field``),
    after a rollback.

    The block ends with ``return committed(...)``; when the service fails, the view
    goes on after the block and renders the form with the error.
    """
    try:
        yield
    except DomainError as exc:
        db.session.rollback()
        if field is None:
            form.form_errors.append(str(exc))
        else:
            field.errors = [*field.errors, str(exc)]


def committed(message: str, url: str) -> Response:
    """Say ``message`` and go to ``url``; the edge commits (and takes the message back
    if the commit fails)."""
    flash(message, "success")
    return redirect(url)


def refused(exc: DomainError, url: str) -> Response:
    """Roll back, flash why not and go to ``url``."""
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url)


def run_button(work: Callable[[], object], message: str | None, url: str) -> Response:
    """Call one service for a POST button, then go to ``url``.

    On success it says ``message`` (when given) and the edge commits; a
    :class:`DomainError` is rolled back and flashed.
    """
    try:
        work()
    except DomainError as exc:
        return refused(exc, url)
    if message:
        flash(message, "success")
    return redirect(url)
