"""Telling every live channel process that a lesson's comments changed (Redis pub/sub).

When ``LIVE_REDIS_URL`` is set, a request that posted, hid or pinned a comment
publishes, after its commit, what changed to the Redis channel
``studyhub:live:<lesson id>``: the change number and the changed comments as
members see them and as moderators see them. Every channel process
(:mod:`studyhub.live.channel`, on any machine) is subscribed and pushes it to
the viewers connected to it; none of them reads the database. Without Redis
(the embedded default) nothing is published and the pages poll
``live.feed`` instead. A publish that fails loses nothing: viewers catch up
from ``live.feed`` when their connection opens and every 30 seconds.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

import redis
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

from studyhub.live.models import LiveLesson
from studyhub.live.services import comments

CHANNEL_PREFIX = "studyhub:live:"
VIEWERS_PREFIX = "studyhub:live-viewers:"
TOKEN_SALT = "studyhub.live.channel"
TOKEN_MAX_AGE = 8 * 3600
log = logging.getLogger(__name__)


def channel_of(lesson_id: int) -> str:
    return f"{CHANNEL_PREFIX}{lesson_id}"


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def change_of(session: Session, lesson: LiveLesson, *, since_seq: int) -> dict[str, Any]:
    """What changed after ``since_seq``, for members and for moderators."""
    public = comments.feed(session, lesson, since_seq=since_seq, moderator=False)
    moderator = comments.feed(session, lesson, since_seq=since_seq, moderator=True)
    return {"seq": lesson.seq, "public": public["comments"], "moderator": moderator["comments"]}


def publish_after_commit(
    session: Session, url: str | None, lesson: LiveLesson, *, since_seq: int
) -> None:
    """Publish the lesson's change after ``since_seq`` once the session commits."""
    if not url or lesson.seq <= since_seq:
        return
    message = json.dumps(change_of(session, lesson, since_seq=since_seq), ensure_ascii=False)
    channel = channel_of(lesson.id)

    def publish(_session: Session) -> None:
        try:
            _client(url).publish(channel, message)
        except redis.RedisError:
            log.warning("live: could not publish to %s; viewers catch up by polling", channel)

    event.listen(session, "after_commit", publish, once=True)


def channel_token(secret: str, *, user_id: int, lesson_id: int, moderator: bool) -> str:
    """The signed token the lesson page puts in the channel URL."""
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT).dumps(
        {"u": user_id, "l": lesson_id, "m": int(moderator)}
    )


def read_token(secret: str, token: str, lesson_id: int) -> dict[str, Any] | None:
    try:
        data = URLSafeTimedSerializer(secret, salt=TOKEN_SALT).loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and data.get("l") == lesson_id else None
