"""Live comments: short, rate-limited, filtered, stamped with the time into the lesson.

Every change to a lesson's comments (one posted, hidden, pinned or unpinned)
takes the lesson's next ``seq`` in one ``UPDATE … RETURNING`` and stamps the
comment with it. A viewer keeps the last ``seq`` it has and asks for the
comments changed after it (:func:`feed`): new ones to add, hidden ones to
remove, the pin to move. Nothing is ever deleted; a hidden comment stays, with
who hid it, and the host and moderators still see it, marked.

The committee's keyword filter is the ``COMMENT_BLOCKED_WORDS`` setting (the
readings' comments have no filter of their own yet): a comment containing one
of the words is refused with a message, never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, InvalidInput, NotAllowed
from studyhub.live import queries
from studyhub.live.models import LiveComment, LiveLesson
from studyhub.org.models import Member

MAX_CHARS = 100


@dataclass(frozen=True)
class RateLimit:
    """How often one member may comment in a lesson."""

    min_gap_seconds: int = 3
    per_minute: int = 6


def is_on(lesson: LiveLesson, now: datetime) -> bool:
    """Whether the lesson is being streamed now (comments are open)."""
    return (
        as_utc(lesson.starts_at) <= now
        and lesson.ended_at is None
        and now < as_utc(lesson.planned_end_at) + timedelta(hours=1)
    )


def offset_of(lesson: LiveLesson, at: datetime) -> int:
    """Seconds into the lesson at ``at``."""
    return max(0, int((as_utc(at) - as_utc(lesson.starts_at)).total_seconds()))


def next_seq(session: Session, lesson: LiveLesson) -> int:
    """The lesson's next change number (one statement; concurrent posts queue on the row)."""
    seq = session.execute(
        update(LiveLesson)
        .where(LiveLesson.id == lesson.id)
        .values(seq=LiveLesson.seq + 1)
        .returning(LiveLesson.seq)
    ).scalar_one()
    lesson.seq = seq
    return seq


def blocked_word(text: str, words: Iterable[str]) -> str | None:
    """The first blocked word ``text`` contains (case and spaces ignored), if any."""
    folded = "".join(text.split()).casefold()
    for word in words:
        word = "".join(word.split()).casefold()
        if word and word in folded:
            return word
    return None


def _plain(text: str) -> str:
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch == "\n").split())


def post_comment(
    session: Session,
    lesson: LiveLesson,
    *,
    member: Member,
    text: str,
    now: datetime,
    limit: RateLimit,
    blocked_words: Iterable[str] = (),
) -> LiveComment:
    """A member's comment during the lesson (the caller checked they may watch it)."""
    if not member.is_active:
        raise NotAllowed(_l("You may not comment on this lesson."))
    if not is_on(lesson, now):
        raise Closed(_l("Comments are open only while the lesson is live."))
    body = _plain(text)
    if not body:
        raise InvalidInput(_l("Write a comment first."))
    if len(body) > MAX_CHARS:
        raise InvalidInput(
            _l(
                "A comment is at most %(max)d characters (this one has %(count)d).",
                max=MAX_CHARS,
                count=len(body),
            )
        )
    if blocked_word(body, blocked_words) is not None:
        raise InvalidInput(_l("This comment contains words that are not allowed here."))
    gap_ago = now - timedelta(seconds=limit.min_gap_seconds)
    recent, last_minute = session.execute(
        select(
            func.count(case((LiveComment.created_at > gap_ago, 1))),
            func.count(LiveComment.id),
        ).where(
            LiveComment.user_id == member.user_id,
            LiveComment.created_at > now - timedelta(minutes=1),
        )
    ).one()
    if recent or last_minute >= limit.per_minute:
        raise InvalidInput(_l("You are commenting too fast. Please wait a moment."))
    comment = LiveComment(
        lesson_id=lesson.id,
        user_id=member.user_id,
        branch_id=member.branch_id,
        body=body,
        offset_seconds=offset_of(lesson, now),
        created_at=now,
        seq=next_seq(session, lesson),
    )
    session.add(comment)
    session.flush()
    return comment


def _load(session: Session, lesson: LiveLesson, comment_id: int) -> LiveComment:
    comment = session.get(LiveComment, comment_id)
    if comment is None or comment.lesson_id != lesson.id:
        raise InvalidInput(_l("There is no such comment."))
    return comment


def hide_comment(
    session: Session, lesson: LiveLesson, comment_id: int, *, by: User, now: datetime
) -> LiveComment:
    """Hide a comment for everyone (the caller checked ``by`` moderates). Twice is harmless."""
    comment = _load(session, lesson, comment_id)
    if comment.hidden_at is None:
        comment.hidden_at = now
        comment.hidden_by_id = by.id
        comment.pinned_at = None
        comment.seq = next_seq(session, lesson)
        session.flush()
    return comment


def pin_comment(
    session: Session, lesson: LiveLesson, comment_id: int | None, *, now: datetime
) -> None:
    """Pin one comment above the others (unpinning the one pinned before); None unpins."""
    pinned = session.scalars(
        select(LiveComment).where(
            LiveComment.lesson_id == lesson.id, LiveComment.pinned_at.is_not(None)
        )
    ).all()
    target = _load(session, lesson, comment_id) if comment_id is not None else None
    if target is not None and target.hidden_at is not None:
        raise InvalidInput(_l("A hidden comment cannot be pinned."))
    for comment in pinned:
        if comment is not target:
            comment.pinned_at = None
            comment.seq = next_seq(session, lesson)
    if target is not None and target.pinned_at is None:
        target.pinned_at = now
        target.seq = next_seq(session, lesson)
    session.flush()


def _item(comment: LiveComment, name: str, *, moderator: bool) -> dict[str, Any]:
    if comment.hidden_at is not None and not moderator:
        return {"id": comment.id, "hidden": True}
    return {
        "id": comment.id,
        "name": name,
        "body": comment.body,
        "offset": comment.offset_seconds,
        "hidden": comment.hidden_at is not None,
        "pinned": comment.pinned_at is not None,
    }


def feed(
    session: Session, lesson: LiveLesson, *, since_seq: int, moderator: bool
) -> dict[str, Any]:
    """What changed after ``since_seq``: ``{"seq": …, "comments": [...]}``, oldest first.

    Nothing to read when the viewer is up to date (the lesson's ``seq`` says so).
    """
    if since_seq >= lesson.seq:
        return {"seq": lesson.seq, "comments": []}
    rows = session.execute(queries.changed_comments(lesson.id, since_seq)).all()
    items = [_item(comment, name, moderator=moderator) for comment, name in reversed(rows)]
    if since_seq == 0 and not moderator:
        items = [item for item in items if not item["hidden"]]
    return {"seq": lesson.seq, "comments": items}


def changes(session: Session, lesson_id: int, *, since_seq: int, moderator: bool) -> dict[str, Any]:
    """:func:`feed` without the lesson row: ``seq`` is the newest change read (every
    change stamps a comment), so an answer never claims a change it does not carry."""
    rows = session.execute(queries.changed_comments(lesson_id, since_seq)).all()
    items = [_item(comment, name, moderator=moderator) for comment, name in reversed(rows)]
    if since_seq == 0 and not moderator:
        items = [item for item in items if not item["hidden"]]
    newest = max((comment.seq for comment, _name in rows), default=since_seq)
    return {"seq": max(newest, since_seq), "comments": items}
