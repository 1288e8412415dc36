"""Forms of quizzes and attempts (shape only; the services check the rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from studyhub.core.clock import as_utc
from studyhub.quizzes.forms.bank import QTYPE_LABELS
from studyhub.quizzes.models import (
    GradingMethod,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services.quizzes import QuizFields

# Quizzes and attempts (Q-attempt) ---------------------------------------------------------

MODE_LABELS = {
    QuizMode.EXAM: _l("Exam"),
    QuizMode.PRACTICE: _l("Practice"),
    QuizMode.DAILY: _l("Daily quiz"),
}
GRADING_LABELS = {
    GradingMethod.HIGHEST: _l("Highest attempt"),
    GradingMethod.FIRST: _l("First attempt"),
    GradingMethod.LAST: _l("Last attempt"),
    GradingMethod.AVERAGE: _l("Average of attempts"),
}
TIMING_LABELS = {
    ReviewTiming.IMMEDIATELY: _l("Right after submitting"),
    ReviewTiming.AFTER_CLOSE: _l("After the quiz closes"),
    ReviewTiming.NEVER: _l("Never"),
}
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
REVIEW_FIELDS = ("review_score", "review_correctness", "review_answers", "review_explanations")


def _to_utc(value: datetime | None, timezone: str) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _to_local(value: datetime | None, timezone: str) -> datetime | None:
    if value is None:
        return None
    return as_utc(value).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _timing_field(label: Any, default: ReviewTiming) -> SelectField:
    return SelectField(
        label,
        choices=[SelectChoice(t.value, text) for t, text in TIMING_LABELS.items()],
        default=default.value,
    )


class QuizForm(FlaskForm):
    """A quiz's settings; times are the committee's local times."""

    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    instructions = TextAreaField(
        _l("Instructions"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Shown to members before they start."),
    )
    mode = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(m.value, label) for m, label in MODE_LABELS.items() if m != QuizMode.DAILY
        ],
        default=QuizMode.EXAM.value,
        description=_l("Practice: instant feedback on each question, unlimited, not graded."),
    )
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=1440)],
        description=_l("Leave empty for no time limit."),
    )
    opens_at = DateTimeLocalField(_l("Opens"), format=LOCAL_FORMATS, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes"), format=LOCAL_FORMATS, validators=[Optional()])
    attempts_allowed = IntegerField(
        _l("Attempts allowed"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        default=1,
        description=_l("Leave empty for any number."),
    )
    grading_method = SelectField(
        _l("Grade from"),
        choices=[SelectChoice(m.value, label) for m, label in GRADING_LABELS.items()],
        default=GradingMethod.HIGHEST.value,
    )
    pass_percent = DecimalField(
        _l("Pass mark (%)"),
        places=0,
        default=Decimal(60),
        validators=[
            DataRequired(_l("Enter the pass mark.")),
            NumberRange(min=0, max=100, message=_l("A percentage from 0 to 100.")),
        ],
    )
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_options = BooleanField(_l("Shuffle the options of choice questions"))
    multiple_partial_credit = BooleanField(
        _l("Partial credit for multiple choice (otherwise all or nothing)")
    )
    review_score = _timing_field(_l("Members see their score"), ReviewTiming.IMMEDIATELY)
    review_correctness = _timing_field(_l("…which answers were right"), ReviewTiming.AFTER_CLOSE)
    review_answers = _timing_field(_l("…the correct answers"), ReviewTiming.AFTER_CLOSE)
    review_explanations = _timing_field(_l("…the explanations"), ReviewTiming.AFTER_CLOSE)

    def to_fields(self, timezone: str) -> QuizFields:
        minutes = self.time_limit_minutes.data
        return QuizFields(
            title=self.title.data or "",
            instructions=self.instructions.data or "",
            mode=QuizMode(self.mode.data),
            time_limit_seconds=minutes * 60 if minutes else None,
            opens_at=_to_utc(self.opens_at.data, timezone),
            closes_at=_to_utc(self.closes_at.data, timezone),
            attempts_allowed=self.attempts_allowed.data or None,
            grading_method=GradingMethod(self.grading_method.data),
            pass_percent=Decimal(self.pass_percent.data or 0),
            shuffle_questions=self.shuffle_questions.data,
            shuffle_options=self.shuffle_options.data,
            multiple_partial_credit=self.multiple_partial_credit.data,
            **{name: ReviewTiming(self[name].data) for name in REVIEW_FIELDS},
        )

    def fill(self, fields: QuizFields, timezone: str) -> None:
        """Show a quiz's settings (for editing)."""
        self.title.data = fields.title
        self.instructions.data = fields.instructions
        self.mode.data = fields.mode.value
        limit = fields.time_limit_seconds
        self.time_limit_minutes.data = max(1, round(limit / 60)) if limit else None
        self.opens_at.data = _to_local(fields.opens_at, timezone)
        self.closes_at.data = _to_local(fields.closes_at, timezone)
        self.attempts_allowed.data = fields.attempts_allowed
        self.grading_method.data = fields.grading_method.value
        self.pass_percent.data = fields.pass_percent
        self.shuffle_questions.data = fields.shuffle_questions
        self.shuffle_options.data = fields.shuffle_options
        self.multiple_partial_credit.data = fields.multiple_partial_credit
        for name in REVIEW_FIELDS:
            self[name].data = getattr(fields, name).value


class QuestionSlotForm(FlaskForm):
    """Fixed questions by number (as the bank's list shows them)."""

    question_ids = StringField(
        _l("Question numbers"),
        validators=[DataRequired(_l("Enter one or more question numbers.")), Length(max=500)],
        description=_l("Separate numbers with commas or spaces, e.g. 12, 15, 18."),
    )
    points = DecimalField(
        _l("Points each"),
        places=2,
        default=Decimal(1),
        validators=[DataRequired(_l("Enter the points.")), NumberRange(min=0.01, max=1000)],
    )

    def ids(self) -> list[int] | None:
        """The numbers typed, in order without repeats; ``None`` if something is not a number."""
        parts = (self.question_ids.data or "").replace("，", ",").replace(",", " ").split()
        if not parts or not all(part.isdigit() for part in parts):
            return None
        return list(dict.fromkeys(int(part) for part in parts))


class RuleSlotForm(FlaskForm):
    """A random rule: ``source`` is ``<bank id>:<category id>``, category 0 for the whole bank."""

    source = SelectField(_l("Draw from"), choices=[], validators=[DataRequired()])
    include_subcategories = BooleanField(_l("Include subcategories"), default=True)
    qtype = SelectField(
        _l("Type"),
        choices=[
            SelectChoice("", _l("Any type")),
            *(SelectChoice(t.value, label) for t, label in QTYPE_LABELS.items()),
        ],
        default="",
    )
    count = IntegerField(
        _l("How many questions"),
        default=5,
        validators=[DataRequired(_l("Enter how many.")), NumberRange(min=1, max=200)],
    )
    points = DecimalField(
        _l("Points each"),
        places=2,
        default=Decimal(1),
        validators=[DataRequired(_l("Enter the points.")), NumberRange(min=0.01, max=1000)],
    )

    def bank_and_category(self) -> tuple[int, int | None]:
        bank, _, category = (self.source.data or "").partition(":")
        return int(bank or 0), int(category or 0) or None


class AssignForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=int, choices=[], validators=[DataRequired()])


class AttemptPostForm(FlaskForm):
    """Posts on an attempt: checked by the attempt's own token, not the session's CSRF token."""

    class Meta:
        csrf = False

    attempt_token = HiddenField()


class SubmitForm(AttemptPostForm):
    """The submit button, or the page's script when the countdown reaches zero."""

    timed_out = HiddenField()


class AnswerForm(AttemptPostForm):
    """One question's screen posted without JavaScript; the answer itself is ``response``."""

    position = IntegerField(validators=[DataRequired()])
    seq = IntegerField(validators=[Optional()])
    flagged = BooleanField()
    go = HiddenField()
