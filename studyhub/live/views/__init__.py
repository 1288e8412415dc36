"""The live lesson pages: ``lessons`` (list, schedule, the lesson page, replay, end, the
recording, the home banner) and ``channel`` (the comment feed, posting, hiding and
pinning, watch-time reports).

The lesson page plays the stream (or the uploaded recording, served here with
range requests) and runs ``static/js/live.js``: it asks ``feed`` for the
comments changed since the ``seq`` it has every 2-3 seconds (when nothing changed,
an answer from the process's cached change number without a query), or listens
to the live channel process when one runs, and reports watch time to ``watch``. See docs/live.md.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.live import access, queries
from studyhub.live.models import LiveLesson
from studyhub.org.models import Member
from studyhub.org.queries import member_of_user

bp = Blueprint("live", __name__, url_prefix="/live")

FEED_EVERY_MS = 2000  # polling: the embedded default (the feed's answers say when next)
FEED_SAFETY_MS = 30000  # with the live channel: a catch-up now and then
WATCH_EVERY_SECONDS = 60  # watch reports are batched: the clamp keeps them honest


def _load(lesson_id: int) -> LiveLesson:
    return db.get_or_404(LiveLesson, lesson_id)


def _require_watch(g, lesson: LiveLesson) -> None:
    """404 unless the user's branch is invited, or they host or moderate the lesson."""
    ids = access.member_unit_ids(g)
    invited = bool(ids) and (
        db.session.scalar(queries.invitation_among(lesson.id, ids)) is not None
    )
    access.require_watch(g, lesson, is_invited=invited)


def _member() -> Member | None:
    return db.session.scalars(
        member_of_user(current_user.id).where(Member.is_active.is_(True))
    ).first()


def _json_error(exc: DomainError):
    db.session.rollback()
    return jsonify(error=str(exc)), exc.http_status


from studyhub.live.views import channel, lessons  # noqa: E402, F401
