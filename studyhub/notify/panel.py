"""The home page's unread messages: the newest few, at the top of the page.

A reminder from the secretary should not wait behind the tab bar's badge. The
panel costs no statement when the request already knows there is nothing
unread (``g.unread_count``, read with the login), and one indexed statement
(user, read_at) otherwise.
"""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import Select, select

from studyhub.extensions import db
from studyhub.notify.models import Message
from studyhub.web.home import HomePanel

SHOWN = 1
ORDER = 1  # before every other panel


def latest_unread(user_id: int, limit: int) -> Select[tuple[Message]]:
    """``user_id``'s newest unread messages."""
    return (
        select(Message)
        .where(Message.user_id == user_id, Message.read_at.is_(None))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )


def unread_panel(user: Any, now) -> HomePanel | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if g.get("unread_count") == 0:
        return None
    messages = list(db.session.scalars(latest_unread(user.id, SHOWN)))
    if not messages:
        return None
    return HomePanel(
        template="notify/panels/unread.html",
        context={"messages": messages, "more": max(0, (g.get("unread_count") or 0) - SHOWN)},
    )
