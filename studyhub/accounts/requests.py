"""The start of every request: the login checked in the request's first statement.

flask-login asks :func:`load_user` for the user of the session's login. It runs
one statement: the user joined with their open login, plus whatever the domains
above accounts add to it (:func:`add_to_first_statement`: ``org`` adds the
member's row, grants and unread count), so a page knows who is asking, what they
may do and what the header shows before it reads anything of its own.

Views that check the login inside their own statement (an exam's answer save)
are declared with :func:`checks_own_login`; the forced-password-change hook then
leaves their JSON requests alone instead of loading the user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app, session
from flask_login import current_user
from sqlalchemy import Row, Select

from studyhub.accounts import queries
from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.extensions import db, login_manager

# The session cookie's record of this login's last request (epoch seconds), for the idle
# limit; rewritten at most every SEEN_EVERY_SECONDS so most responses set no cookie.
SEEN_KEY = "_seen"
SEEN_EVERY_SECONDS = 60

_PARTS_KEY = "studyhub.first_statement_parts"
_STATEMENT_KEY = "studyhub.first_statement"
_OWN_LOGIN_KEY = "studyhub.own_login_endpoints"


@dataclass(frozen=True)
class FirstStatementPart:
    """What a domain above accounts adds to the request's first statement.

    ``extend`` takes the login statement (its first three columns are the user, the
    login's id and whether it is remembered; bind parameters ``user_id``, ``token``
    and ``now``) and returns it with its own labelled columns and outer joins; it may
    add rows (one per role, say) but never remove the user's. ``receive`` gets every
    row of the statement when the login is valid, and keeps its part for the request.
    """

    extend: Callable[[Select], Select]
    receive: Callable[[User, Sequence[Row]], None]


def add_to_first_statement(app: Flask, part: FirstStatementPart) -> None:
    """Read ``part`` in every request's first statement (set up once, at app creation)."""
    app.extensions.setdefault(_PARTS_KEY, []).append(part)
    app.extensions.pop(_STATEMENT_KEY, None)


def _first_statement(app: Flask) -> tuple[Select, list[FirstStatementPart]]:
    """The login statement with every domain's part, built once per app."""
    built = app.extensions.get(_STATEMENT_KEY)
    if built is None:
        parts = list(app.extensions.get(_PARTS_KEY, []))
        statement = queries.logged_in_user_statement()
        for part in parts:
            statement = part.extend(statement)
        built = app.extensions[_STATEMENT_KEY] = (statement, parts)
    return built


def login_of(user_id: str) -> tuple[int, str] | None:
    """(user id, login token) from the id flask-login keeps ("<id>:<token>")."""
    raw_id, _sep, token = user_id.partition(":")
    return (int(raw_id), token) if raw_id.isdigit() and token else None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this request's login, in the request's first statement.

    Refused (None, so the request is anonymous) when the login ended (logout,
    "log out everywhere", a password change…), passed its absolute lifetime
    (``SESSION_ABSOLUTE_DAYS``), the account is disabled, or a login that is
    not remembered has been idle longer than ``SESSION_IDLE_MINUTES``.

    Why the idle clock lives in the signed session cookie (``_seen``) and not in
    the ``login_session`` row: a row touched on every request would make every
    page view a database write (and on SQLite a wait for the write lock). The
    cookie is signed, so it cannot be moved forward by hand, and an old copy of
    it carries its old time. ``_seen`` is renewed at most once a minute. A
    remembered login ("keep me logged in") has no idle limit, only the
    absolute one; its remember-me cookie names the same row, so ending the row
    ends both cookies. An exam's answer saves check the login in their own
    statement without the idle limit and renew ``_seen``
    (:func:`keep_session_alive`), so an exam in progress is never cut off.
    """
    login = login_of(user_id)
    if login is None:
        return None
    now = clock.now_utc()
    statement, parts = _first_statement(current_app)
    rows = db.session.execute(statement, {"user_id": login[0], "token": login[1], "now": now}).all()
    if not rows:
        return None
    user, login_id, is_remembered = rows[0][0], rows[0][1], rows[0][2]
    if not is_remembered and _idle_too_long(now):
        return None
    user.login_token, user.login_id, user.login_is_remembered = login[1], login_id, is_remembered
    for part in parts:
        part.receive(user, rows)
    keep_session_alive(now)
    return user


def _idle_too_long(now: datetime) -> bool:
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int | float):
        return True
    return now.timestamp() - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60


def keep_session_alive(now: datetime) -> None:
    """Note activity of this request's login in its session cookie (the idle clock)."""
    seen = session.get(SEEN_KEY)
    stamp = int(now.timestamp())
    if not isinstance(seen, int | float) or stamp - seen >= SEEN_EVERY_SECONDS:
        session[SEEN_KEY] = stamp


def session_login() -> tuple[int, str] | None:
    """The (user id, login token) this request's session is logged in as, unchecked.

    Restores a login from the remember-me cookie first (as flask-login would
    on first use of ``current_user``) when the session has none.
    """
    value = session.get("_user_id")
    if value is None and current_user.is_authenticated:
        value = session.get("_user_id")
    return login_of(value) if isinstance(value, str) else None


def checks_own_login(blueprint: Blueprint, *endpoints: str) -> None:
    """Declare views of ``blueprint`` whose JSON requests check the login themselves.

    For the one request every member makes many times (an exam's answer save):
    instead of loading the user first, the view reads :func:`session_login`, its
    statement checks the login with :func:`studyhub.accounts.queries.valid_login_clause`,
    and it calls :func:`keep_session_alive`. Its other requests (forms) are checked
    as usual. Written beside the blueprint's routes, e.g.
    ``checks_own_login(bp, "save_answer")``.
    """
    names = {f"{blueprint.name}.{endpoint}" for endpoint in endpoints}

    def record(state: Any) -> None:
        state.app.extensions.setdefault(_OWN_LOGIN_KEY, set()).update(names)

    blueprint.record_once(record)


def is_own_login_request(app: Flask, endpoint: str | None, *, is_json: bool) -> bool:
    """Whether this request is one that checks its own login (see :func:`checks_own_login`)."""
    return is_json and endpoint in app.extensions.get(_OWN_LOGIN_KEY, ())
