"""Plan a meeting, record it, and move the record through review.

States: planned → held (recorded) → submitted → approved, or returned with a
reason → corrected → submitted again; a planned meeting may be cancelled with
a reason. Any other move is refused with a :class:`DomainError`. Every change
is in the trail with the fields it changed; ``recorded_at``/``recorded_by``
keep when the record was first written, so a record written long after the
meeting shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import (
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingState,
    StudyEvidence,
)
from studyhub.meetings.services import attendance, evidence
from studyhub.meetings.services.audit import changes, log_event, require_state, snapshot
from studyhub.org.auditing import record_in
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans.models import StudyPlan
from studyhub.readings.services.content import render_markdown

TITLE_MAX = 200
MINUTES_MAX = 100_000
TEXT_MAX = 20_000
REASON_MAX = 500
# A record may say the meeting started a little after "now" (clocks differ), not later.
FUTURE_SLACK = timedelta(minutes=15)
LONGEST_MEETING = timedelta(hours=12)

DETAIL_FIELDS = (
    "kind",
    "group_id",
    "title",
    "planned_at",
    "place",
    "host_name",
    "recorder_name",
    "lecturer_name",
    "invitees",
    "agenda",
    "plan_id",
)
RECORD_FIELDS = ("started_at", "ended_at", "minutes_markdown", "decisions")
EDITABLE_STATES = (MeetingState.PLANNED, MeetingState.HELD, MeetingState.RETURNED)


@dataclass(frozen=True)
class MeetingFields:
    """What a meeting is: set when it is planned, corrected until it is submitted."""

    kind: MeetingKind
    title: str
    planned_at: datetime
    group: OrgUnit | None = None
    place: str = ""
    host_name: str = ""
    recorder_name: str = ""
    lecturer_name: str = ""
    invitees: str = ""
    agenda: str = ""
    plan: StudyPlan | None = None


@dataclass(frozen=True)
class RecordFields:
    """What happened: the actual times, the minutes (Markdown) and the decisions."""

    started_at: datetime
    ended_at: datetime | None
    minutes_markdown: str
    decisions: str = ""


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _check_fields(session: Session, branch: OrgUnit, fields: MeetingFields) -> None:
    title = _clean(fields.title)
    if not title:
        raise InvalidInput(_l("Enter the topic of the meeting."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_l("The topic is too long (200 characters at most)."))
    if len(fields.agenda) > TEXT_MAX:
        raise InvalidInput(_l("The agenda is too long."))
    if fields.kind == MeetingKind.GROUP_MEETING:
        group = fields.group
        if group is None:
            raise InvalidInput(_l("Choose the Party group that meets."))
        if group.kind != UnitKind.GROUP or group.parent_id != branch.id:
            raise InvalidInput(_l("This Party group is not in the branch."))
    elif fields.group is not None:
        raise InvalidInput(_l("Only a Party group meeting belongs to a group."))
    if fields.plan is not None:
        if fields.kind not in queries.PLAN_KINDS:
            raise InvalidInput(_l("Only a Party lesson or a general meeting links a study plan."))
        linkable = session.scalars(
            queries.linkable_plans(branch).where(StudyPlan.id == fields.plan.id)
        ).first()
        if linkable is None:
            raise InvalidInput(_l("This study plan is not one for the branch."))


def _apply_fields(meeting: Meeting, fields: MeetingFields) -> None:
    meeting.kind = fields.kind
    meeting.group_id = fields.group.id if fields.group is not None else None
    meeting.group = fields.group
    meeting.title = _clean(fields.title)
    meeting.planned_at = as_utc(fields.planned_at)
    meeting.place = _clean(fields.place)[:200]
    meeting.host_name = _clean(fields.host_name)[:64]
    meeting.recorder_name = _clean(fields.recorder_name)[:64]
    meeting.lecturer_name = (
        _clean(fields.lecturer_name)[:64] if fields.kind == MeetingKind.LESSON else ""
    )
    meeting.invitees = _clean(fields.invitees)[:500]
    meeting.agenda = fields.agenda.strip()
    meeting.plan_id = fields.plan.id if fields.plan is not None else None
    meeting.plan = fields.plan


def plan_meeting(
    session: Session, branch: OrgUnit, fields: MeetingFields, *, by: User, now: datetime
) -> Meeting:
    """A new meeting of ``branch`` (or of a group in it), in the planned state."""
    if branch.kind != UnitKind.BRANCH:
        raise InvalidInput(_l("Meetings are kept by branches."))
    _check_fields(session, branch, fields)
    meeting = Meeting(
        committee_id=branch.committee_id,
        branch_id=branch.id,
        branch=branch,
        state=MeetingState.PLANNED,
        created_by_id=by.id,
        created_at=now,
        updated_at=now,
    )
    _apply_fields(meeting, fields)
    session.add(meeting)
    session.flush()
    log_event(
        session,
        meeting,
        "created",
        by=by,
        now=now,
        values={k: v for k, v in snapshot(meeting, DETAIL_FIELDS).items() if v not in ("", None)},
    )
    session.flush()
    return meeting


def update_meeting(
    session: Session, meeting: Meeting, fields: MeetingFields, *, by: User, now: datetime
) -> bool:
    """Correct what the meeting is; True when something changed.

    Once the roster is taken the kind and group stay: they decided who should attend.
    """
    require_state(meeting, *EDITABLE_STATES)
    _check_fields(session, meeting.branch, fields)
    new_group_id = fields.group.id if fields.group is not None else None
    if (fields.kind != meeting.kind or new_group_id != meeting.group_id) and attendance.has_roster(
        session, meeting
    ):
        raise InvalidInput(
            _l("The roster has been taken: the kind of meeting and the group cannot change.")
        )
    before = snapshot(meeting, DETAIL_FIELDS)
    _apply_fields(meeting, fields)
    changed = changes(before, snapshot(meeting, DETAIL_FIELDS))
    if changed:
        log_event(session, meeting, "edited", by=by, now=now, changes=changed)
    session.flush()
    return bool(changed)


def record_meeting(
    session: Session, meeting: Meeting, fields: RecordFields, *, by: User, now: datetime
) -> bool:
    """Write (or correct) what happened; a planned meeting becomes held.

    The roster is taken now if check-in never opened. True when something changed.
    """
    require_state(meeting, *EDITABLE_STATES)
    started = as_utc(fields.started_at)
    ended = as_utc(fields.ended_at) if fields.ended_at is not None else None
    if started > now + FUTURE_SLACK:
        raise InvalidInput(_l("A meeting cannot be recorded before it has started."))
    if ended is not None and not started < ended <= started + LONGEST_MEETING:
        raise InvalidInput(_l("The end must be after the start, on the same occasion."))
    if len(fields.minutes_markdown) > MINUTES_MAX:
        raise InvalidInput(_l("The minutes are too long."))
    if len(fields.decisions) > TEXT_MAX:
        raise InvalidInput(_l("The decisions are too long."))
    before = snapshot(meeting, RECORD_FIELDS)
    meeting.started_at = started
    meeting.ended_at = ended
    meeting.minutes_markdown = fields.minutes_markdown.strip()
    meeting.minutes_html = render_markdown(meeting.minutes_markdown)
    meeting.decisions = fields.decisions.strip()
    changed = changes(before, snapshot(meeting, RECORD_FIELDS))
    first = meeting.recorded_at is None
    if first:
        meeting.recorded_at = now
        meeting.recorded_by_id = by.id
    if meeting.state == MeetingState.PLANNED:
        meeting.state = MeetingState.HELD
    if not attendance.has_roster(session, meeting):
        attendance.take_roster(session, meeting, by=by, now=now)
    if changed or first:
        log_event(
            session, meeting, "recorded" if first else "edited", by=by, now=now, changes=changed
        )
    session.flush()
    return bool(changed) or first


def submit_meeting(session: Session, meeting: Meeting, *, by: User, now: datetime) -> None:
    """Send the record to the committee; a linked plan's completion is frozen with it.

    The evidence is taken at the first submission and kept through a return and
    resubmission, unless the linked plan was changed in between.
    """
    require_state(meeting, MeetingState.HELD, MeetingState.RETURNED)
    if meeting.started_at is None or not meeting.minutes_markdown.strip():
        raise InvalidInput(_l("Record when the meeting took place and its minutes first."))
    pending = session.scalar(
        select(LeaveRequest.id).where(
            LeaveRequest.meeting_id == meeting.id, LeaveRequest.status == LeaveStatus.PENDING
        )
    )
    if pending is not None:
        raise InvalidInput(_l("Decide the open leave requests first."))
    if meeting.checkin_opened_at is not None and meeting.checkin_closed_at is None:
        meeting.checkin_closed_at = now
    current = session.scalar(select(StudyEvidence).where(StudyEvidence.meeting_id == meeting.id))
    if current is not None and current.plan_id != meeting.plan_id:
        session.delete(current)
        session.flush()
        current = None
    if current is None and meeting.plan is not None:
        taken = evidence.take_evidence(session, meeting, meeting.plan, now=now)
        log_event(session, meeting, "evidence_taken", by=by, now=now, summary=taken.summary)
    meeting.state = MeetingState.SUBMITTED
    meeting.submitted_at = now
    meeting.state_reason = None
    log_event(session, meeting, "submitted", by=by, now=now)
    session.flush()


def approve_meeting(session: Session, meeting: Meeting, *, by: User, now: datetime) -> None:
    require_state(meeting, MeetingState.SUBMITTED)
    meeting.state = MeetingState.APPROVED
    meeting.reviewed_by_id = by.id
    meeting.reviewed_at = now
    log_event(session, meeting, "approved", by=by, now=now)
    session.flush()
    _record_review(session, meeting, "meeting.approved", by=by, now=now)


def _record_review(
    session: Session, meeting: Meeting, kind: str, *, by: User, now: datetime
) -> None:
    """Staff's decision on a submitted record, in the branch's audit log."""
    branch = session.get(OrgUnit, meeting.branch_id)
    assert branch is not None
    record_in(
        session,
        branch,
        kind,
        actor_id=by.id,
        now=now,
        object_type="meeting",
        object_id=meeting.id,
        summary=meeting.title,
        changes={"state": [MeetingState.SUBMITTED.value, meeting.state.value]},
        details={"reason": meeting.state_reason} if kind == "meeting.returned" else None,
    )


def _reason(reason: str) -> str:
    reason = _clean(reason)
    if not reason:
        raise InvalidInput(_l("Give a reason."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long (500 characters at most)."))
    return reason


def return_meeting(
    session: Session, meeting: Meeting, *, reason: str, by: User, now: datetime
) -> None:
    """Send the record back to the branch to be corrected, saying what is wrong."""
    require_state(meeting, MeetingState.SUBMITTED)
    meeting.state_reason = _reason(reason)
    meeting.state = MeetingState.RETURNED
    meeting.reviewed_by_id = by.id
    meeting.reviewed_at = now
    log_event(session, meeting, "returned", by=by, now=now, reason=meeting.state_reason)
    session.flush()
    _record_review(session, meeting, "meeting.returned", by=by, now=now)


def cancel_meeting(
    session: Session, meeting: Meeting, *, reason: str, by: User, now: datetime
) -> None:
    """Call off a planned meeting; it stays in the list with the reason."""
    require_state(meeting, MeetingState.PLANNED)
    meeting.state_reason = _reason(reason)
    meeting.state = MeetingState.CANCELLED
    if meeting.checkin_opened_at is not None and meeting.checkin_closed_at is None:
        meeting.checkin_closed_at = now
    log_event(session, meeting, "cancelled", by=by, now=now, reason=meeting.state_reason)
    session.flush()
