"""党支部工作记录 as documents: one meeting's record, or a branch's year, as Word and PDF.

The record is first gathered into plain :class:`RecordSheet` values (texts, with every time
already in the committee's time zone and formatted for people), then laid out by
:mod:`.word` (python-docx) and :mod:`.pdf` (fpdf2) the way the paper 工作记录 is: a header
block (branch, kind, time, place, host, recorder), attendance with the absentees and their
reasons, the minutes, the decisions and the signature lines. A branch's year is one document:
a table of contents and then one record per meeting.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.meetings import queries
from studyhub.meetings.models import AttendanceStatus, Meeting, MeetingKind, MeetingParticipant
from studyhub.meetings.queries.record import of_branch
from studyhub.meetings.services.register import year_bounds
from studyhub.org.models import OrgUnit
from studyhub.web.filters import format_local

# The states whose record a year's document holds: held, whatever its review.
YEAR_STATES = queries.HELD_STATES

TITLE = _l("Branch work record")
LABELS = {
    "branch": _l("Branch"),
    "joint": _l("Branches taking part"),
    "kind": _l("Kind"),
    "time": _l("Time"),
    "place": _l("Place"),
    "host": _l("Host"),
    "recorder": _l("Recorder"),
    "lecturer": _l("Lecturer"),
    "topic": _l("Topic"),
    "expected": _l("Expected"),
    "attended": _l("Attended"),
    "absentees": _l("Absent, with reasons"),
    "guests": _l("Attending as guests"),
    "present": _l("Present"),
    "minutes": _l("Content"),
    "decisions": _l("Decisions"),
    "none": _l("None"),
    "host_sign": _l("Host (signature)"),
    "recorder_sign": _l("Recorder (signature)"),
    "contents": _l("Contents"),
}


@dataclass(frozen=True)
class RecordSheet:
    """One meeting's record as the document shows it: every value a finished text."""

    title: str
    branch: str
    kind: str
    time: str
    place: str
    host: str
    recorder: str
    lecturer: str
    expected: int
    attended: int
    present: list[str] = field(default_factory=list)
    absentees: list[str] = field(default_factory=list)  # "name（请假：reason）"
    guests: str = ""
    minutes: list[str] = field(default_factory=list)  # paragraphs
    decisions: list[str] = field(default_factory=list)
    # A joint (or committee-wide) meeting: the other branches taking part, besides the host.
    joint: list[str] = field(default_factory=list)

    def heading(self) -> str:
        """The line a table of contents lists: date, kind and topic."""
        return f"{self.time.split(' ')[0]} {self.kind} · {self.title}"


def label(name: str) -> str:
    return str(LABELS[name])


def paragraphs(markdown: str) -> list[str]:
    """The minutes' Markdown as plain paragraphs (headings, list marks and emphasis dropped)."""
    out = []
    for line in markdown.splitlines():
        text = re.sub(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|>\s?)", "", line)
        text = re.sub(r"(\*\*|__|\*|`)", "", text).strip()
        if text:
            out.append(html.unescape(text))
    return out


def _time(meeting: Meeting, timezone: str) -> str:
    start = meeting.started_at or meeting.planned_at
    text = format_local(start, timezone, "yyyy-MM-dd HH:mm")
    if meeting.ended_at is not None:
        text += "–" + format_local(meeting.ended_at, timezone, "HH:mm")
    return text


def joint_branch_names(session: Session, meeting_id: int) -> list[str]:
    """The other branches taking part in a joint meeting, in the order they were added
    (empty for a branch's own meeting); one statement."""
    return list(
        session.scalars(
            select(OrgUnit.name)
            .join(MeetingParticipant, MeetingParticipant.branch_id == OrgUnit.id)
            .where(MeetingParticipant.meeting_id == meeting_id)
            .order_by(MeetingParticipant.id)
        )
    )


def record_sheet(
    session: Session,
    meeting: Meeting,
    *,
    kind_labels: Mapping[MeetingKind, object],
    status_labels: Mapping[AttendanceStatus, object],
) -> RecordSheet:
    """The meeting's record, gathered in a few statements (counts, attendance list)."""
    branch = meeting.branch
    counts_row = session.execute(queries.counts_of([meeting.id])).first()
    counts = queries.Counts.from_row(counts_row) if counts_row else queries.Counts()
    present, absentees = [], []
    for row, name in session.execute(queries.attendance_list(meeting.id)).all():
        if row.status in queries.ATTENDED:
            present.append(name)
            continue
        why = str(status_labels[row.status])
        absentees.append(f"{name}（{why}：{row.reason}）" if row.reason else f"{name}（{why}）")
    unit = branch.name + (f" · {meeting.group.name}" if meeting.group else "")
    return RecordSheet(
        title=meeting.title,
        branch=unit,
        kind=str(kind_labels[meeting.kind]),
        time=_time(meeting, branch.timezone),
        place=meeting.place,
        host=meeting.host_name,
        recorder=meeting.recorder_name,
        lecturer=meeting.lecturer_name,
        expected=counts.expected,
        attended=counts.attended,
        present=present,
        absentees=absentees,
        guests=meeting.invitees,
        minutes=paragraphs(meeting.minutes_markdown),
        decisions=[line.strip() for line in meeting.decisions.splitlines() if line.strip()],
        joint=joint_branch_names(session, meeting.id),
    )


def year_meetings(session: Session, branch: OrgUnit, year: int) -> list[Meeting]:
    """The branch's meetings held in the local calendar year, in order: its own (its groups'
    included) and the joint meetings it took part in."""
    since, until = year_bounds(year, branch.timezone)
    held = queries.held_on()
    return list(
        session.scalars(
            select(Meeting)
            .where(
                of_branch(branch.id),
                Meeting.state.in_(YEAR_STATES),
                held >= since,
                held < until,
            )
            .order_by(held, Meeting.id)
        )
    )


def file_stem(meeting: Meeting) -> str:
    day = format_local(
        meeting.started_at or meeting.planned_at, meeting.branch.timezone, "yyyyMMdd"
    )
    return f"{meeting.branch.name}{day}工作记录"
