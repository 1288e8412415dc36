"""What every notice job shares: parameters, recipients, the sent-once marks, sending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.meetings import queries
from studyhub.meetings.models import Attendance, Meeting, MeetingNotice
from studyhub.meetings.notices.texts import RENDERERS
from studyhub.notify import services as notify
from studyhub.org.models import OrgUnit


def local_time(moment: datetime, timezone: str) -> str:
    return as_utc(moment).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def params_of(meeting: Meeting, timezone: str, **extra: Any) -> dict[str, Any]:
    params = {
        "meeting_id": meeting.id,
        "title": meeting.title,
        "kind": meeting.kind.value,
        "branch": meeting.branch.name,
        "at": local_time(meeting.planned_at, timezone),
        "place": meeting.place,
    }
    params.update({k: v for k, v in extra.items() if v is not None})
    return params


def timezone_of(session: Session, meeting: Meeting) -> str:
    committee = session.get(OrgUnit, meeting.committee_id)
    return committee.timezone if committee is not None else "Asia/Shanghai"


def attendees(session: Session, meeting: Meeting) -> Select[tuple[int]]:
    """Who should attend: the roster once taken, else the branch's (or group's) members."""
    if session.scalar(queries.roster_taken(meeting.id)) is not None:
        return select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)
    return queries.roster_members(meeting)


def already_sent(session: Session, key: str) -> bool:
    return session.scalar(select(MeetingNotice.id).where(MeetingNotice.key == key)) is not None


def mark_sent(session: Session, key: str, meeting_id: int | None, recipients: int, now: datetime):
    session.add(MeetingNotice(key=key, meeting_id=meeting_id, recipients=recipients, sent_at=now))
    session.flush()


class Delivery:
    """Which copies the jobs may queue (e-mail and SMS only when configured)."""

    def __init__(self, *, email: bool = False, sms: bool = False) -> None:
        self.email = email
        self.sms = sms


def send(
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


def post(
    session: Session,
    meeting: Meeting,
    kind: str,
    params: dict[str, Any],
    *,
    key: str,
    now: datetime,
) -> int:
    """The notice on the group robots (when there are any) of the branch and of every branch
    taking part in a joint meeting, once per key."""
    subject, body = RENDERERS[kind](params)
    return sum(
        notify.post_to_branch(
            session,
            branch_id,
            text=f"{subject}\n{body}",
            link=f"/meetings/{meeting.id}",
            dedupe_key=key,
            now=now,
        )
        for branch_id in [meeting.branch_id, *(p.branch_id for p in meeting.participants)]
    )
