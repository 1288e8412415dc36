"""Who should attend and who did: the roster snapshot, QR check-in, manual marks and leave.

The roster (应到) is snapshotted once, when check-in opens (or when the
meeting is recorded without check-in): one :class:`Attendance` row per active
member of the branch, or of the group for a group meeting, absent unless
their leave was approved. A member who joins later is not on it.

The QR code carries a token signed with the app's secret that names the
meeting and the minute it was made in; it is accepted in that minute and the
next, so the code on the secretary's screen changes every minute and a photo
of it sent to someone at home soon stops working.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, Conflict, InvalidInput, NotAllowed
from studyhub.meetings import queries
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingState,
)
from studyhub.meetings.services.audit import log_event, require_state
from studyhub.org.models import Member

WINDOW_SECONDS = 60
TOKEN_SALT = "studyhub.meetings.checkin"
REASON_MAX = 300
CHECKIN_STATES = (MeetingState.PLANNED, MeetingState.HELD)
MARKING_STATES = (MeetingState.PLANNED, MeetingState.HELD, MeetingState.RETURNED)


def has_roster(session: Session, meeting: Meeting) -> bool:
    return session.scalar(queries.roster_taken(meeting.id)) is not None


def take_roster(session: Session, meeting: Meeting, *, by: User | None, now: datetime) -> int:
    """Snapshot who should attend (应到); approved leave makes them excused. Returns the count."""
    require_state(meeting, *MARKING_STATES)
    if has_roster(session, meeting):
        raise Conflict(_l("The roster of this meeting has been taken already."))
    user_ids = list(session.scalars(queries.roster_members(meeting)))
    leaves = dict(session.execute(queries.approved_leaves(meeting.id)).all())
    if user_ids:
        session.execute(
            insert(Attendance),
            [
                {
                    "meeting_id": meeting.id,
                    "user_id": user_id,
                    "status": (
                        AttendanceStatus.EXCUSED if user_id in leaves else AttendanceStatus.ABSENT
                    ),
                    "reason": leaves.get(user_id),
                    "updated_at": now,
                }
                for user_id in user_ids
            ],
        )
    log_event(session, meeting, "roster_taken", by=by, now=now, expected=len(user_ids))
    session.flush()
    return len(user_ids)


def is_checkin_open(meeting: Meeting) -> bool:
    return (
        meeting.state in CHECKIN_STATES
        and meeting.checkin_opened_at is not None
        and meeting.checkin_closed_at is None
    )


def open_checkin(session: Session, meeting: Meeting, *, by: User, now: datetime) -> None:
    """Start QR check-in, taking the roster the first time; opening again reopens it."""
    require_state(meeting, *CHECKIN_STATES)
    if is_checkin_open(meeting):
        return
    if not has_roster(session, meeting):
        take_roster(session, meeting, by=by, now=now)
    if meeting.checkin_opened_at is None:
        meeting.checkin_opened_at = now
        log_event(session, meeting, "checkin_opened", by=by, now=now)
    else:
        meeting.checkin_closed_at = None
        log_event(session, meeting, "checkin_reopened", by=by, now=now)
    session.flush()


def close_checkin(session: Session, meeting: Meeting, *, by: User, now: datetime) -> None:
    if not is_checkin_open(meeting):
        raise Conflict(_l("Check-in is not open for this meeting."))
    meeting.checkin_closed_at = now
    log_event(session, meeting, "checkin_closed", by=by, now=now)
    session.flush()


def window_of(now: datetime) -> int:
    """The number of the minute ``now`` falls in (the token's time step)."""
    return int(as_utc(now).timestamp()) // WINDOW_SECONDS


def checkin_token(meeting_id: int, *, secret: str, now: datetime) -> str:
    """The token for the QR code shown at ``now``; valid in its minute and the next."""
    return URLSafeSerializer(secret, salt=TOKEN_SALT).dumps([meeting_id, window_of(now)])


def read_token(meeting: Meeting, token: str, *, secret: str, now: datetime) -> None:
    """Check that ``token`` is a current code of ``meeting``; refuse with a reason otherwise."""
    try:
        data = URLSafeSerializer(secret, salt=TOKEN_SALT).loads(token or "")
    except BadSignature:
        data = None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in data)
    ):
        raise InvalidInput(_l("This check-in code is not valid. Scan the code on the screen."))
    meeting_id, window = data
    if meeting_id != meeting.id:
        raise InvalidInput(_l("This check-in code is for another meeting."))
    if not is_checkin_open(meeting):
        raise Closed(_l("Check-in is not open for this meeting."))
    if not 0 <= window_of(now) - window <= 1:
        raise Closed(_l("This check-in code has expired. Scan the code on the screen again."))


def scanned(
    session: Session, meeting: Meeting, user: User, *, token: str, secret: str, now: datetime
) -> Attendance:
    """The attendance row a scanned code would mark, after every check but the marking."""
    read_token(meeting, token, secret=secret, now=now)
    row = session.scalars(queries.attendance_of(meeting.id, user.id)).first()
    if row is None:
        raise NotAllowed(_l("You are not on the list of those who should attend this meeting."))
    return row


def check_in(
    session: Session,
    meeting: Meeting,
    user: User,
    *,
    token: str,
    secret: str,
    now: datetime,
    grace: timedelta,
) -> Attendance:
    """Mark ``user`` present (late after the planned start plus ``grace``) from a scanned code.

    Checking in twice keeps the first time.
    """
    row = scanned(session, meeting, user, token=token, secret=secret, now=now)
    if row.status in queries.ATTENDED:
        return row
    late = as_utc(now) > as_utc(meeting.planned_at) + grace
    row.status = AttendanceStatus.LATE if late else AttendanceStatus.PRESENT
    row.reason = None
    row.checked_in_at = now
    row.method = "qr"
    row.updated_by_id = user.id
    row.updated_at = now
    session.flush()
    return row


def mark_attendance(
    session: Session,
    row: Attendance,
    *,
    status: AttendanceStatus,
    reason: str | None,
    by: User,
    now: datetime,
) -> bool:
    """The secretary marks or corrects one attendee by hand; True when it changed.

    Excused needs the reason; absent may have one; present and late drop it.
    """
    meeting = row.meeting
    require_state(meeting, *MARKING_STATES)
    reason = (reason or "").strip() or None
    if status == AttendanceStatus.EXCUSED and reason is None:
        raise InvalidInput(_l("Give the reason for the leave."))
    if reason is not None and len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long (300 characters at most)."))
    if status in queries.ATTENDED:
        reason = None
    if (row.status, row.reason) == (status, reason):
        return False
    changes = {"status": [row.status.value, status.value], "reason": [row.reason, reason]}
    row.status = status
    row.reason = reason
    row.method = "manual"
    row.updated_by_id = by.id
    row.updated_at = now
    log_event(
        session,
        meeting,
        "attendance",
        by=by,
        now=now,
        member=row.user.name,
        member_id=row.user_id,
        changes=changes,
    )
    session.flush()
    return True


def request_leave(
    session: Session, meeting: Meeting, user: User, *, reason: str, now: datetime
) -> LeaveRequest:
    """A member asks to be excused, before the meeting starts; asking again updates the reason."""
    require_state(meeting, MeetingState.PLANNED)
    if as_utc(now) >= as_utc(meeting.planned_at):
        raise Closed(_l("Leave must be asked for before the meeting starts."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason for the leave."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long (300 characters at most)."))
    if has_roster(session, meeting):
        expected = session.scalars(queries.attendance_of(meeting.id, user.id)).first() is not None
    else:
        expected = (
            session.scalar(queries.roster_members(meeting).where(Member.user_id == user.id))
            is not None
        )
    if not expected:
        raise NotAllowed(_l("You are not on the list of those who should attend this meeting."))
    leave = session.scalars(queries.leave_of(meeting.id, user.id)).first()
    if leave is not None and leave.status == LeaveStatus.APPROVED:
        raise Conflict(_l("Your leave has been approved already."))
    if leave is None:
        leave = LeaveRequest(meeting_id=meeting.id, user_id=user.id, reason=reason)
        session.add(leave)
    leave.reason = reason
    leave.status = LeaveStatus.PENDING
    leave.requested_at = now
    leave.decided_by_id = None
    leave.decided_at = None
    log_event(session, meeting, "leave_requested", by=user, now=now, reason=reason)
    session.flush()
    return leave


def decide_leave(
    session: Session,
    leave: LeaveRequest,
    meeting: Meeting,
    *,
    approve: bool,
    by: User,
    now: datetime,
) -> None:
    """Approve (the member becomes excused, with the reason) or refuse a leave request."""
    require_state(meeting, *MARKING_STATES)
    if leave.status != LeaveStatus.PENDING:
        raise Conflict(_l("This request has been decided already."))
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    leave.decided_by_id = by.id
    leave.decided_at = now
    row = session.scalars(queries.attendance_of(meeting.id, leave.user_id)).first()
    if approve and row is not None and row.status not in queries.ATTENDED:
        row.status = AttendanceStatus.EXCUSED
        row.reason = leave.reason
        row.method = "manual"
        row.updated_by_id = by.id
        row.updated_at = now
    name = session.get(User, leave.user_id)
    log_event(
        session,
        meeting,
        "leave_approved" if approve else "leave_rejected",
        by=by,
        now=now,
        member=name.name if name is not None else None,
        member_id=leave.user_id,
    )
    session.flush()
