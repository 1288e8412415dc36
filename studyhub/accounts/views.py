"""Login, logout, logging out everywhere and password change."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from studyhub.accounts import requests, services, throttle
from studyhub.accounts.forms import ActivationForm, ChangePasswordForm, LoginForm
from studyhub.accounts.models import User
from studyhub.accounts.requests import SEEN_KEY
from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db, limiter
from studyhub.web.saving import begin_writing, reads_first

bp = Blueprint("accounts", __name__)

# Pages a user who must change their password may still open.
OPEN_DURING_FORCED_CHANGE = frozenset(
    {
        "accounts.change_password",
        "accounts.activate",
        "accounts.logout",
        "accounts.logout_everywhere",
        "static",
        "web.health",
    }
)


def start_login(user: User, *, remember: bool, now: datetime) -> None:
    """Log ``user`` in on this browser: a new login row, the cookies naming it, the idle clock.

    Every view that logs someone in calls this (the login form, activation, a
    password change that keeps this device in); it writes, so the caller is a
    write unit (or has called ``begin_writing``).
    """
    lifetime = timedelta(days=current_app.config["SESSION_ABSOLUTE_DAYS"])
    services.start_session(
        user,
        now=now,
        lifetime=lifetime,
        is_remembered=remember,
        address=get_remote_address(),
    )
    user.login_is_remembered = remember
    login_user(user, remember=remember, duration=lifetime)
    session[SEEN_KEY] = int(now.timestamp())


@bp.before_app_request
def force_password_change():
    """Send a user who must change their password to that form first.

    Requests that check their own login (:func:`requests.checks_own_login`) are
    left alone: loading the user here would cost them the statement they save.
    """
    if requests.is_own_login_request(current_app, request.endpoint, is_json=request.is_json):
        return None
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in OPEN_DURING_FORCED_CHANGE
    ):
        return redirect(url_for("accounts.change_password"))
    return None


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirect).

    Browsers read a backslash as a slash (``/\\evil.com`` is ``//evil.com``) and drop
    tabs and newlines (``/<tab>/evil.com``), so any backslash, control character or
    whitespace refuses the target, as does anything naming a scheme or a host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(c == "\\" or c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@reads_first
def login():
    """The login form; failed attempts are throttled (see :mod:`studyhub.accounts.throttle`).

    Each attempt is counted before its password is checked (:func:`throttle.reserve`),
    so parallel tries cannot pass a full bucket; a right password gives its count
    back. A blocked attempt gets 429 without its password being checked; a right
    password starts a login (:func:`start_login`). The request reads until the
    password is right: the slow hash check holds no write lock (SQLite), and a
    refused attempt writes nothing to the database.
    """
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        config = current_app.config
        user = services.find_account(db.session, form.identifier.data)
        device = throttle.read_device(
            request.cookies.get(config["DEVICE_COOKIE_NAME"]), config["SECRET_KEY"]
        )
        attempt = throttle.LoginAttempt.of(
            user_id=user.id if user is not None else None,
            identifier=services.normalise_login(form.identifier.data),
            address=get_remote_address() or "",
            device=device,
        )
        reservation = throttle.reserve(attempt, throttle.LoginLimits.from_config(config))
        if reservation is None:
            abort(429)
        matches = False
        try:
            matches = services.password_matches(
                user, form.password.data, method=config["PASSWORD_HASH_METHOD"]
            )
        finally:  # counted as a failure unless the password was right
            if matches:
                reservation.succeeded()
            else:
                reservation.failed()
        if matches:
            assert user is not None
            return _logged_in(user, remember=form.remember.data, device=device)
        failed = True
    return render_template("accounts/login.html", form=form, failed=failed)


def _logged_in(user: User, *, remember: bool, device: throttle.Device | None):
    begin_writing()
    now = clock.now_utc()
    services.record_login(user, now=now)
    start_login(user, remember=remember, now=now)
    if user.must_change_password:
        response = redirect(url_for("accounts.change_password"))
    else:
        response = redirect(_safe_next(request.args.get("next")) or url_for("web.home"))
    _set_device_cookie(response, (device or throttle.new_device()).with_login(user.id))
    return response


def _set_device_cookie(response, device: throttle.Device) -> None:
    """Remember on this browser that ``device``'s accounts logged in here (throttling)."""
    config = current_app.config
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        throttle.device_cookie(device, config["SECRET_KEY"]),
        max_age=int(timedelta(days=config["DEVICE_COOKIE_DAYS"]).total_seconds()),
        httponly=True,
        secure=bool(config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
    )


@bp.post("/logout")
@login_required
def logout():
    """End this login on the server: its session and remember-me cookies stop working."""
    if current_user.login_id is not None:
        services.end_session(db.session, current_user.login_id, now=clock.now_utc())
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every login of this account, on every device, this one included."""
    user: User = current_user._get_current_object()
    services.end_all_sessions(user, now=clock.now_utc(), reason="everywhere")
    logout_user()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password: every other login ends, this device stays logged in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        remembered = user.login_is_remembered
        now = clock.now_utc()
        try:
            services.change_password(
                user,
                current=form.current.data,
                new=form.new.data,
                now=now,
                method=current_app.config["PASSWORD_HASH_METHOD"],
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except DomainError as exc:
            db.session.rollback()  # the page renders (200): nothing of the refusal is kept
            form.new.errors = [*form.new.errors, str(exc)]
        else:
            start_login(user, remember=remembered, now=now)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("web.home"))
    return render_template(
        "accounts/change_password.html",
        form=form,
        forced=current_user.must_change_password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )


@bp.route("/activate", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["ACTIVATION_RATE_LIMIT"],
    methods=["POST"],
    key_func=throttle.request_address_bucket,
)
def activate():
    """Choose one's own password with an activation code from the branch secretary.

    The slip's QR code opens ``/activate?login=<phone>#<code>``: the login comes
    prefilled from the query, the code from the fragment (static/js/activate.js),
    which never reaches the server or its logs; without JavaScript the member
    types the code. Each code allows a few tries (``ACTIVATION_MAX_FAILURES``),
    and the page's POSTs from one address are rate-limited.
    """
    form = ActivationForm(identifier=request.args.get("login", "")[:32])
    if form.validate_on_submit():
        now = clock.now_utc()
        try:
            user = services.activate_account(
                db.session,
                form.identifier.data,
                form.code.data,
                form.new.data,
                now=now,
                key=current_app.config["SECRET_KEY"],
                method=current_app.config["PASSWORD_HASH_METHOD"],
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                max_failures=current_app.config["ACTIVATION_MAX_FAILURES"],
            )
        except services.WrongActivationCode as exc:
            # The page answers 200, so the edge commits the wrong try the service counted
            # (it is what limits guessing a code), although the activation failed.
            form.form_errors.append(str(exc))
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            services.record_login(user, now=now)
            # Not remembered unless asked: activation often happens on the secretary's PC.
            start_login(user, remember=form.remember.data, now=now)
            flash(_("Your account is ready: you are logged in with your new password."), "success")
            return redirect(url_for("web.home"))
    response = make_response(
        render_template(
            "accounts/activate.html",
            form=form,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
