"""Login, logout and password change."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from studyhub.accounts import services
from studyhub.accounts.forms import ChangePasswordForm, LoginForm
from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)

# Pages a user who must change their password may still open.
OPEN_DURING_FORCED_CHANGE = frozenset(
    {"accounts.change_password", "accounts.logout", "static", "web.health"}
)


F = TypeVar("F", bound=Callable)


def _login_of(user_id: str) -> tuple[int, str] | None:
    """(user id, session token) from the id flask-login keeps ("<id>:<token>")."""
    raw_id, _sep, token = user_id.partition(":")
    return (int(raw_id), token) if raw_id.isdigit() else None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    login = _login_of(user_id)
    if login is None:
        return None
    user = db.session.get(User, login[0])
    if user is None or user.session_token != login[1] or not user.is_enabled:
        return None  # the same as services.login_is_valid but for the forced password change
    return user


def checks_its_own_login(view: F) -> F:
    """Mark a view whose JSON requests check the login themselves, in their own statement.

    For the one request every member makes many times (an exam's answer
    save): instead of loading the user first, it reads :func:`session_login`
    and its statement checks the user's session token, ``is_enabled`` and
    ``must_change_password`` with :func:`services.login_is_valid`. Its other requests
    (forms) are checked as usual.
    """
    view.checks_its_own_login = True  # type: ignore[attr-defined]
    return view


def session_login() -> tuple[int, str] | None:
    """The (user id, session token) this request's session is logged in as, unchecked.

    Restores a login from the remember-me cookie first (as flask-login would
    on first use of ``current_user``) when the session has none.
    """
    value = session.get("_user_id")
    if value is None and current_user.is_authenticated:
        value = session.get("_user_id")
    return _login_of(value) if isinstance(value, str) else None


@bp.before_app_request
def force_password_change():
    view = current_app.view_functions.get(request.endpoint or "")
    if request.is_json and getattr(view, "checks_its_own_login", False):
        return None
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in OPEN_DURING_FORCED_CHANGE
    ):
        return redirect(url_for("accounts.change_password"))
    return None


def login_rate_key() -> str:
    """Attempts count per account and address together, never per address alone."""
    identifier = services.normalise_login(request.form.get("identifier", ""))[:32]
    return f"{identifier}|{get_remote_address()}"


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=login_rate_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.identifier.data, form.password.data)
        if user is not None:
            services.record_login(user, now=clock.now_utc())
            db.session.commit()
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                return redirect(url_for("accounts.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("web.home"))
        failed = True
    return render_template("accounts/login.html", form=form, failed=failed)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        try:
            services.change_password(
                user,
                current=form.current.data,
                new=form.new.data,
                now=clock.now_utc(),
                method=current_app.config["PASSWORD_HASH_METHOD"],
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except DomainError as exc:
            form.new.errors = [*form.new.errors, str(exc)]
        else:
            db.session.commit()
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remembered in request.cookies)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("web.home"))
    return render_template(
        "accounts/change_password.html",
        form=form,
        forced=current_user.must_change_password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )
