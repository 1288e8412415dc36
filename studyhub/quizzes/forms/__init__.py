"""Quiz forms: shape only; the services check the rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from studyhub.core.clock import as_utc
from studyhub.quizzes.importers.model import KEYS
from studyhub.quizzes.models import (
    GradingMethod,
    MatchRule,
    QuestionType,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services.bank import QuestionFields, split_tags
from studyhub.quizzes.services.quizzes import QuizFields

# Banks, categories, questions, import and export (Q-bank) --------------------------------

QTYPE_LABELS = {
    QuestionType.SINGLE: _l("Single choice"),
    QuestionType.MULTIPLE: _l("Multiple choice"),
    QuestionType.TRUEFALSE: _l("True/false"),
    QuestionType.FILLIN: _l("Fill-in"),
    QuestionType.ESSAY: _l("Essay"),
}
#: Names of the question types files may hold that a bank does not (listed as skipped).
OTHER_TYPE_LABELS = {
    "description": _l("Description (no question)"),
    "matching": _l("Matching"),
    "numerical": _l("Numerical"),
    "cloze": _l("Cloze (embedded answers)"),
    "calculated": _l("Calculated"),
    "calculatedsimple": _l("Calculated"),
    "calculatedmulti": _l("Calculated"),
    "ddwtos": _l("Drag and drop"),
    "gapselect": _l("Select missing words"),
    "randomsamatch": _l("Random matching"),
    "unknown": _l("Unknown"),
}
MATCH_RULE_LABELS = {
    MatchRule.TRAILING_PUNCTUATION: _l("Ignore punctuation at the end (。，、)"),
    MatchRule.SEPARATORS: _l("Treat 、，,；; as the same separator"),
    MatchRule.QUOTES: _l("《》 and quotation marks may be left out"),
    MatchRule.SPACES: _l("Ignore spaces inside Chinese text"),
}
DIFFICULTY_LABELS = {
    1: _l("1 – very easy"),
    2: _l("2 – easy"),
    3: _l("3 – medium"),
    4: _l("4 – hard"),
    5: _l("5 – very hard"),
}
FORMAT_LABELS = {
    "auto": _l("Detect from the file"),
    "xlsx": _l("XLSX template"),
    "csv": _l("CSV (the template's columns)"),
    "gift": "GIFT",
    "aiken": "Aiken",
    "moodle-xml": "Moodle XML",
}
IMPORT_EXTENSIONS = ("xlsx", "xlsm", "csv", "txt", "gift", "xml", "aiken")
_RUBRIC_LINE = re.compile(r"^(?P<criterion>.*?)\s*[:：]\s*(?P<points>[^:：]*?)\s*分?$")
STEM_MAX = 20_000
OPTION_MAX = 2_000


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _rule_choices() -> list[SelectChoice]:
    return [SelectChoice(rule.value, label) for rule, label in MATCH_RULE_LABELS.items()]


class BankForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the bank's name.")), Length(max=100)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    match_rules = MultiCheckboxField(
        _l("Fill-in matching for new questions"),
        choices=[],
        validators=[Optional()],
        description=_l("The default of each new fill-in question; each question can change it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.match_rules.choices = _rule_choices()


class CategoryForm(FlaskForm):
    path = StringField(
        _l("New category"),
        validators=[DataRequired(_l("Enter the category's name.")), Length(max=500)],
        description=_l(
            "Separate levels with /, e.g. 党史/新民主主义革命时期; missing levels are created."
        ),
    )


class RenameCategoryForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the category's name.")), Length(max=100)]
    )


class MoveCategoryForm(FlaskForm):
    parent_id = SelectField(_l("Move under"), coerce=int, choices=[], default=0)


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""


class QuestionFilterForm(FlaskForm):
    """The search and filters of a bank's question list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), coerce=int, choices=[], default=0)
    qtype = SelectField(
        _l("Type"),
        choices=[
            SelectChoice("", _l("All types")),
            *(SelectChoice(t.value, label) for t, label in QTYPE_LABELS.items()),
        ],
        default="",
    )
    tag = SelectField(_l("Tag"), choices=[], default="")
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=int,
        choices=[
            SelectChoice(0, _l("Any difficulty")),
            *(SelectChoice(n, label) for n, label in DIFFICULTY_LABELS.items()),
        ],
        default=0,
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("live", _l("In use")),
            SelectChoice("retired", _l("Retired")),
            SelectChoice("all", _l("All")),
        ],
        default="live",
    )


class QuestionForm(FlaskForm):
    """A question: the fields of every type; the page shows those of the chosen type."""

    qtype = RadioField(
        _l("Type"),
        choices=[SelectChoice(t.value, label) for t, label in QTYPE_LABELS.items()],
        default=QuestionType.SINGLE.value,
        validators=[DataRequired(_l("Choose the type."))],
    )
    title = StringField(
        _l("Short title"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional; shown in the bank's list, never to members."),
    )
    text_format = SelectField(
        _l("Written in"),
        choices=[SelectChoice("markdown", _l("Markdown")), SelectChoice("html", _l("HTML"))],
        default="markdown",
    )
    stem = TextAreaField(
        _l("Question"),
        validators=[DataRequired(_l("Enter the question.")), Length(max=STEM_MAX)],
        description=_l("Fill-in: mark each blank with ____ (three or more underscores) or （ ）."),
    )
    option_a = StringField(_l("Option A"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_b = StringField(_l("Option B"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_c = StringField(_l("Option C"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_d = StringField(_l("Option D"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_e = StringField(_l("Option E"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_f = StringField(_l("Option F"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_g = StringField(_l("Option G"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_h = StringField(_l("Option H"), validators=[Optional(), Length(max=OPTION_MAX)])
    single_answer = RadioField(
        _l("Right option"), choices=[SelectChoice(k, k) for k in KEYS], validators=[Optional()]
    )
    multiple_answer = MultiCheckboxField(
        _l("Right options"), choices=[SelectChoice(k, k) for k in KEYS], validators=[Optional()]
    )
    truefalse_answer = RadioField(
        _l("The statement is"),
        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
        validators=[Optional()],
    )
    fillin_answer = TextAreaField(
        _l("Accepted answers"),
        validators=[Optional(), Length(max=5000)],
        description=_l(
            "One line per blank, in order; several accepted answers for one blank "
            "separated by |, e.g. 中国共产党|中共."
        ),
    )
    model_answer = TextAreaField(
        _l("Model answer"),
        validators=[Optional(), Length(max=STEM_MAX)],
        description=_l("Optional; shown to markers, and to members when answers are shown."),
    )
    rubric = TextAreaField(
        _l("Rubric"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("Optional; one criterion per line with its points, e.g. 写出两项义务:2"),
    )
    match_rules = MultiCheckboxField(
        _l("Fair matching"),
        choices=[],
        validators=[Optional()],
        description=_l("How typed answers are compared with the accepted ones."),
    )
    explanation = TextAreaField(_l("Explanation"), validators=[Optional(), Length(max=STEM_MAX)])
    category_id = SelectField(_l("Category"), coerce=int, choices=[], default=0)
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=int,
        choices=[
            SelectChoice(0, _l("Not set")),
            *(SelectChoice(n, label) for n, label in DIFFICULTY_LABELS.items()),
        ],
        default=0,
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=300)],
        description=_l("Separate tags with commas or 、."),
    )

    OPTION_FIELDS = tuple(f"option_{key.lower()}" for key in KEYS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.match_rules.choices = _rule_choices()

    def rubric_rows(self) -> list[dict[str, object]]:
        """The rubric lines as rows; a line without points keeps them empty (an error later)."""
        rows: list[dict[str, object]] = []
        for line in (self.rubric.data or "").splitlines():
            if not line.strip():
                continue
            match = _RUBRIC_LINE.match(line.strip())
            if match is None:
                rows.append({"criterion": line.strip(), "points": None})
            else:
                rows.append({"criterion": match["criterion"], "points": match["points"] or None})
        return rows

    def option_fields(self) -> list:
        return [self[name] for name in self.OPTION_FIELDS]

    def to_fields(self) -> QuestionFields:
        """The typed values the service takes; only the chosen type's answer is read."""
        qtype = QuestionType(self.qtype.data)
        texts = [(f.data or "").strip() for f in self.option_fields()]
        while texts and not texts[-1]:
            texts.pop()
        answer: object
        if qtype == QuestionType.SINGLE:
            answer = self.single_answer.data or ""
        elif qtype == QuestionType.MULTIPLE:
            answer = list(self.multiple_answer.data or [])
        elif qtype == QuestionType.TRUEFALSE:
            answer = {"true": True, "false": False}.get(self.truefalse_answer.data or "")
        elif qtype == QuestionType.ESSAY:
            answer = None
        else:
            answer = [
                [text.strip() for text in line.split("|") if text.strip()]
                for line in (self.fillin_answer.data or "").splitlines()
                if line.strip()
            ]
        return QuestionFields(
            qtype=qtype,
            stem=self.stem.data or "",
            text_format="html" if self.text_format.data == "html" else "markdown",
            options=texts if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE) else (),
            answer=answer,
            explanation=self.explanation.data or "",
            title=self.title.data or None,
            category_id=self.category_id.data or None,
            difficulty=self.difficulty.data or None,
            tags=split_tags(self.tags.data),
            model_answer=self.model_answer.data or "" if qtype == QuestionType.ESSAY else "",
            rubric=self.rubric_rows() if qtype == QuestionType.ESSAY else (),
            match_rules=list(self.match_rules.data or []),
        )


class ImportForm(FlaskForm):
    file = FileField(_l("Question file"), validators=[FileRequired(_l("Choose a file."))])
    file_format = SelectField(
        _l("Format"),
        choices=[SelectChoice(k, label) for k, label in FORMAT_LABELS.items()],
        default="auto",
    )
    category = StringField(
        _l("Import into category"),
        validators=[Optional(), Length(max=500)],
        description=_l("Optional, e.g. 党史/导入; the file's own categories go below it."),
    )
    skip_invalid = BooleanField(_l("Skip invalid questions and import the others"))


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    filename = HiddenField()
    file_format = HiddenField()
    category = HiddenField()
    skip_invalid = HiddenField()
    confirm_warnings = BooleanField(
        _l("I have checked the warnings: import these questions as they are")
    )


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


# The daily quiz and the mistake book (Q-stats) ----------------------------------------------


class ReviewAnswerForm(FlaskForm):
    """A mistake-book answer; the answer itself is ``response``. ``reviews`` is the card's
    review count when the question was shown, so a repeated post counts once."""

    reviews = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)])


class DailySettingsForm(FlaskForm):
    banks = MultiCheckboxField(_l("Question banks"), coerce=int, choices=[])
    question_count = IntegerField(
        _l("Questions a day"), validators=[DataRequired(), NumberRange(min=1, max=20)]
    )
    points = IntegerField(
        _l("Points per right answer"), validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    daily_cap = IntegerField(
        _l("Most points a day"), validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
