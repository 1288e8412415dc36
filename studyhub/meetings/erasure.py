"""Meetings' part of erasing a departed member (see :mod:`studyhub.org.erasure`).

Attendance rows stay (the counts of past meetings must not change); the reasons
they gave for leave or absence become :data:`ERASED_TEXT`. The records are the
branch's, not theirs, so they are kept, with the member's name (as host,
recorder, lecturer, invitee or anywhere in the minutes), and in the trail of
changes and the frozen study evidence, replaced by the placeholder.
"""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from studyhub.core.scrub import ERASED_TEXT
from studyhub.meetings.models import (
    Attendance,
    LeaveRequest,
    Meeting,
    MeetingAttachment,
    MeetingEvent,
    StudyEvidence,
)
from studyhub.org.erasure import ErasedPerson, register_eraser

MEETING_TEXT = (
    "title",
    "place",
    "host_name",
    "recorder_name",
    "lecturer_name",
    "invitees",
    "agenda",
    "minutes_markdown",
    "minutes_html",
    "decisions",
    "state_reason",
)


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    leave_reasons = session.execute(
        update(LeaveRequest)
        .where(LeaveRequest.user_id == person.user_id)
        .values(reason=ERASED_TEXT)
    ).rowcount
    absence_reasons = session.execute(
        update(Attendance)
        .where(Attendance.user_id == person.user_id, Attendance.reason.is_not(None))
        .values(reason=ERASED_TEXT)
    ).rowcount
    meetings = select(Meeting.id).where(Meeting.committee_id == person.committee_id)
    # The meetings they were on the register of and no namesake was: there their name
    # (host, recorder, in the minutes) can only be theirs.
    theirs = and_(
        Meeting.committee_id == person.committee_id,
        Meeting.id.in_(select(Attendance.meeting_id).where(Attendance.user_id == person.user_id)),
        Meeting.id.not_in(
            select(Attendance.meeting_id).where(Attendance.user_id.in_(person.namesakes))
        ),
    )
    return {
        "leave_reasons": leave_reasons or 0,
        "absence_reasons": absence_reasons or 0,
        "meetings_attended": person.scrub_own(session, Meeting, MEETING_TEXT, theirs)
        if person.shared
        else 0,
        "meetings_mentioning": person.scrub(
            session, Meeting, MEETING_TEXT, Meeting.committee_id == person.committee_id
        ),
        "meeting_events_mentioning": person.scrub(
            session, MeetingEvent, ("detail",), MeetingEvent.meeting_id.in_(meetings)
        ),
        "evidence_mentioning": person.scrub(
            session, StudyEvidence, ("summary", "rows"), StudyEvidence.meeting_id.in_(meetings)
        ),
        "attachments_mentioning": person.scrub(
            session, MeetingAttachment, ("filename",), MeetingAttachment.meeting_id.in_(meetings)
        ),
        "others_reasons_mentioning": person.scrub(
            session, Attendance, ("reason",), Attendance.meeting_id.in_(meetings)
        )
        + person.scrub(session, LeaveRequest, ("reason",), LeaveRequest.meeting_id.in_(meetings)),
    }


register_eraser(erase_person)
