"""Reusable queries over a user's inbox."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, func, select

from studyhub.notify.models import Message

# Every page's header shows the count: built once, executed with the user's id.
_UNREAD_COUNT = (
    select(func.count())
    .select_from(Message)
    .where(Message.user_id == bindparam("user_id"), Message.read_at.is_(None))
)


def unread_count() -> Select[tuple[int]]:
    """The number of unread messages of a user (binds ``user_id``); the (user, read_at)
    index answers it."""
    return _UNREAD_COUNT


def inbox(user_id: int) -> Select[tuple[Message]]:
    """``user_id``'s messages, newest first."""
    return (
        select(Message)
        .where(Message.user_id == user_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
    )


def own_message(user_id: int, message_id: int) -> Select[tuple[Message]]:
    """Message ``message_id`` if it belongs to ``user_id`` (nobody opens another's)."""
    return select(Message).where(Message.id == message_id, Message.user_id == user_id)
