"""The end of a lesson: each invited branch's 党课 record gets the attendance.

For every invited branch the job takes the branch's 党课 meeting linked when the
lesson was scheduled (a new one if it was cancelled or removed since), records
it as held from the lesson's start to its end if it was still planned, takes
its roster (应到) if check-in never did, and marks present every member still
absent who watched at least the threshold share live. Members who checked in by
QR in the hall are present already and stay so; excused members stay excused.
The figures (members watching, comments) go into the record's trail as its
evidence. The lesson is marked done in the same unit of work, so running the
job twice writes once; and the marks only ever move absent → present, so even
two concurrent runs agree.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.live import queries
from studyhub.live.models import LiveInvitation, LiveLesson, LiveWatch
from studyhub.meetings import queries as meeting_queries
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingState,
)
from studyhub.meetings.services import attendance as meeting_attendance
from studyhub.meetings.services.audit import log_event
from studyhub.meetings.services.records import MeetingFields, RecordFields, plan_meeting
from studyhub.meetings.services.records import record_meeting as write_record

MAKEUP_REASON = "补学"
WRITABLE = (MeetingState.PLANNED, MeetingState.HELD, MeetingState.RETURNED)


def duration_seconds(lesson: LiveLesson) -> int:
    return max(1, int((as_utc(lesson.ends_at) - as_utc(lesson.starts_at)).total_seconds()))


def required_seconds(lesson: LiveLesson) -> int:
    """Seconds to watch (live, or by replay for 补学) to count: the threshold share."""
    return math.ceil(duration_seconds(lesson) * lesson.threshold_percent / 100)


def _minutes(lesson: LiveLesson, watched: int, comments: int) -> str:
    return str(
        _l(
            "Live lesson \u201c%(title)s\u201d (lecturer: %(lecturer)s). "
            "%(watched)d members watched online, %(comments)d comments.",
            title=lesson.title,
            lecturer=lesson.lecturer_name or "-",
            watched=watched,
            comments=comments,
        )
    )


def _meeting_of(
    session: Session, lesson: LiveLesson, invitation: LiveInvitation, *, now: datetime
) -> Meeting:
    meeting = session.get(Meeting, invitation.meeting_id) if invitation.meeting_id else None
    if meeting is None or meeting.state == MeetingState.CANCELLED:
        meeting = plan_meeting(
            session,
            invitation.branch,
            MeetingFields(
                kind=MeetingKind.LESSON,
                title=lesson.title,
                planned_at=lesson.starts_at,
                lecturer_name=lesson.lecturer_name,
            ),
            by=lesson.created_by,
            now=now,
        )
        invitation.meeting_id = meeting.id
    return meeting


def write_branch(
    session: Session,
    lesson: LiveLesson,
    invitation: LiveInvitation,
    *,
    watched: int,
    comments: int,
    now: datetime,
) -> int:
    """The branch's record of the lesson; returns how many were marked present by watch time."""
    meeting = _meeting_of(session, lesson, invitation, now=now)
    if meeting.state not in WRITABLE:
        return 0  # submitted or approved by hand already: the record is the secretary's
    by = lesson.created_by
    if meeting.state == MeetingState.PLANNED:
        write_record(
            session,
            meeting,
            RecordFields(
                started_at=as_utc(lesson.starts_at),
                ended_at=as_utc(lesson.ends_at),
                minutes_markdown=_minutes(lesson, watched, comments),
            ),
            by=by,
            now=now,
        )
    elif not meeting_attendance.has_roster(session, meeting):
        meeting_attendance.take_roster(session, meeting, by=by, now=now)
    watches = {
        w.user_id: w
        for w in session.scalars(queries.watches_of_branch(lesson.id, meeting.branch_id))
    }
    need = required_seconds(lesson)
    present = 0
    made_up = 0
    for row in session.scalars(
        select(Attendance).where(Attendance.meeting_id == meeting.id).order_by(Attendance.id)
    ):
        watch = watches.get(row.user_id)
        if row.status != AttendanceStatus.ABSENT or watch is None:
            continue
        if watch.live_seconds >= need:
            row.status = AttendanceStatus.PRESENT
            row.reason = None
            row.method = "live"
            row.updated_at = now
            present += 1
        elif watch.made_up_at is not None and row.reason != MAKEUP_REASON:
            row.reason = MAKEUP_REASON
            row.updated_at = now
            made_up += 1
    log_event(
        session,
        meeting,
        "live_attendance",
        by=None,
        now=now,
        lesson_id=lesson.id,
        watched=watched,
        comments=comments,
        present_by_watching=present,
        made_up=made_up,
        threshold_percent=lesson.threshold_percent,
    )
    session.flush()
    return present


def write_attendance(session: Session, lesson: LiveLesson, *, now: datetime) -> int:
    """Write every invited branch's record of an ended lesson, once; returns members marked."""
    if lesson.attendance_written_at is not None:
        return 0
    watched, comments = session.execute(queries.figures(lesson.id)).one()
    marked = 0
    for invitation in lesson.invitations:
        marked += write_branch(
            session, lesson, invitation, watched=watched, comments=comments, now=now
        )
    lesson.attendance_written_at = now
    session.flush()
    return marked


def mark_made_up(session: Session, lesson: LiveLesson, watch: LiveWatch, *, now: datetime) -> bool:
    """Show 补学 on the member's absent row of their branch's record; False when the member
    was present after all (by QR in the hall). Before the end job ran, the job shows it."""
    invitation = session.scalars(
        select(LiveInvitation).where(
            LiveInvitation.lesson_id == lesson.id, LiveInvitation.branch_id == watch.branch_id
        )
    ).first()
    if invitation is None or invitation.meeting_id is None:
        return True
    row = session.scalars(
        meeting_queries.attendance_of(invitation.meeting_id, watch.user_id)
    ).first()
    if row is None:
        return True
    if row.status in meeting_queries.ATTENDED:
        return False
    if row.status == AttendanceStatus.ABSENT and row.reason != MAKEUP_REASON:
        meeting = row.meeting
        row.reason = MAKEUP_REASON
        row.updated_at = now
        log_event(
            session,
            meeting,
            "made_up",
            by=None,
            now=now,
            member_id=watch.user_id,
            lesson_id=lesson.id,
        )
    return True
