"""Passwords, login checks and resets. No request state: callers pass ``now``."""

from __future__ import annotations

import hmac
import secrets
import string
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from studyhub.accounts.models import User, new_session_token
from studyhub.accounts.queries import user_by_login
from studyhub.core.errors import InvalidInput

# Verified when no account matches, so a wrong login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")

TEMP_PASSWORD_ALPHABET = "".join(
    c for c in string.ascii_letters + string.digits if c not in "0OoIl1"
)


def normalise_login(identifier: str) -> str:
    """Login names as people type them: spaces and dashes in phone numbers removed."""
    return "".join(identifier.split()).replace("-", "")


def hash_password(password: str, *, method: str) -> str:
    return generate_password_hash(password, method=method)


def authenticate(session: Session, identifier: str, password: str) -> User | None:
    """The enabled user with this phone or member number and password, or None.

    The same None answers an unknown account, a wrong password and a disabled
    account, so the login page reveals nothing about who has an account.
    """
    user = session.scalars(user_by_login(normalise_login(identifier))).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_enabled:
        return None
    return user


def record_login(user: User, *, now: datetime) -> None:
    user.last_login_at = now


def check_password_rules(password: str, *, min_length: int) -> None:
    if len(password) < min_length:
        raise InvalidInput(_l("The password must have at least %(n)d characters.", n=min_length))
    if password.isdigit() or password.isalpha():
        raise InvalidInput(_l("The password must mix letters and digits."))


def change_password(
    user: User, *, current: str, new: str, now: datetime, method: str, min_length: int
) -> None:
    """Set a new password chosen by the user; every other session of theirs ends."""
    if not check_password_hash(user.password_hash, current):
        raise InvalidInput(_l("The current password is not right."))
    if current == new:
        raise InvalidInput(_l("The new password must differ from the current one."))
    check_password_rules(new, min_length=min_length)
    user.password_hash = hash_password(new, method=method)
    user.must_change_password = False
    user.password_changed_at = now
    user.session_token = new_session_token()


def reset_password(user: User, *, now: datetime, method: str) -> str:
    """Give the user a one-time password to change at next login; returns it once."""
    temporary = "".join(secrets.choice(TEMP_PASSWORD_ALPHABET) for _ in range(10))
    user.password_hash = hash_password(temporary, method=method)
    user.must_change_password = True
    user.password_changed_at = now
    user.session_token = new_session_token()
    return temporary


def login_is_valid(
    token: str, *, session_token: str, is_enabled: bool, must_change_password: bool
) -> bool:
    """Whether a login's session ``token`` still lets it in, for a user row read elsewhere.

    What the user loader and the forced password change check together: the
    token is the user's current one (logging out everywhere renews it), the
    account is enabled, and no password change is pending.
    """
    return hmac.compare_digest(session_token, token) and is_enabled and not must_change_password


def end_all_sessions(user: User, *, now: datetime) -> None:
    """End every login of ``user`` (all devices, remember-me cookies included).

    Called on a password change, reset, activation and deactivation, and by
    "log out everywhere".
    """
    user.session_token = new_session_token()
