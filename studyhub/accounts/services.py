"""Passwords, login checks and resets. No request state: callers pass ``now``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from studyhub.accounts.models import (
    ActivationCode,
    LoginSession,
    User,
    new_login_token,
    token_digest,
)
from studyhub.accounts.queries import user_by_login
from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, InvalidInput

# Hashes verified when no usable account matches, one per hash method (made on first use).
_dummy_hashes: dict[str, str] = {}
# The dummy's method when the caller names none (commands, service tests).
_FALLBACK_METHOD = "pbkdf2:sha256:1000"


def normalise_login(identifier: str) -> str:
    """Login names as people type them: spaces and dashes in phone numbers removed."""
    return "".join(identifier.split()).replace("-", "")


def hash_password(password: str, *, method: str) -> str:
    return generate_password_hash(password, method=method)


def find_account(session: Session, identifier: str) -> User | None:
    """The user whose phone number or member number is ``identifier`` (as typed), if any."""
    return session.scalars(user_by_login(normalise_login(identifier)[:32])).first()


def _dummy_hash(method: str) -> str:
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-password", method=method)
    return _dummy_hashes[method]


def _method_of(password_hash: str) -> str:
    """The method part of a werkzeug hash, parameters included (``scrypt:32768:8:1``)."""
    return password_hash.split("$", 1)[0]


def password_matches(user: User | None, password: str, *, method: str | None = None) -> bool:
    """Whether ``password`` opens ``user``'s account, in about the same time whatever the answer.

    ``method`` is the configured ``PASSWORD_HASH_METHOD``. Every call pays at
    least one check at that method's cost: an unknown account, a disabled one
    and one without a usable password (not activated) check a dummy hash made
    with it, and an account whose hash was made with another method (an older
    setting, such as the cheaper hash of first passwords before migration 0009)
    checks the dummy as well as its own hash. So the time of a refusal tells
    nothing about whether, or in which state, the account exists. Without
    ``method`` (commands, service tests) a cheap dummy stands in and only the
    account's own hash is checked.
    """
    dummy = _dummy_hash(method or _FALLBACK_METHOD)
    if user is None or not user.is_enabled or not has_usable_password(user):
        check_password_hash(dummy, password)
        return False
    if method is not None and _method_of(user.password_hash) != _method_of(dummy):
        check_password_hash(dummy, password)
    return check_password_hash(user.password_hash, password)


def authenticate(
    session: Session, identifier: str, password: str, *, method: str | None = None
) -> User | None:
    """The enabled user with this phone or member number and password, or None.

    The same None answers an unknown account, a wrong password, a disabled
    account and one not yet activated, in about the same time (see
    :func:`password_matches`), so the login page reveals nothing about who has
    an account.
    """
    user = find_account(session, identifier)
    return user if password_matches(user, password, method=method) else None


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
    end_all_sessions(user, now=now, reason="password")


# Logins (server-side sessions) -------------------------------------------------------------
#
# Each login is a ``login_session`` row; the id flask-login keeps in the session
# cookie and the remember-me cookie is "<user id>:<token>" and names that row (see
# ``accounts.queries.valid_login_clause``). Ending the row ends both cookies at once.


def start_session(
    user: User,
    *,
    now: datetime,
    lifetime: timedelta,
    is_remembered: bool,
    address: str | None = None,
) -> str:
    """Open a login for ``user`` that ends ``lifetime`` after ``now`` at the latest.

    Returns the token (kept only in the user's cookies; the row stores its
    digest) and sets it on ``user`` so that ``user.get_id()`` names this login.
    """
    session = object_session(user)
    assert session is not None, "the user must belong to a session"
    token = new_login_token()
    row = LoginSession(
        user_id=user.id,
        token_hash=token_digest(token),
        is_remembered=is_remembered,
        address=(address or "")[:64] or None,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    user.login_token = token
    user.login_id = row.id
    return token


def end_session(session: Session, login_id: int, *, now: datetime, reason: str = "logout") -> None:
    """End one login (logout): its session and remember-me cookies stop working at once."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.id == login_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_all_sessions(user: User, *, now: datetime, reason: str = "all") -> None:
    """End every login of ``user`` (all devices, remember-me cookies included).

    Called on a password change, reset, activation and deactivation, and by
    "log out everywhere". A caller that keeps the acting device logged in
    (a password change) starts a new login afterwards.
    """
    session = object_session(user)
    if session is None or user.id is None:
        return  # a user never saved has no logins
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    user.login_token = None
    user.login_id = None


# Activation ------------------------------------------------------------------------------
#
# An added or imported member has no usable password: nothing anyone else knows
# (a phone number, a member number) opens the account. Their secretary hands them
# a random activation code (a printed slip or a code shown once); with it the
# member chooses their own password. The same code is how a forgotten password is
# reset without e-mail.

UNUSABLE_PASSWORD_PREFIX = "!"
# Upper-case letters and digits without the ones people confuse on paper and on a
# phone keyboard (0 and O, 1, I and L, U beside V): 30 symbols, so 8 of them give
# about 39 bits.
ACTIVATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ACTIVATION_CODE_LENGTH = 8
ACTIVATION_MAX_FAILURES = 5


class WrongActivationCode(InvalidInput):
    """A wrong code for an account with a live code: the failed try is flushed and must be
    committed (the view commits it before showing the message)."""


# One answer for an unknown login, a missing, used or expired code and a wrong one.
ACTIVATION_REFUSED = _l(
    "This login and activation code do not match, or the code has expired or was used. "
    "Ask your branch secretary for a new code."
)


def unusable_password() -> str:
    """A password hash that no password matches: an account's until it is activated.

    werkzeug reads a stored hash as ``method$salt$hash``; this value has no such
    form, and :func:`has_usable_password` recognises it by its prefix so that
    :func:`authenticate` refuses it without trying. The random tail keeps such
    values distinct.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(24)


def has_usable_password(user: User) -> bool:
    """Whether the account has a password at all (it has been activated)."""
    return not user.password_hash.startswith(UNUSABLE_PASSWORD_PREFIX)


def new_activation_code() -> str:
    """A fresh random code (``secrets``), e.g. ``K7QM3XPA``."""
    return "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))


def normalise_activation_code(typed: str) -> str:
    """A code as typed: any case, with or without the dash and spaces of the printed form."""
    return "".join(typed.split()).replace("-", "").upper()


def format_activation_code(code: str) -> str:
    """The printed form, in two halves that are easier to read out and type: ``K7QM-3XPA``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def hash_activation_code(user_id: int, code: str, *, key: str) -> str:
    """HMAC-SHA256 of the user's id and the code, keyed with the application's secret key.

    Why not a password hash (scrypt)? A code is random and short-lived, and it is
    guessed online only against a limit of a few tries, so what matters is that a
    copy of the database alone gives nothing away: without the secret key the
    stored value cannot even be tested against a guess, while an unkeyed hash of
    39 bits would be searched in minutes. A keyed hash costs microseconds, so
    printing a branch's slips (hundreds of codes) stays instant; a slow password
    hash would make it take minutes. The user's id is part of the message, so
    equal codes of two users have different hashes. Changing the secret key ends
    every outstanding code (secretaries issue new ones).
    """
    message = f"{user_id}:{code}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def issue_activation_codes(
    session: Session,
    users: Iterable[User],
    *,
    by_id: int | None,
    now: datetime,
    valid_for: timedelta,
    key: str,
    reset: bool = False,
) -> dict[int, str]:
    """Give each user a new activation code; returns ``{user id: code}``, the only plain copy.

    Each user has one live code: a new one replaces the old (which stops working
    at once). With ``reset`` the current password stops working too and every
    session of the user ends (a reset for a member who forgot their password or
    whose account is in doubt); without it an activated member keeps their
    password until they use the code (printing slips for a whole branch locks
    nobody out). The caller records the act in the audit log.
    """
    users = list(users)
    rows = {
        row.user_id: row
        for row in session.scalars(
            select(ActivationCode).where(ActivationCode.user_id.in_([u.id for u in users]))
        )
    }
    codes: dict[int, str] = {}
    for user in users:
        code = new_activation_code()
        row = rows.get(user.id)
        if row is None:
            row = ActivationCode(user_id=user.id)
            session.add(row)
        row.code_hash = hash_activation_code(user.id, code, key=key)
        row.issued_at = now
        row.issued_by_id = by_id
        row.expires_at = now + valid_for
        row.used_at = None
        row.failed_attempts = 0
        if reset:
            user.password_hash = unusable_password()
            user.must_change_password = True
            user.password_changed_at = now
            end_all_sessions(user, now=now, reason="reset")
        codes[user.id] = code
    try:
        session.flush()
    except IntegrityError as exc:
        # A first code for a user is an INSERT: two people issuing one at the same moment
        # meet at the unique user_id; the second unit fails (and is rolled back at its edge)
        # with a message instead of an error page.
        raise Conflict(
            _l("Someone issued codes for these members at the same moment. Try again.")
        ) from exc
    return codes


def activate_account(
    session: Session,
    identifier: str,
    code: str,
    new_password: str,
    *,
    now: datetime,
    key: str,
    method: str,
    min_length: int,
    max_failures: int = ACTIVATION_MAX_FAILURES,
) -> User:
    """Set the member's own password with their activation code; returns the user.

    The code must be the user's live one: not used, not expired, and tried wrongly
    fewer than ``max_failures`` times. Each try takes one of those first (a single
    ``UPDATE`` that also serialises two tries at once), so the limit holds however
    many requests arrive together; a wrong code raises :class:`WrongActivationCode`
    with that try flushed. The same message answers an unknown login, a missing,
    used or expired code and a wrong one. On success the code is used up, the
    password set, and every session of the user ends (the caller logs them in).
    """
    check_password_rules(new_password, min_length=min_length)
    user = session.scalars(user_by_login(normalise_login(identifier))).first()
    row = (
        None
        if user is None or not user.is_enabled
        else session.scalar(select(ActivationCode).where(ActivationCode.user_id == user.id))
    )
    if user is None or row is None or as_utc(row.expires_at) <= now:
        raise InvalidInput(ACTIVATION_REFUSED)
    taken = session.execute(
        update(ActivationCode)
        .where(
            ActivationCode.id == row.id,
            ActivationCode.used_at.is_(None),
            ActivationCode.failed_attempts < max_failures,
        )
        .values(failed_attempts=ActivationCode.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise InvalidInput(ACTIVATION_REFUSED)
    session.refresh(row)
    expected = hash_activation_code(user.id, normalise_activation_code(code), key=key)
    if not hmac.compare_digest(row.code_hash, expected):
        raise WrongActivationCode(ACTIVATION_REFUSED)
    row.failed_attempts -= 1  # the right code: the try it took back
    row.used_at = now
    user.password_hash = hash_password(new_password, method=method)
    user.must_change_password = False
    user.password_changed_at = now
    end_all_sessions(user, now=now, reason="activation")
    session.flush()
    return user


def choose_language(user: User, locale: str | None, *, languages: Iterable[str]) -> None:
    """Keep the user's language ("zh", "en"), or None to follow the browser's language."""
    if locale is not None and locale not in tuple(languages):
        raise InvalidInput(_l("Choose one of the languages offered."))
    user.locale = locale
    session = object_session(user)
    if session is not None:
        session.flush()
