"""Members take quizzes: start, answer, submit, results and review.

The attempt page shows one question per screen with a navigator. With
JavaScript (``static/js/attempt.js``) every answer is saved as it is given by a
small JSON post; without it each screen is a form that saves its answer and
moves on. Either way the server's clock decides: the page is told the seconds
left when it loads and after each save.

Why the answer and submit posts skip the session's CSRF token. A member may
keep an exam open for a long time, and the session's token can go stale
under them (it expires, or the session is renewed in another tab); a save
refused for that would lose the answer. Those posts carry instead a token
bound to the attempt: an HMAC, with the app's secret key, of the attempt's id
and its member's user id, embedded in the page. A forged cross-site request
cannot know it (it needs the secret key), it only works for that member's own
attempt (the view checks both the login and the token), and it does not
expire while the attempt is open, which is exactly the protection the CSRF
token gives here minus the expiry. Every other post keeps the usual check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.accounts.requests import checks_own_login, keep_session_alive, session_login
from studyhub.core import clock
from studyhub.core.errors import DomainError, NotAllowed, NotFound, NotLoggedIn
from studyhub.extensions import csrf, db, login_manager
from studyhub.quizzes.access import load_own_attempt, load_quiz_to_take
from studyhub.quizzes.forms import AnswerForm, ConfirmForm, SubmitForm
from studyhub.quizzes.models import Attempt, AttemptState
from studyhub.quizzes.services import attempts, review, sheets
from studyhub.quizzes.views import bp, screens
from studyhub.web.related import related_links
from studyhub.web.saving import keep_changes, refused

SEED_BOUND = 2**31


def _grace() -> timedelta:
    return timedelta(seconds=current_app.config["QUIZ_GRACE_SECONDS"])


def attempt_token(attempt: Attempt) -> str:
    """The attempt's own post token (see the module's docstring)."""
    return _token(attempt.id, attempt.user_id)


def _token(attempt_id: int, user_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"studyhub-attempt:{attempt_id}:{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _token_matches(token: str | None, attempt_id: int, user_id: int) -> bool:
    return bool(token) and hmac.compare_digest(token, _token(attempt_id, user_id))


def _check_token(attempt: Attempt, token: str | None) -> None:
    if not _token_matches(token, attempt.id, attempt.user_id):
        raise NotAllowed(_("This page is out of date. Reload it and answer again."))


def _attempt_url(attempt: Attempt, position: int | None = None) -> str:
    if position is None:
        return url_for("quizzes.attempt", attempt_id=attempt.id)
    return url_for("quizzes.attempt", attempt_id=attempt.id, q=position, _anchor=f"q{position}")


# Starting ----------------------------------------------------------------------------------


@bp.post("/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    """Start an attempt, or resume the one in progress."""
    quiz, _member = load_quiz_to_take(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    now = clock.now_utc()
    seed = secrets.randbelow(SEED_BOUND)
    try:
        attempt = attempts.start_attempt(
            db.session, quiz, user_id=current_user.id, now=now, seed=seed, grace=_grace()
        )
    except DomainError as exc:
        return refused(exc, url_for("quizzes.quiz", quiz_id=quiz.id))
    return redirect(_attempt_url(attempt))


# The attempt page --------------------------------------------------------------------------


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """The questions, one per screen (``?q=`` picks it), the navigator and the countdown.

    The attempt and its items come in one statement, the questions' texts from the
    versions prepared once per process (:mod:`~studyhub.quizzes.services.sheets`), and
    each screen is a kept rendering filled with the taker's values (:mod:`.screens`).
    """
    now = clock.now_utc()
    try:
        page = sheets.attempt_page(db.session, attempt_id, user_id=current_user.id)
    except NotFound:
        abort(404)
    if page.state == AttemptState.SUBMITTED:
        return redirect(url_for("quizzes.result", attempt_id=attempt_id))
    deadline_at = page.deadline_at
    if deadline_at is not None and attempts.is_past(deadline_at, now=now, grace=_grace()):
        return redirect(url_for("quizzes.confirm_submit", attempt_id=attempt_id))
    items = page.items
    current = request.args.get("q", type=int) or next(
        (i.position for i in items if not i.is_answered), 1
    )
    current = min(max(current, 1), len(items) or 1)
    token = _token(attempt_id, page.user_id)
    ctx = screens.context(page, current=current, token=token)
    views = None
    if page.has_feedback:  # practice or the daily quiz with answers checked: their feedback
        views = attempts.item_views(db.session, load_own_attempt(attempt_id), now=now)[1]
    return render_template(
        "quizzes/attempt/attempt.html",
        page=page,
        navigator=screens.navigator(page, ctx),
        screens=screens.screens(page, ctx, views),
        remaining=attempts.seconds_to(deadline_at, now),
        token=token,
        max_seq=max((i.seq for i in items), default=0),
        is_instant=page.is_instant,
    )


def _json_body() -> tuple[str | None, int, Any, int | None]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    try:
        position = int(data.get("position"))
        seq = int(data["seq"]) if data.get("seq") is not None else None
    except (TypeError, ValueError):
        abort(400)
    token = request.headers.get("X-Attempt-Token") or data.get("attempt_token")
    return token, position, data.get("response"), seq


def _json_flag() -> tuple[str | None, int, bool]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    try:
        position = int(data.get("position"))
    except (TypeError, ValueError):
        abort(400)
    return request.headers.get("X-Attempt-Token"), position, bool(data.get("flagged"))


def _saved_json(attempt_id: int, saved: attempts.Saved) -> dict[str, Any]:
    body: dict[str, Any] = {
        "saved": saved.applied,
        "applied": saved.applied,
        "stale": not saved.applied,
        "position": saved.position,
        "seq": saved.seq,
        "saved_at": saved.saved_at.isoformat() if saved.saved_at else None,
        "remaining": saved.remaining,
        "answered": saved.response is not None,
    }
    if not saved.applied:
        body["response"] = saved.response  # the newer answer the server kept
    if saved.is_instant and saved.score is not None:
        item = attempts.load_item(db.session, attempt_id, saved.position)
        view = review.present_item(item, item.version, review.EVERYTHING)
        body["feedback_html"] = render_template("quizzes/attempt/_feedback.html", item=view)
    return body


@bp.post("/attempts/<int:attempt_id>/answer")
@csrf.exempt
def save_answer(attempt_id: int):
    """Save one answer: JSON from the page's script, or a question's form without it.

    The script's save checks the login inside the save's own statement (declared
    below with :func:`checks_own_login`); the form is an ordinary logged-in post.
    """
    now = clock.now_utc()
    if request.is_json:
        login = session_login()
        if login is None:
            return login_manager.unauthorized()
        return _save_json(attempt_id, login, now)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return _save_form(load_own_attempt(attempt_id), now)


checks_own_login(bp, "save_answer")


def _save_json(attempt_id: int, login: tuple[int, str], now):
    """The page script's save, the one every answer makes: the page's token checked here
    (no query), then the save's one statement checks the attempt's owner and the login."""
    token, position, response, seq = _json_body()
    try:
        if not _token_matches(token, attempt_id, login[0]):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            _check_token(load_own_attempt(attempt_id), token)  # someone else's attempt is a 404
        saved = attempts.save_answer(
            db.session,
            attempt_id,
            login=login,
            position=position,
            response=response,
            seq=seq,
            now=now,
            grace=_grace(),
        )
    except attempts.AttemptClosed as exc:
        keep_changes()  # the automatic submission, if this save made it
        result_url = url_for("quizzes.result", attempt_id=attempt_id)
        return jsonify(saved=False, closed=True, error=str(exc), result_url=result_url), 409
    except NotLoggedIn:
        return login_manager.unauthorized()
    except DomainError as exc:
        return jsonify(saved=False, error=str(exc)), exc.http_status
    keep_session_alive(now)  # an exam in progress is never cut off by the idle limit
    return jsonify(_saved_json(attempt_id, saved))


def _save_form(attempt: Attempt, now):
    form = AnswerForm()
    if not form.validate():
        abort(400)
    position = form.position.data
    go = form.go.data or "next"
    flag_sent = "flag_shown" in request.form
    try:
        _check_token(attempt, form.attempt_token.data)
        attempts.save_screen(
            db.session,
            attempt,
            position=position,
            response=request.form.getlist("response"),
            is_flagged=bool(form.flagged.data) if flag_sent else None,
            now=now,
            grace=_grace(),
        )
    except attempts.AttemptClosed as exc:
        flash(str(exc), "info")  # the automatic submission, if this save made it, stays
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    except DomainError as exc:
        return refused(exc, _attempt_url(attempt, position))
    if go == "finish":
        return redirect(url_for("quizzes.confirm_submit", attempt_id=attempt.id))
    step = {"next": 1, "prev": -1}.get(go, 0)
    return redirect(_attempt_url(attempt, max(1, position + step)))


@bp.post("/attempts/<int:attempt_id>/flag")
@csrf.exempt
@login_required
def flag(attempt_id: int):
    """Flag a question to come back to (JSON from the page's script)."""
    now = clock.now_utc()
    attempt = load_own_attempt(attempt_id)
    token, position, flagged = _json_flag()
    try:
        _check_token(attempt, token)
        attempts.flag_item(
            db.session,
            attempt,
            position=position,
            is_flagged=flagged,
            now=now,
            grace=_grace(),
        )
    except attempts.AttemptClosed as exc:
        keep_changes()  # the automatic submission, if this flag made it
        result_url = url_for("quizzes.result", attempt_id=attempt.id)
        return jsonify(saved=False, closed=True, error=str(exc), result_url=result_url), 409
    except DomainError as exc:
        return jsonify(saved=False, error=str(exc)), exc.http_status
    return jsonify(saved=True, flagged=flagged)


# Submitting --------------------------------------------------------------------------------


@bp.get("/attempts/<int:attempt_id>/submit")
@login_required
def confirm_submit(attempt_id: int):
    """Before submitting: the questions not answered yet first, then those flagged.

    An attempt whose time is up comes here too (a page never writes on GET): it says
    so, and its one button submits it with the answers saved in time (the
    scheduler's job submits it anyway when nobody does).
    """
    now = clock.now_utc()
    attempt = load_own_attempt(attempt_id)
    if attempt.state == AttemptState.SUBMITTED:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    items = attempts.item_views(db.session, attempt, now=now)[1]
    return render_template(
        "quizzes/attempt/submit.html",
        quiz=attempt.quiz,
        attempt=attempt,
        unanswered=[i for i in items if not i.is_answered],
        flagged=[i for i in items if i.is_flagged and i.is_answered],
        total=len(items),
        remaining=attempts.remaining_seconds(attempt, now=now),
        token=attempt_token(attempt),
        is_time_up=attempts.is_expired(attempt, now=now, grace=_grace()),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@csrf.exempt
@login_required
def submit(attempt_id: int):
    """Submit (once: a second post changes nothing) and show the result."""
    now = clock.now_utc()
    attempt = load_own_attempt(attempt_id)
    form = SubmitForm()
    _check_token(attempt, form.attempt_token.data)
    attempts.finish_attempt(
        db.session, attempt, now=now, grace=_grace(), timed_out=form.timed_out.data == "1"
    )
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


# Results -----------------------------------------------------------------------------------


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    """Score and pass or fail, then whatever the review policy shows now."""
    now = clock.now_utc()
    attempt = load_own_attempt(attempt_id)
    if attempt.state != AttemptState.SUBMITTED:
        return redirect(_attempt_url(attempt))
    shown, items = attempts.item_views(db.session, attempt, now=now)
    return render_template(
        "quizzes/attempt/result.html",
        quiz=attempt.quiz,
        attempt=attempt,
        shown=shown,
        items=items if shown.correctness or shown.answers or shown.explanations else [],
        answered=sum(1 for i in items if i.is_answered),
        total=len(items),
        closes_later=attempt.quiz.closes_at is not None
        and not review.is_closed(attempt.quiz.closes_at, now),
        related=related_links(current_app, "quiz", attempt.quiz, current_user),
    )
