"""Queries over users and their logins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    and_,
    bindparam,
    exists,
    or_,
    select,
    type_coerce,
)

from studyhub.accounts.models import LoginSession, TokenDigest, User


def user_by_login(identifier: str) -> Select[tuple[User]]:
    """The user whose phone number or member number is ``identifier``."""
    return select(User).where(or_(User.phone == identifier, User.member_no == identifier))


def _open_login(user_id: Any, token: Any, now: Any) -> ColumnElement[bool]:
    """The login row of ``token`` belongs to ``user_id``, has not ended and has not expired."""
    return and_(
        LoginSession.token_hash == type_coerce(token, TokenDigest()),
        LoginSession.user_id == user_id,
        LoginSession.ended_at.is_(None),
        LoginSession.expires_at > now,
    )


def logged_in_user(user_id: int, token: str, now: datetime) -> Select[tuple[User, int, bool]]:
    """(user, login id, is remembered) for the user loader, in one statement.

    No row when the login ended or expired or the account is disabled. The
    idle limit is checked by the caller (it lives in the session cookie).
    """
    return (
        select(User, LoginSession.id, LoginSession.is_remembered)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_id, User.is_enabled.is_(True), _open_login(User.id, token, now))
    )


_LOGGED_IN_USER = (
    select(User, LoginSession.id, LoginSession.is_remembered)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        User.is_enabled.is_(True),
        _open_login(
            User.id,
            bindparam("token", type_=TokenDigest()),
            bindparam("now", type_=LoginSession.expires_at.type),
        ),
    )
)


def logged_in_user_statement() -> Select[tuple[User, int, bool]]:
    """:func:`logged_in_user` built once, with bind parameters ``user_id``, ``token``
    (as the session keeps it; the comparison hashes it) and ``now``.

    The start of every request's first statement (``accounts.requests``): built
    once, so SQLAlchemy's compiled cache finds it without building it again.
    """
    return _LOGGED_IN_USER


def valid_login_clause(user_id: Any, token: Any, now: Any) -> Exists:
    """A boolean SQL expression: this login may act for ``user_id`` without more checks.

    For a statement that checks the request's login itself instead of loading
    the user first (an exam's answer save). The arguments are values or SQL
    expressions, typically a column (``attempt.c.user_id``) and the caller's own
    bind parameters: ``token`` is the second part of the id flask-login keeps
    (given as it is; the comparison hashes it), ``now`` the request's time. True
    when the login is open (not ended, not past its absolute lifetime), the
    account enabled and no password change pending. The idle limit is not
    checked: an answer save is activity, and an exam is never cut off by it.
    """
    # Its own alias of the user table: a caller's statement may hold ``user`` itself
    # (``user_id`` may be ``User.id``), which must stay the outer one.
    account = User.__table__.alias("login_account")
    return exists(
        select(LoginSession.id)
        .join(account, account.c.id == LoginSession.user_id)
        .where(
            _open_login(user_id, token, now),
            account.c.is_enabled.is_(True),
            account.c.must_change_password.is_(False),
        )
        .correlate_except(LoginSession, account)
    )
