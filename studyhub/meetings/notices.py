"""Meeting notices: invitations, changes, cancellations, reminders, leave decisions,
returned records and the staff's daily digest of records waiting for review.

Everything is sent by scheduled jobs after the change that causes it has committed:

* ``send_event_notices`` (every minute) reads the recent trail (``MeetingEvent``) and
  tells the people concerned about each event once: the roster of a meeting scheduled,
  moved or cancelled (and the branch's group robots), the member whose leave was
  decided, the recorder and the secretaries of a returned record.
* ``send_reminders`` (every few minutes) reminds the roster before a planned meeting,
  at the configured times before it (by default the day before and an hour before);
  members whose leave was approved are not reminded.
* ``send_review_digest`` (daily) tells each committee staff member how many records
  of the branches they look after wait for review: one message a day, never one per
  record.

Each notice is a ``MeetingNotice`` row with a unique key (the event, or the meeting,
reminder and start time, or the committee and day) written in the same transaction
as its messages, so a job that runs twice or late sends nothing twice; each message
also has a per-recipient ``dedupe_key``. Messages are stored as kind + params and
rendered in the reader's language (``notify.texts``); the member's preferences
(``notify.services.wants``) decide inbox, e-mail and SMS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date, gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc, local_date
from studyhub.meetings import queries
from studyhub.meetings.forms import KIND_LABELS
from studyhub.meetings.models import (
    Attendance,
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingEvent,
    MeetingKind,
    MeetingNotice,
    MeetingState,
)
from studyhub.notify import services as notify
from studyhub.notify import texts
from studyhub.org.models import OrgUnit, Role, RoleAssignment

INVITATION = "meeting_invitation"
CHANGED = "meeting_changed"
CANCELLED = "meeting_cancelled"
REMINDER = "meeting_reminder"
LEAVE_DECIDED = "leave_decided"
RECORD_RETURNED = "record_returned"
RECORDS_WAITING = "records_waiting"
NOTICE_KINDS = (
    INVITATION,
    CHANGED,
    CANCELLED,
    REMINDER,
    LEAVE_DECIDED,
    RECORD_RETURNED,
    RECORDS_WAITING,
)

# Minutes before the start: the day before and an hour before (MEETING_NOTICE_REMINDERS).
DEFAULT_REMINDERS = (24 * 60, 60)
# Events older than this are not announced any more (the scheduler was down for days).
LOOKBACK = timedelta(days=2)
# A change to one of these is news to the invited; a corrected agenda is not.
ANNOUNCED_CHANGES = ("planned_at", "place", "title", "kind", "group_id")
EVENT_ACTIONS = ("created", "edited", "cancelled", "leave_approved", "leave_rejected", "returned")


# Texts ----------------------------------------------------------------------------------------


def _when(value: str) -> str:
    """A local time stored as ``YYYY-MM-DDTHH:MM`` in the committee's time zone."""
    moment = datetime.fromisoformat(value)
    return f"{format_date(moment.date(), 'long')} {moment:%H:%M}"


def _kind(value: str) -> str:
    try:
        return str(KIND_LABELS[MeetingKind(value)])
    except (KeyError, ValueError):
        return value


def _place(p: Mapping[str, Any]) -> str:
    return gettext("Place: %(place)s", place=p["place"]) if p.get("place") else ""


def _invitation(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Meeting notice: %(kind)s “%(title)s”", kind=_kind(p["kind"]), title=p["title"]),
        "\n".join(
            line
            for line in (
                gettext("%(branch)s, on %(when)s.", branch=p["branch"], when=_when(p["at"])),
                _place(p),
                gettext("If you cannot attend, ask for leave on the meeting's page."),
            )
            if line
        ),
    )


def _changed(p: Mapping[str, Any]) -> tuple[str, str]:
    lines = [gettext("%(branch)s, now on %(when)s.", branch=p["branch"], when=_when(p["at"]))]
    if p.get("was"):
        lines.append(gettext("It was on %(when)s.", when=_when(p["was"])))
    lines.append(_place(p))
    return (
        gettext("Meeting changed: “%(title)s”", title=p["title"]),
        "\n".join(line for line in lines if line),
    )


def _cancelled(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Meeting cancelled: “%(title)s”", title=p["title"]),
        gettext(
            "The meeting on %(when)s is cancelled: %(reason)s",
            when=_when(p["at"]),
            reason=p.get("reason") or "",
        ),
    )


def _reminder(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Reminder: “%(title)s” at %(when)s", title=p["title"], when=_when(p["at"])),
        "\n".join(
            line
            for line in (
                gettext("%(kind)s of %(branch)s.", kind=_kind(p["kind"]), branch=p["branch"]),
                _place(p),
            )
            if line
        ),
    )


def _leave_decided(p: Mapping[str, Any]) -> tuple[str, str]:
    if p.get("approved"):
        subject = gettext("Your leave from “%(title)s” was approved", title=p["title"])
        body = gettext("You are excused from the meeting on %(when)s.", when=_when(p["at"]))
    else:
        subject = gettext("Your leave from “%(title)s” was not approved", title=p["title"])
        body = gettext("Please attend the meeting on %(when)s.", when=_when(p["at"]))
    return subject, body


def _record_returned(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("The record of “%(title)s” was returned", title=p["title"]),
        gettext("Correct it and submit it again. The reason: %(reason)s", reason=p["reason"]),
    )


def _records_waiting(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("%(n)d meeting records wait for your review", n=p["count"]),
        gettext(
            "The oldest was submitted on %(day)s.",
            day=format_date(datetime.fromisoformat(p["oldest"]).date(), "long"),
        ),
    )


RENDERERS: dict[str, texts.Renderer] = {
    INVITATION: _invitation,
    CHANGED: _changed,
    CANCELLED: _cancelled,
    REMINDER: _reminder,
    LEAVE_DECIDED: _leave_decided,
    RECORD_RETURNED: _record_returned,
    RECORDS_WAITING: _records_waiting,
}
for _name, _renderer in RENDERERS.items():
    texts.register(_name, _renderer)


# Helpers --------------------------------------------------------------------------------------


def _local(moment: datetime, timezone: str) -> str:
    return as_utc(moment).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def _params(meeting: Meeting, timezone: str, **extra: Any) -> dict[str, Any]:
    params = {
        "meeting_id": meeting.id,
        "title": meeting.title,
        "kind": meeting.kind.value,
        "branch": meeting.branch.name,
        "at": _local(meeting.planned_at, timezone),
        "place": meeting.place,
    }
    params.update({k: v for k, v in extra.items() if v is not None})
    return params


def _timezone(session: Session, meeting: Meeting) -> str:
    committee = session.get(OrgUnit, meeting.committee_id)
    return committee.timezone if committee is not None else "Asia/Shanghai"


def attendees(session: Session, meeting: Meeting) -> Select[tuple[int]]:
    """Who should attend: the roster once taken, else the branch's (or group's) members."""
    if session.scalar(queries.roster_taken(meeting.id)) is not None:
        return select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)
    return queries.roster_members(meeting)


def _sent(session: Session, key: str) -> bool:
    return session.scalar(select(MeetingNotice.id).where(MeetingNotice.key == key)) is not None


def _mark(session: Session, key: str, meeting_id: int | None, recipients: int, now: datetime):
    session.add(MeetingNotice(key=key, meeting_id=meeting_id, recipients=recipients, sent_at=now))
    session.flush()


class Delivery:
    """Which copies the jobs may queue (e-mail and SMS only when configured)."""

    def __init__(self, *, email: bool = False, sms: bool = False) -> None:
        self.email = email
        self.sms = sms


def _send(
    session: Session,
    recipients: Sequence[int] | Select[Any],
    kind: str,
    params: dict[str, Any],
    *,
    key: str,
    link: str,
    now: datetime,
    delivery: Delivery,
) -> int:
    subject, body = RENDERERS[kind](params)
    return notify.send_many(
        session,
        recipients,
        kind=kind,
        subject=subject,
        body=body,
        link=link,
        dedupe_key=key,
        now=now,
        email=delivery.email,
        sms=delivery.sms,
        params=params,
    )


def _post(
    session: Session,
    meeting: Meeting,
    kind: str,
    params: dict[str, Any],
    *,
    key: str,
    now: datetime,
) -> int:
    """The notice on the branch's group robots (when it has any), once per key."""
    subject, body = RENDERERS[kind](params)
    return notify.post_to_branch(
        session,
        meeting.branch_id,
        text=f"{subject}\n{body}",
        link=f"/meetings/{meeting.id}",
        dedupe_key=key,
        now=now,
    )


# Event notices --------------------------------------------------------------------------------


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
        _mark(session, key, meeting.id, count, now)
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
    timezone = _timezone(session, meeting)
    key = f"meeting-notice:{event.id}"
    link = f"/meetings/{meeting.id}"
    detail = event.detail or {}
    if event.action == "created":
        if not _upcoming(meeting, now):
            return 0  # a record written after the fact, or imported
        invited.add(meeting.id)
        params = _params(meeting, timezone)
        _post(session, meeting, INVITATION, params, key=key, now=now)
        return _send(
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
            was = _local(datetime.fromisoformat(changed["planned_at"][0]), timezone)
        params = _params(meeting, timezone, was=was)
        _post(session, meeting, CHANGED, params, key=key, now=now)
        return _send(
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
        params = _params(meeting, timezone, reason=meeting.state_reason)
        _post(session, meeting, CANCELLED, params, key=key, now=now)
        return _send(
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
        params = _params(meeting, timezone, approved=event.action == "leave_approved")
        return _send(
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
        params = _params(
            meeting, timezone, reason=detail.get("reason") or meeting.state_reason or ""
        )
        return _send(
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


# Reminders ------------------------------------------------------------------------------------


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
        if _sent(session, key):
            continue
        excused = select(LeaveRequest.user_id).where(
            LeaveRequest.meeting_id == meeting.id, LeaveRequest.status == LeaveStatus.APPROVED
        )
        roster = attendees(session, meeting)
        recipients = roster.where(roster.selected_columns[0].not_in(excused))
        params = _params(meeting, _timezone(session, meeting))
        count = _send(
            session,
            recipients,
            REMINDER,
            params,
            key=f"meeting-{key}",
            link=f"/meetings/{meeting.id}",
            now=now,
            delivery=delivery,
        )
        _post(session, meeting, REMINDER, params, key=f"meeting-{key}", now=now)
        _mark(session, key, meeting.id, count, now)
        sent += count
    return sent


# The staff's digest ---------------------------------------------------------------------------

REVIEWER_ROLES = (Role.STAFF, Role.ADMIN)


def send_review_digest(
    session: Session, *, now: datetime, email: bool = False, sms: bool = False
) -> int:
    """Tell each staff member how many records under their units wait for review, once a day."""
    delivery = Delivery(email=email, sms=sms)
    waiting = session.execute(
        select(Meeting.committee_id, OrgUnit.path, Meeting.submitted_at)
        .join(OrgUnit, OrgUnit.id == Meeting.branch_id)
        .where(Meeting.state == MeetingState.SUBMITTED)
    ).all()
    by_committee: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for committee_id, path, submitted_at in waiting:
        by_committee[committee_id].append((path, as_utc(submitted_at or now)))
    sent = 0
    for committee_id, records in sorted(by_committee.items()):
        committee = session.get(OrgUnit, committee_id)
        if committee is None or not committee.is_active:
            continue
        day = local_date(now, committee.timezone)
        key = f"digest:{committee_id}:{day.isoformat()}"
        if _sent(session, key):
            continue
        reviewers: dict[int, set[str]] = defaultdict(set)
        for user_id, path in session.execute(
            select(RoleAssignment.user_id, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.role.in_(REVIEWER_ROLES),
                OrgUnit.path.startswith(committee.path),
                User.is_enabled.is_(True),
            )
        ):
            reviewers[user_id].add(path)
        count = 0
        for user_id, paths in sorted(reviewers.items()):
            theirs = [at for path, at in records if any(path.startswith(p) for p in paths)]
            if not theirs:
                continue
            params = {"count": len(theirs), "oldest": min(theirs).date().isoformat()}
            count += _send(
                session,
                [user_id],
                RECORDS_WAITING,
                params,
                key=f"records-waiting:{day.isoformat()}",
                link="/meetings/review",
                now=now,
                delivery=delivery,
            )
        _mark(session, key, None, count, now)
        sent += count
    return sent
