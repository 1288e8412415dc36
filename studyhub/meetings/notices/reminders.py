"""Reminders before a planned meeting starts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.meetings.models import LeaveRequest, LeaveStatus, Meeting, MeetingState
from studyhub.meetings.notices.common import (
    Delivery,
    already_sent,
    attendees,
    mark_sent,
    params_of,
    post,
    send,
    timezone_of,
)
from studyhub.meetings.notices.texts import REMINDER

# Minutes before the start: the day before and an hour before (MEETING_NOTICE_REMINDERS).
DEFAULT_REMINDERS = (24 * 60, 60)


def reminder_key(meeting: Meeting, minutes: int) -> str:
    """Per meeting, reminder and start time: a moved meeting is reminded again."""
    return f"reminder:{meeting.id}:{minutes}:{as_utc(meeting.planned_at):%Y%m%dT%H%M}"


def send_reminders(
    session: Session,
    *,
    now: datetime,
    before: Sequence[int] = DEFAULT_REMINDERS,
    email: bool = False,
    sms: bool = False,
) -> int:
    """Remind the roster of planned meetings starting within one of the ``before`` times.

    Only the nearest due reminder is sent (a job that was down for a day sends the
    hour-before one, not both); a reminder whose time had passed when the meeting was
    scheduled is left out (the invitation said it).
    """
    before = sorted({int(m) for m in before if int(m) > 0})
    if not before:
        return 0
    delivery = Delivery(email=email, sms=sms)
    meetings = session.scalars(
        select(Meeting)
        .where(
            Meeting.state == MeetingState.PLANNED,
            Meeting.planned_at > now,
            Meeting.planned_at <= now + timedelta(minutes=before[-1]),
        )
        .order_by(Meeting.planned_at, Meeting.id)
    ).all()
    sent = 0
    for meeting in meetings:
        start = as_utc(meeting.planned_at)
        due = [m for m in before if as_utc(now) >= start - timedelta(minutes=m)]
        if not due:
            continue
        minutes = due[0]
        if as_utc(meeting.created_at) > start - timedelta(minutes=minutes):
            continue
        key = reminder_key(meeting, minutes)
        if already_sent(session, key):
            continue
        excused = select(LeaveRequest.user_id).where(
            LeaveRequest.meeting_id == meeting.id, LeaveRequest.status == LeaveStatus.APPROVED
        )
        roster = attendees(session, meeting)
        recipients = roster.where(roster.selected_columns[0].not_in(excused))
        params = params_of(meeting, timezone_of(session, meeting))
        count = send(
            session,
            recipients,
            REMINDER,
            params,
            key=f"meeting-{key}",
            link=f"/meetings/{meeting.id}",
            now=now,
            delivery=delivery,
        )
        post(session, meeting, REMINDER, params, key=f"meeting-{key}", now=now)
        mark_sent(session, key, meeting.id, count, now)
        sent += count
    return sent
