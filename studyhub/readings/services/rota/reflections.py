"""Reflections (领读心得): the lead reader's note on the reading of their day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import Closed, InvalidInput, NotAllowed
from studyhub.org.models import Member, OrgUnit
from studyhub.readings.models import (
    LeadAssignment,
    Reading,
)
from studyhub.readings.services.rota.members import REFLECTION_MAX_CHARS, branch_today
from studyhub.readings.services.rota.turns import _assignment

# --- reflections (领读心得) --------------------------------------------------------------


def post_reflection(
    session: Session, assignment: LeadAssignment, *, member_id: int, text: str, now: datetime
) -> None:
    """The lead reader writes (or rewrites) the day's reflection; plain text, short."""
    if assignment.member_id != member_id:
        raise NotAllowed(_l("Only the lead reader of the day can post its reflection."))
    branch = session.get(OrgUnit, assignment.branch_id)
    if branch is None or assignment.day > branch_today(session, branch, now):
        raise Closed(_l("You can post your reflection on the day you lead the reading."))
    text = _plain(text)
    if not text:
        raise InvalidInput(_l("Write a few words first."))
    if len(text) > REFLECTION_MAX_CHARS:
        raise InvalidInput(
            _l(
                "A reflection is at most %(max)d characters (this one has %(count)d).",
                max=REFLECTION_MAX_CHARS,
                count=len(text),
            )
        )
    assignment.reflection = text
    assignment.reflection_at = now
    session.flush()


def _plain(text: str) -> str:
    """Text as typed: line breaks normalised, control characters dropped, ends trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable() or ch == " ").strip()


def assignment_for(session: Session, branch_id: int, day: date) -> LeadAssignment | None:
    return _assignment(session, branch_id, day)


# Every visit to a reading of the day asks it: built once, given values per call.
_BRANCH_LEAD_OF_DAY = (
    select(LeadAssignment, User.name)
    .join(Member, Member.id == LeadAssignment.member_id)
    .join(User, User.id == Member.user_id)
    .where(
        LeadAssignment.branch_id == bindparam("branch_id"),
        LeadAssignment.day == bindparam("day"),
    )
)


def reflection_section(
    session: Session, reading: Reading, *, branch_id: int | None, viewer_member_id: int | None
) -> dict[str, Any]:
    """What ``templates/readings/_reflection.html`` needs to show under a reading.

    The reflection belongs to the branch's lead reader of the reading's day
    (``reading.daily_on``); only the viewer's own branch is shown.
    """
    if reading.daily_on is None or branch_id is None:
        return {"is_shown": False}
    row = session.execute(
        _BRANCH_LEAD_OF_DAY, {"branch_id": branch_id, "day": reading.daily_on}
    ).first()
    if row is None:
        return {"is_shown": False}
    assignment, name = row
    is_lead = viewer_member_id is not None and assignment.member_id == viewer_member_id
    return {
        "is_shown": True,
        "reading_id": reading.id,
        "day": reading.daily_on,
        "lead_name": name,
        "is_lead": is_lead,
        "reflection": assignment.reflection,
        "reflection_at": assignment.reflection_at,
        "can_post": is_lead,
        "max_length": REFLECTION_MAX_CHARS,
    }
