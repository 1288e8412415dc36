"""The lesson's channel endpoints: the comment feed, posting, hiding, pinning, watch time."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.accounts.requests import checks_own_login, session_login
from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db, limiter, login_manager
from studyhub.live import access, feedstate, queries
from studyhub.live.fanout import publish_after_commit
from studyhub.live.forms import CommentForm, ConfirmForm, WatchForm
from studyhub.live.models import LiveLesson
from studyhub.live.services import comments, watching
from studyhub.live.views import (
    WATCH_EVERY_SECONDS,
    _json_error,
    _load,
    _member,
    _require_watch,
    bp,
)
from studyhub.org.access import grants


def _blocked_words() -> list[str]:
    words = current_app.config.get("COMMENT_BLOCKED_WORDS") or ""
    if isinstance(words, str):
        words = words.replace("，", ",").split(",")
    return [w.strip() for w in words if w.strip()]


def _rate_limit() -> comments.RateLimit:
    return comments.RateLimit(
        min_gap_seconds=int(current_app.config.get("LIVE_COMMENT_GAP_SECONDS", 3)),
        per_minute=int(current_app.config.get("LIVE_COMMENTS_PER_MINUTE", 6)),
    )


def _announce(lesson: LiveLesson, since_seq: int) -> None:
    """Tell the live channel processes what changed, after the commit."""
    feedstate.changed(lesson.id, lesson.seq, ended=lesson.ended_at is not None)
    publish_after_commit(
        db.session, current_app.config.get("LIVE_REDIS_URL"), lesson, since_seq=since_seq
    )


def _lesson_state(lesson_id: int) -> feedstate.LessonState | None:
    """The lesson's cached change number, end and viewer count (see ``live.feedstate``)."""
    found = feedstate.cached(lesson_id)
    if found is not None:
        return found
    every = int(current_app.config.get("LIVE_WATCH_EVERY_SECONDS") or WATCH_EVERY_SECONDS)
    window = watching.viewer_window(every)
    return feedstate.state(
        lesson_id,
        lambda: db.session.execute(queries.lesson_state(lesson_id)).first(),
        lambda: watching.viewer_count(
            db.session, db.session.get(LiveLesson, lesson_id), now=clock.now_utc(), window=window
        ),
    )


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:lesson_id>/feed")
def feed(lesson_id: int):
    """Comments changed after ``since``, the viewer count and when to ask next (JSON).

    The page asks every few seconds, and almost always nothing changed: then, for a
    login the full checks let in recently, the answer is 204 from this process's
    cached state (``live.feedstate``): no user loaded, no query, no session write;
    its headers carry the change number, the viewer count and when to ask next
    (``X-Live-Next``, ms: longer with more viewers). When something changed, such a
    member gets the answer every page asks for at once, read once and kept for the
    change number. Otherwise (a new login, a moderator, the end) the full answer.
    The page's requests say ``Content-Type: application/json`` so the request start
    leaves the login to this view (``checks_own_login``).
    """
    since = max(0, request.args.get("since", default=0, type=int) or 0)
    login = session_login()
    if login is None:
        return login_manager.unauthorized()
    state = _lesson_state(lesson_id)
    if state is None:
        abort(404)
    moderator = feedstate.trusted(login[0], login[1], lesson_id)
    if moderator is not None and not state.ended:
        if since >= state.seq:
            response = current_app.response_class(status=204)
            response.headers["X-Live-Seq"] = str(state.seq)
            response.headers["X-Live-Viewers"] = str(state.viewers)
            response.headers["X-Live-Next"] = str(feedstate.poll_every_ms(state.viewers))
            return _no_store(response)
        if not moderator:
            return _members_answer(lesson_id, state, since)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password:
        abort(403)
    lesson = _load(lesson_id)
    g = grants()
    _require_watch(g, lesson)
    moderates = access.can_moderate(g, lesson)
    body = comments.feed(db.session, lesson, since_seq=since, moderator=moderates)
    body["viewers"] = state.viewers
    body["ended"] = lesson.ended_at is not None
    body["next"] = feedstate.poll_every_ms(state.viewers)
    feedstate.trust(login[0], login[1], lesson_id, moderator=moderates)
    return _no_store(jsonify(body))


def _members_answer(lesson_id: int, state: feedstate.LessonState, since: int):
    """What changed after ``since``, for a trusted member: one range read shared by every
    page asking the same (kept for the change number), no user loaded."""
    found = feedstate.answer(lesson_id, state.seq, since)
    if found is None:
        body = comments.changes(db.session, lesson_id, since_seq=since, moderator=False)
        found = (body["seq"], json.dumps(body["comments"], ensure_ascii=False))
        feedstate.keep_answer(lesson_id, state.seq, since, found)
    every = feedstate.poll_every_ms(state.viewers)
    text = (
        f'{{"seq": {found[0]}, "comments": {found[1]}, "viewers": {state.viewers}, '
        f'"ended": false, "next": {every}}}'
    )
    response = current_app.response_class(text, mimetype="application/json")
    return _no_store(response)


checks_own_login(bp, "feed")


@limiter.request_filter
def _feed_is_not_limited() -> bool:
    """The feed has no rate limit; skipping the limiter's lookups saves a fifth of a poll."""
    return request.endpoint == "live.feed"


@bp.post("/<int:lesson_id>/comments")
@login_required
def post_comment(lesson_id: int):
    lesson = _load(lesson_id)
    g = grants()
    _require_watch(g, lesson)
    member = _member()
    form = CommentForm()
    if member is None:
        return jsonify(error=_("Only members may comment.")), 403
    if not form.validate_on_submit():
        return jsonify(error=_("Write a comment first.")), 400
    since = lesson.seq
    try:
        comment = comments.post_comment(
            db.session,
            lesson,
            member=member,
            text=form.body.data,
            now=clock.now_utc(),
            limit=_rate_limit(),
            blocked_words=_blocked_words(),
        )
    except DomainError as exc:
        return _json_error(exc)
    _announce(lesson, since)
    return jsonify(id=comment.id, seq=comment.seq, offset=comment.offset_seconds)


def _moderate(lesson_id: int, work) -> Any:
    lesson = _load(lesson_id)
    g = grants()
    _require_watch(g, lesson)
    access.require_moderate(g, lesson)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    since = lesson.seq
    try:
        work(lesson)
    except DomainError as exc:
        return _json_error(exc)
    _announce(lesson, since)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(seq=lesson.seq)
    return redirect(url_for("live.lesson", lesson_id=lesson.id))


@bp.post("/<int:lesson_id>/comments/<int:comment_id>/hide")
@login_required
def hide(lesson_id: int, comment_id: int):
    return _moderate(
        lesson_id,
        lambda lesson: comments.hide_comment(
            db.session, lesson, comment_id, by=current_user, now=clock.now_utc()
        ),
    )


@bp.post("/<int:lesson_id>/comments/<int:comment_id>/pin")
@login_required
def pin(lesson_id: int, comment_id: int):
    return _moderate(
        lesson_id,
        lambda lesson: comments.pin_comment(db.session, lesson, comment_id, now=clock.now_utc()),
    )


@bp.post("/<int:lesson_id>/watch")
@login_required
def watch(lesson_id: int):
    """A watch-time report from the page (JSON answer: the seconds credited so far)."""
    lesson = _load(lesson_id)
    _require_watch(grants(), lesson)
    member = _member()
    form = WatchForm()
    if member is None or not form.validate_on_submit():
        return jsonify(error="bad report"), 400
    try:
        row = watching.record_watch(
            db.session,
            lesson,
            member=member,
            seconds=form.seconds.data,
            is_playing=bool(form.playing.data),
            is_visible=bool(form.visible.data),
            now=clock.now_utc(),
        )
    except DomainError as exc:
        return _json_error(exc)
    login = session_login()
    if login is not None:  # this request passed the full checks: the feed may go on trusting
        feedstate.renew(login[0], login[1], lesson.id)
    return jsonify(
        live=row.live_seconds,
        replay=row.replay_seconds,
        required=watching.required_seconds(lesson),
        made_up=row.made_up_at is not None,
    )
