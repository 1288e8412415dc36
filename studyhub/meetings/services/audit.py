"""The audit trail: every change to a meeting as a :class:`MeetingEvent` (action, who, when,
what changed), and the state rule every operation checks first."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict
from studyhub.meetings.models import Meeting, MeetingEvent, MeetingState

# Long text fields are kept in the trail as a unified diff, the others as [old, new].
TEXT_FIELDS = frozenset({"agenda", "minutes_markdown", "decisions"})
DIFF_MAX_CHARS = 4000

STATE_LABELS = {
    MeetingState.PLANNED: _l("Planned"),
    MeetingState.HELD: _l("Held, not submitted"),
    MeetingState.SUBMITTED: _l("Submitted for review"),
    MeetingState.APPROVED: _l("Approved"),
    MeetingState.RETURNED: _l("Returned for correction"),
    MeetingState.CANCELLED: _l("Cancelled"),
}


def require_state(meeting: Meeting, *states: MeetingState) -> None:
    """Refuse an operation the meeting's state does not allow, saying which state it is in."""
    if meeting.state not in states:
        raise Conflict(
            _l(
                "This is not possible while the meeting is “%(state)s”.",
                state=STATE_LABELS[meeting.state],
            )
        )


def plain(value: Any) -> Any:
    """A value as JSON can hold it (datetimes in UTC ISO form, enums as their codes)."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(meeting: Meeting, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(meeting, name)) for name in fields}


def text_diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), lineterm="", n=1
    )
    out = "\n".join(list(lines)[2:])  # without the ---/+++ header
    if len(out) > DIFF_MAX_CHARS:
        out = out[:DIFF_MAX_CHARS] + "\n…"
    return out


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields whose values differ: [old, new], or a diff for the long text fields."""
    out: dict[str, Any] = {}
    for name, old in before.items():
        new = after.get(name)
        if old == new:
            continue
        out[name] = {"diff": text_diff(old, new)} if name in TEXT_FIELDS else [old, new]
    return out


def log_event(
    session: Session,
    meeting: Meeting,
    action: str,
    *,
    by: User | None,
    now: datetime,
    **detail: Any,
) -> MeetingEvent:
    """Append to the meeting's trail; ``detail`` must be JSON (use :func:`plain`)."""
    event = MeetingEvent(
        meeting_id=meeting.id,
        user_id=by.id if by is not None else None,
        action=action,
        detail={k: v for k, v in detail.items() if v is not None},
        at=now,
    )
    session.add(event)
    meeting.updated_at = now
    return event
