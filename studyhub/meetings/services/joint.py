"""Joint and committee-wide meetings: other branches take part in a branch's meeting.

A joint meeting is kept by its host branch (the record, the recorder, the review) and
lists the other branches taking part; it is in each of their meeting lists and
counts in each one's compliance, and the members of all of them are on its roster
(and receive its notices). A committee-wide meeting is a joint meeting of every
active branch of the committee. Participants are set while the meeting is planned,
before its roster is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput
from studyhub.meetings.models import Meeting, MeetingParticipant, MeetingState
from studyhub.meetings.services import attendance
from studyhub.meetings.services.audit import log_event, require_state
from studyhub.org.models import OrgUnit, UnitKind


def committee_branches(session: Session, committee_id: int) -> list[OrgUnit]:
    """The committee's active branches, in tree order."""
    return list(
        session.scalars(
            select(OrgUnit)
            .where(
                OrgUnit.committee_id == committee_id,
                OrgUnit.kind == UnitKind.BRANCH,
                OrgUnit.is_active.is_(True),
            )
            .order_by(OrgUnit.path)
        )
    )


def set_participants(
    session: Session,
    meeting: Meeting,
    branches: Sequence[OrgUnit],
    *,
    by: User,
    now: datetime,
) -> bool:
    """Make ``branches`` (besides the host) the ones taking part; True when that changed."""
    require_state(meeting, MeetingState.PLANNED)
    if meeting.group_id is not None:
        raise InvalidInput(_l("A Party group meeting cannot be a joint meeting."))
    if attendance.has_roster(session, meeting):
        raise InvalidInput(_l("The roster has been taken: the branches taking part cannot change."))
    wanted = {}
    for branch in branches:
        if branch.id == meeting.branch_id:
            continue
        if (
            branch.kind != UnitKind.BRANCH
            or branch.committee_id != meeting.committee_id
            or not branch.is_active
        ):
            raise InvalidInput(_l("Only active branches of the committee can take part."))
        wanted[branch.id] = branch
    current = {p.branch_id: p for p in meeting.participants}
    if set(current) == set(wanted):
        return False
    for branch_id, participant in current.items():
        if branch_id not in wanted:
            meeting.participants.remove(participant)
    for branch_id, branch in wanted.items():
        if branch_id not in current:
            meeting.participants.append(MeetingParticipant(branch_id=branch_id, branch=branch))
    log_event(
        session,
        meeting,
        "participants",
        by=by,
        now=now,
        branches=[b.name for b in sorted(wanted.values(), key=lambda b: b.path)],
    )
    session.flush()
    return True


def whole_committee(session: Session, meeting: Meeting, *, by: User, now: datetime) -> bool:
    """Every active branch of the committee takes part."""
    return set_participants(
        session, meeting, committee_branches(session, meeting.committee_id), by=by, now=now
    )
