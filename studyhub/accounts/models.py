"""The user table, the logins (server-side sessions) of each user, activation codes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from studyhub.extensions import db


def new_login_token() -> str:
    """A login's secret: 32 random bytes, URL-safe (it travels in the session id)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a login token: its SHA-256 (the token is random, so no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenDigest(TypeDecorator):
    """A bound login token compared as its digest: ``type_coerce(token, TokenDigest())``.

    Lets a statement built once take the raw token as a parameter value, so
    the code that binds it never hashes (or knows about) tokens.
    """

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else token_digest(value)


class User(UserMixin, db.Model):
    """A person who can log in.

    The id flask-login keeps in the session and the remember-me cookie is
    ``"<user id>:<login token>"``: it names one :class:`LoginSession` row, so
    ending that row ends both cookies at once. The user loader sets
    ``login_token`` and ``login_id`` on the user it returns.
    """

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    member_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language chosen in the account menu ("zh", "en"); None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))

    # The login this user object was loaded through (or just started): plain attributes set
    # on the instance (str | None, int | None, bool), not columns.
    login_token = None
    login_id = None
    login_is_remembered = False

    def get_id(self) -> str:
        return f"{self.id}:{self.login_token or ''}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.is_enabled

    def __repr__(self) -> str:
        return f"<User {self.id} {self.name}>"


class ActivationCode(db.Model):
    """The one live activation code of a user: how a member sets their own password.

    One row per user (``user_id`` is unique): issuing a new code overwrites the
    row, so an older code stops working at once. Only a keyed hash of the code
    is stored (see :func:`studyhub.accounts.services.hash_activation_code`). The
    code ends when it is used (``used_at``), when it expires (``expires_at``) or
    after too many wrong tries (``failed_attempts``).
    """

    __tablename__ = "activation_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<ActivationCode of user {self.user_id}>"


class LoginSession(db.Model):
    """One login: from the password check until logout, expiry or "log out everywhere".

    Only the token's digest is stored. ``expires_at`` is the absolute end
    (``SESSION_ABSOLUTE_DAYS`` after the login); a login not remembered also
    ends after ``SESSION_IDLE_MINUTES`` without a request, tracked in the
    signed session cookie rather than here (see ``accounts.views.load_user``),
    so that no page view writes to the database.
    """

    __tablename__ = "login_session"
    __table_args__ = (
        Index("ix_login_session_user_open", "user_id", "ended_at"),
        Index("ix_login_session_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_remembered: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(16))

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"
