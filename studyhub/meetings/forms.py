"""Meeting forms and labels: shape only; the services check the rules.

Times are typed in the committee's local time (``datetime-local`` inputs) and
turned into UTC with :func:`to_utc` before they reach a service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from studyhub.core.clock import as_utc
from studyhub.meetings.models import AttendanceStatus, LeaveStatus, MeetingKind, Rating
from studyhub.meetings.periods import Every
from studyhub.plans import queries as plan_queries

KIND_LABELS = {
    MeetingKind.GENERAL_MEETING: _l("Branch general meeting"),
    MeetingKind.COMMITTEE_MEETING: _l("Branch committee meeting"),
    MeetingKind.GROUP_MEETING: _l("Party group meeting"),
    MeetingKind.LESSON: _l("Party lesson"),
    MeetingKind.THEME_DAY: _l("Theme Party day"),
    MeetingKind.ORG_LIFE: _l("Organisational life meeting"),
    MeetingKind.DEMOCRATIC_REVIEW: _l("Democratic appraisal of members"),
}
ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Excused"),
    AttendanceStatus.ABSENT: _l("Absent"),
}
LEAVE_LABELS = {
    LeaveStatus.PENDING: _l("Waiting for a decision"),
    LeaveStatus.APPROVED: _l("Leave approved"),
    LeaveStatus.REJECTED: _l("Leave refused"),
}
TEST_LABELS = {
    plan_queries.TEST_NONE: _l("No test"),
    plan_queries.TEST_NOT_STARTED: _l("Not taken"),
    plan_queries.TEST_IN_PROGRESS: _l("Started"),
    plan_queries.TEST_PASSED: _l("Passed"),
    plan_queries.TEST_FAILED: _l("Not passed"),
}
EVENT_LABELS = {
    "created": _l("Planned"),
    "edited": _l("Changed"),
    "recorded": _l("Recorded"),
    "roster_taken": _l("Roster taken"),
    "checkin_opened": _l("Check-in opened"),
    "checkin_reopened": _l("Check-in reopened"),
    "checkin_closed": _l("Check-in closed"),
    "attendance": _l("Attendance marked"),
    "leave_requested": _l("Leave asked for"),
    "leave_approved": _l("Leave approved"),
    "leave_rejected": _l("Leave refused"),
    "attachment_added": _l("File attached"),
    "attachment_removed": _l("File removed"),
    "evidence_taken": _l("Study evidence taken"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
    "cancelled": _l("Cancelled"),
    "imported": _l("Imported from a file"),
}
FIELD_LABELS = {
    "kind": _l("Kind"),
    "group_id": _l("Party group"),
    "title": _l("Topic"),
    "planned_at": _l("Planned for"),
    "place": _l("Place"),
    "host_name": _l("Host"),
    "recorder_name": _l("Recorder"),
    "lecturer_name": _l("Lecturer"),
    "invitees": _l("Attending as guests"),
    "agenda": _l("Agenda"),
    "plan_id": _l("Study plan"),
    "started_at": _l("Started at"),
    "ended_at": _l("Ended at"),
    "minutes_markdown": _l("Minutes"),
    "decisions": _l("Decisions"),
    "status": _l("Attendance"),
    "reason": _l("Reason"),
}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def to_utc(value: datetime, timezone: str) -> datetime:
    """A naive local time from a ``datetime-local`` input, in UTC."""
    return value.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def to_local(value: datetime, timezone: str) -> datetime:
    """A stored instant as the naive local time a ``datetime-local`` input shows."""
    return as_utc(value).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


class MeetingForm(FlaskForm):
    kind = SelectField(_l("Kind of meeting"), choices=[])
    group_id = SelectField(_l("Party group"), coerce=int, choices=[], default=0)
    title = StringField(
        _l("Topic"), validators=[DataRequired(_l("Enter the topic.")), Length(max=200)]
    )
    planned_at = DateTimeLocalField(
        _l("Date and time"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Choose the date and time."))],
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    host_name = StringField(_l("Host"), validators=[Optional(), Length(max=64)])
    recorder_name = StringField(_l("Recorder"), validators=[Optional(), Length(max=64)])
    lecturer_name = StringField(
        _l("Lecturer"),
        validators=[Optional(), Length(max=64)],
        description=_l("For a Party lesson."),
    )
    invitees = StringField(
        _l("Attending as guests"),
        validators=[Optional(), Length(max=500)],
        description=_l("People who are not members of the branch, if any."),
    )
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=20_000)])
    plan_id = SelectField(
        _l("Study plan"),
        coerce=int,
        choices=[],
        default=0,
        description=_l("A Party lesson or general meeting may show the plan's study as evidence."),
    )


class RecordForm(FlaskForm):
    started_at = DateTimeLocalField(
        _l("Started at"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Enter when the meeting started."))],
    )
    ended_at = DateTimeLocalField(_l("Ended at"), format=DATETIME_FORMAT, validators=[Optional()])
    minutes_markdown = TextAreaField(
        _l("Minutes"),
        validators=[Optional(), Length(max=100_000)],
        description=_l("What was said and done. **bold**, - list item, # heading."),
    )
    decisions = TextAreaField(_l("Decisions"), validators=[Optional(), Length(max=20_000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=500)]
    )


class LeaveForm(FlaskForm):
    reason = StringField(
        _l("Reason for leave"),
        validators=[DataRequired(_l("Give the reason for the leave.")), Length(max=300)],
    )


class DecideLeaveForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(["approve", "reject"])])


class MarkForm(FlaskForm):
    status = SelectField(
        _l("Attendance"),
        choices=[SelectChoice(s.value, label) for s, label in ATTENDANCE_LABELS.items()],
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("Photo or PDF"), validators=[FileRequired(_l("Choose a photo or a PDF file."))]
    )


class CheckinForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF token only)."""

    value = HiddenField()


# Compliance and imports ------------------------------------------------------------------

EVERY_LABELS = {
    Every.MONTH: _l("Every month"),
    Every.QUARTER: _l("Every quarter"),
    Every.YEAR: _l("Every year"),
    Every.NONE: _l("Not required"),
}


class KindFrequencyForm(Form):
    """How often one kind is required (a subform: the page's form carries the CSRF token)."""

    every = SelectField(
        _l("How often"),
        choices=[SelectChoice(every.value, label) for every, label in EVERY_LABELS.items()],
    )
    minimum = IntegerField(
        _l("Times"),
        default=1,
        validators=[
            InputRequired(_l("Give a number.")),
            NumberRange(1, 10, _l("Between 1 and 10 times.")),
        ],
    )


class FrequenciesForm(FlaskForm):
    """One subform per kind, named after the kind's code."""

    committee_meeting = FormField(KindFrequencyForm)
    group_meeting = FormField(KindFrequencyForm)
    general_meeting = FormField(KindFrequencyForm)
    lesson = FormField(KindFrequencyForm)
    theme_day = FormField(KindFrequencyForm)
    org_life = FormField(KindFrequencyForm)
    democratic_review = FormField(KindFrequencyForm)


class MeetingImportForm(FlaskForm):
    file = FileField(
        _l("File of past meetings"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx"], _l("Upload the filled-in template (.xlsx).")),
        ],
        render_kw={"accept": ".xlsx"},
    )


class MakeupAssignForm(FlaskForm):
    """补学 for those who missed the meeting: a deadline and, optionally, a test."""

    due_at = DateTimeLocalField(
        _l("补学 deadline"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Choose the date and time."))],
    )
    quiz_id = SelectField(_l("Short test (optional)"), coerce=int, choices=[], default=0)


# 民主评议 ratings ---------------------------------------------------------------------

RATING_LABELS = {
    Rating.EXCELLENT: _l("Excellent"),
    Rating.QUALIFIED: _l("Qualified"),
    Rating.BASICALLY_QUALIFIED: _l("Basically qualified"),
    Rating.UNQUALIFIED: _l("Unqualified"),
}


class MemberRatingForm(Form):
    """One member's rating and the optional vote counts (a subform)."""

    rating = SelectField(
        _l("Rating"),
        default="",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(r.value, label) for r, label in RATING_LABELS.items()],
    )
    excellent = IntegerField(_l("Votes: excellent"), validators=[Optional(), NumberRange(0)])
    qualified = IntegerField(_l("Votes: qualified"), validators=[Optional(), NumberRange(0)])
    basically_qualified = IntegerField(
        _l("Votes: basically qualified"), validators=[Optional(), NumberRange(0)]
    )
    unqualified = IntegerField(_l("Votes: unqualified"), validators=[Optional(), NumberRange(0)])
