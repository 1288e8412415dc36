"""Comments on readings (党建e互动) and their moderation.

Comments are plain text (escaped on output), short, and rate-limited per
member, counted in SQL from the comments themselves. Members of a committee
see one another's comments. Committee staff, and the secretary and branch
committee of the commenter's branch, may hide a comment: the row stays, with
who hid it and when, and moderators still see it, marked. Authors may delete
their own (a soft delete).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import Closed, InvalidInput, NotAllowed
from studyhub.org import access
from studyhub.org.auditing import record_in
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.readings.models import Comment, Reading

MAX_CHARS = 500
REASON_MAX_CHARS = 200
SHOWN = 50  # the newest comments shown under a reading


@dataclass(frozen=True)
class RateLimit:
    """How many comments one member may post (from the config)."""

    per_minute: int = 3
    per_day: int = 30


def _plain(text: str) -> str:
    """Text as typed: line breaks normalised, control characters dropped, ends trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch == "\n" or ch.isprintable()).strip()


def add_comment(
    session: Session,
    reading: Reading,
    *,
    member: Member,
    text: str,
    now: datetime,
    limit: RateLimit,
) -> Comment:
    """A member's comment on a reading of their committee."""
    if reading.committee_id != member.committee_id or not member.is_active:
        raise NotAllowed(_l("You may not comment on this reading."))
    if not reading.is_visible(now):
        raise Closed(_l("This reading is not open for comments."))
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
    minute_ago = now - timedelta(minutes=1)
    last_minute, last_day = session.execute(
        select(
            func.count(case((Comment.created_at > minute_ago, 1))),
            func.count(Comment.id),
        ).where(Comment.user_id == member.user_id, Comment.created_at > now - timedelta(days=1))
    ).one()
    if last_minute >= limit.per_minute:
        raise InvalidInput(
            _l(
                "You have posted %(count)d comments in the last minute. "
                "Please wait a moment before posting again.",
                count=last_minute,
            )
        )
    if last_day >= limit.per_day:
        raise InvalidInput(
            _l(
                "You have posted %(count)d comments in the last 24 hours, the most allowed. "
                "Please come back tomorrow.",
                count=last_day,
            )
        )
    comment = Comment(
        reading_id=reading.id,
        user_id=member.user_id,
        branch_id=member.branch_id,
        body=body,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return comment


def can_hide(grants: access.Grants, branch: OrgUnit | None) -> bool:
    """Staff above the commenter's branch, or its secretary or committee, may hide."""
    if branch is None:
        return grants.is_admin
    return access.can_view_unit(grants, branch)


def require_hide(grants: access.Grants, branch: OrgUnit | None) -> None:
    if not can_hide(grants, branch):
        raise NotAllowed(_l("You may not hide this comment."))


def hide_comment(
    session: Session, comment: Comment, *, by_user_id: int, now: datetime, reason: str = ""
) -> None:
    """Hide a comment from members; it is kept, with who hid it, when and why."""
    if comment.deleted_at is not None:
        raise Closed(_l("This comment was deleted."))
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX_CHARS:
        raise InvalidInput(_l("The reason is too long (200 characters at most)."))
    if comment.hidden_at is not None:
        return
    comment.hidden_at = now
    comment.hidden_by_id = by_user_id
    comment.hidden_reason = reason or None
    session.flush()
    _record(session, comment, "comment.hidden", actor_id=by_user_id, now=now, reason=reason)


def unhide_comment(
    session: Session, comment: Comment, *, actor_id: int | None, now: datetime
) -> None:
    """Show a hidden comment again."""
    if comment.hidden_at is None:
        return
    comment.hidden_at = None
    comment.hidden_by_id = None
    comment.hidden_reason = None
    session.flush()
    _record(session, comment, "comment.unhidden", actor_id=actor_id, now=now)


def _record(
    session: Session,
    comment: Comment,
    kind: str,
    *,
    actor_id: int | None,
    now: datetime,
    reason: str = "",
) -> None:
    """Moderation in the audit log of the commenter's branch (or the reading's committee)."""
    unit = session.get(OrgUnit, comment.branch_id) if comment.branch_id else None
    if unit is None:
        reading = session.get(Reading, comment.reading_id)
        assert reading is not None
        unit = session.get(OrgUnit, reading.committee_id)
        assert unit is not None
    hidden = kind == "comment.hidden"
    record_in(
        session,
        unit,
        kind,
        actor_id=actor_id,
        now=now,
        object_type="comment",
        object_id=comment.id,
        summary=comment.body[:120],
        changes={"hidden": [not hidden, hidden]},
        details={"reading_id": comment.reading_id, "author_id": comment.user_id}
        | ({"reason": reason} if reason else {}),
    )


def delete_own_comment(session: Session, comment: Comment, *, user_id: int, now: datetime) -> None:
    """The author deletes their comment (kept in the table, gone from every page)."""
    if comment.user_id != user_id:
        raise NotAllowed(_l("You can delete only your own comments."))
    if comment.deleted_at is None:
        comment.deleted_at = now
        session.flush()


_HIDER = User.__table__.alias("hider")
# Every visit to a reading lists its comments: built once, given values per call.
_SECTION = (
    select(Comment, User.name, OrgUnit, _HIDER.c.name)
    .join(User, User.id == Comment.user_id)
    .join(OrgUnit, OrgUnit.id == Comment.branch_id)
    .outerjoin(_HIDER, _HIDER.c.id == Comment.hidden_by_id)
    .where(
        Comment.reading_id == bindparam("reading_id"),
        Comment.deleted_at.is_(None),
        OrgUnit.committee_id == bindparam("committee_id"),
    )
    .order_by(Comment.created_at.desc(), Comment.id.desc())
    .limit(SHOWN)
)
_SECTION_NOT_HIDDEN = _SECTION.where(Comment.hidden_at.is_(None))


def comment_section(
    session: Session,
    reading: Reading,
    *,
    viewer_id: int,
    committee_id: int,
    can_moderate: bool,
    now: datetime,
    grants: access.Grants | None = None,
) -> dict[str, Any]:
    """What ``templates/readings/_comments.html`` needs to show under a reading.

    The newest comments by members of ``committee_id``, newest first. Each
    comment says whether the viewer may hide or delete it. ``can_moderate``
    lets the viewer moderate every comment (committee staff); otherwise
    ``grants`` (read here when not given) decide per commenter's branch
    (its secretary and branch committee). Hidden comments are listed, marked,
    only to those who may hide them.
    """
    if grants is None and not can_moderate:
        user = session.get(User, viewer_id)
        grants = access.grants_for(session, user) if user is not None else None
    stmt = _SECTION
    if not can_moderate:
        # Hidden comments only for those who may hide them: under their scopes.
        paths = grants.view_paths if grants is not None else []
        stmt = (
            _SECTION_NOT_HIDDEN
            if not paths
            else stmt.where(
                or_(Comment.hidden_at.is_(None), *(under(OrgUnit.path, p) for p in paths))
            )
        )
    items = []
    values = {"reading_id": reading.id, "committee_id": committee_id}
    for comment, name, branch, hidden_by in session.execute(stmt, values):
        may_hide = can_moderate or (grants is not None and can_hide(grants, branch))
        items.append(
            {
                "id": comment.id,
                "author": name,
                "branch": branch.name,
                "body": comment.body,
                "created_at": comment.created_at,
                "is_own": comment.user_id == viewer_id,
                "is_hidden": comment.hidden_at is not None,
                "hidden_by": hidden_by,
                "hidden_at": comment.hidden_at,
                "hidden_reason": comment.hidden_reason,
                "can_hide": may_hide and comment.hidden_at is None,
                "can_unhide": may_hide and comment.hidden_at is not None,
                "can_delete": comment.user_id == viewer_id,
            }
        )
    total = sum(1 for item in items if not item["is_hidden"])
    if len(items) == SHOWN:
        total = session.scalar(
            select(func.count(Comment.id))
            .join(OrgUnit, OrgUnit.id == Comment.branch_id)
            .where(
                Comment.reading_id == reading.id,
                Comment.deleted_at.is_(None),
                Comment.hidden_at.is_(None),
                OrgUnit.committee_id == committee_id,
            )
        )
    if grants is not None:  # an active member's path starts with their committee's
        is_member = (grants.member_path or "").startswith(f"/{reading.committee_id}/")
    else:
        is_member = (
            session.scalar(
                select(Member.id).where(
                    Member.user_id == viewer_id,
                    Member.committee_id == reading.committee_id,
                    Member.is_active.is_(True),
                )
            )
            is not None
        )
    return {
        "reading_id": reading.id,
        "comments": items,
        "count": total or 0,
        "shown": len(items),
        "can_comment": is_member and reading.is_visible(now),
        "max_length": MAX_CHARS,
    }
