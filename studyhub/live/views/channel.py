"""The lesson's channel endpoints: the comment feed, posting, hiding, pinning, watch time."""

from __future__ import annotations

import time
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

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.live import access
from studyhub.live.fanout import publish_after_commit
from studyhub.live.forms import CommentForm, ConfirmForm, WatchForm
from studyhub.live.models import LiveLesson
from studyhub.live.services import comments, watching
from studyhub.live.views import _json_error, _load, _member, _require_watch, bp
from studyhub.org.access import grants

# The viewer count is read at most this often per process (it is a count over the lesson).
VIEWERS_CACHE_SECONDS = 5.0
_viewers: dict[int, tuple[float, int]] = {}


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


def _viewer_count(lesson: LiveLesson) -> int:
    tick = time.monotonic()
    cached = _viewers.get(lesson.id)
    if cached is not None and tick - cached[0] < VIEWERS_CACHE_SECONDS:
        return cached[1]
    count = watching.viewer_count(db.session, lesson, now=clock.now_utc())
    _viewers[lesson.id] = (tick, count)
    return count


def _announce(lesson: LiveLesson, since_seq: int) -> None:
    """Tell the live channel processes what changed, after the commit."""
    publish_after_commit(
        db.session, current_app.config.get("LIVE_REDIS_URL"), lesson, since_seq=since_seq
    )


@bp.get("/<int:lesson_id>/feed")
@login_required
def feed(lesson_id: int):
    """Comments changed after ``since`` and the viewer count (JSON)."""
    lesson = _load(lesson_id)
    g = grants()
    _require_watch(g, lesson)
    since = request.args.get("since", default=0, type=int) or 0
    body = comments.feed(
        db.session, lesson, since_seq=max(0, since), moderator=access.can_moderate(g, lesson)
    )
    body["viewers"] = _viewer_count(lesson)
    body["ended"] = lesson.ended_at is not None
    response = jsonify(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
    return jsonify(
        live=row.live_seconds,
        replay=row.replay_seconds,
        required=watching.required_seconds(lesson),
        made_up=row.made_up_at is not None,
    )
