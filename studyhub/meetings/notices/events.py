"""Notices of the trail's events: scheduled, changed, cancelled, leave decided, returned."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.meetings import queries
from studyhub.meetings.models import Meeting, MeetingEvent, MeetingNotice, MeetingState
from studyhub.meetings.notices.common import (
    Delivery,
    attendees,
    local_time,
    mark_sent,
    params_of,
    post,
    send,
    timezone_of,
)
from studyhub.meetings.notices.texts import (
    CANCELLED,
    CHANGED,
    INVITATION,
    LEAVE_DECIDED,
    RECORD_RETURNED,
)

# Events older than this are not announced any more (the scheduler was down for days).
LOOKBACK = timedelta(days=2)
# A change to one of these is news to the invited; a corrected agenda is not.
ANNOUNCED_CHANGES = ("planned_at", "place", "title", "kind", "group_id")
EVENT_ACTIONS = (
    "created",
    "participants",  # branches join a joint meeting: their members are invited
    "edited",
    "cancelled",
    "leave_approved",
    "leave_rejected",
    "returned",
)


def send_event_notices(
    session: Session, *, now: datetime, email: bool = False, sms: bool = False
) -> int:
    """Announce the recent trail events not announced yet; returns how many messages went."""
    delivery = Delivery(email=email, sms=sms)
    rows = session.execute(
        select(MeetingEvent, Meeting)
        .join(Meeting, Meeting.id == MeetingEvent.meeting_id)
        .where(
            MeetingEvent.at >= now - LOOKBACK,
            MeetingEvent.at <= now,
            MeetingEvent.action.in_(EVENT_ACTIONS),
        )
        .order_by(MeetingEvent.id)
    ).all()
    if not rows:
        return 0
    done = set(
        session.scalars(
            select(MeetingNotice.key).where(
                MeetingNotice.key.in_([f"event:{event.id}" for event, _m in rows])
            )
        )
    )
    invited: set[int] = set()
    sent = 0
    for event, meeting in rows:
        key = f"event:{event.id}"
        if key in done:
            continue
        count = _announce(session, event, meeting, now=now, delivery=delivery, invited=invited)
        mark_sent(session, key, meeting.id, count, now)
        sent += count
    return sent


def _upcoming(meeting: Meeting, now: datetime) -> bool:
    return meeting.state == MeetingState.PLANNED and as_utc(meeting.planned_at) > as_utc(now)


def _announce(
    session: Session,
    event: MeetingEvent,
    meeting: Meeting,
    *,
    now: datetime,
    delivery: Delivery,
    invited: set[int],
) -> int:
    timezone = timezone_of(session, meeting)
    key = f"meeting-notice:{event.id}"
    link = f"/meetings/{meeting.id}"
    detail = event.detail or {}
    if event.action in ("created", "participants"):
        if not _upcoming(meeting, now):
            return 0  # a record written after the fact, or imported
        invited.add(meeting.id)
        params = params_of(meeting, timezone)
        # One invitation per meeting and person (or group robot): branches joining later
        # are invited, those invited already are not invited again.
        key = f"meeting-invitation:{meeting.id}"
        post(session, meeting, INVITATION, params, key=key, now=now)
        return send(
            session,
            attendees(session, meeting),
            INVITATION,
            params,
            key=key,
            link=link,
            now=now,
            delivery=delivery,
        )
    if event.action == "edited":
        changed = detail.get("changes") or {}
        if meeting.id in invited or not _upcoming(meeting, now):
            return 0
        if not any(name in changed for name in ANNOUNCED_CHANGES):
            return 0
        was = None
        if "planned_at" in changed and changed["planned_at"][0]:
            was = local_time(datetime.fromisoformat(changed["planned_at"][0]), timezone)
        params = params_of(meeting, timezone, was=was)
        post(session, meeting, CHANGED, params, key=key, now=now)
        return send(
            session,
            attendees(session, meeting),
            CHANGED,
            params,
            key=key,
            link=link,
            now=now,
            delivery=delivery,
        )
    if event.action == "cancelled":
        if meeting.state != MeetingState.CANCELLED:
            return 0
        params = params_of(meeting, timezone, reason=meeting.state_reason)
        post(session, meeting, CANCELLED, params, key=key, now=now)
        return send(
            session,
            attendees(session, meeting),
            CANCELLED,
            params,
            key=key,
            link=link,
            now=now,
            delivery=delivery,
        )
    if event.action in ("leave_approved", "leave_rejected"):
        member_id = detail.get("member_id")
        if member_id is None:
            return 0
        params = params_of(meeting, timezone, approved=event.action == "leave_approved")
        return send(
            session,
            [member_id],
            LEAVE_DECIDED,
            params,
            key=key,
            link=link,
            now=now,
            delivery=delivery,
        )
    if event.action == "returned":
        recipients = {
            user_id for _b, user_id in session.execute(queries.secretaries_of([meeting.branch_id]))
        }
        if meeting.recorded_by_id is not None:
            recipients.add(meeting.recorded_by_id)
        params = params_of(
            meeting, timezone, reason=detail.get("reason") or meeting.state_reason or ""
        )
        return send(
            session,
            sorted(recipients),
            RECORD_RETURNED,
            params,
            key=key,
            link=link,
            now=now,
            delivery=delivery,
        )
    return 0
