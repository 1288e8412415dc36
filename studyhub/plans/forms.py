"""Plan forms: shape only; the services check the rules (dates, units, the test)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange

from studyhub.plans import queries
from studyhub.plans.services.plans import GUIDANCE_MAX, REASON_MAX, TITLE_MAX, PlanFields
from studyhub.web.ids import MAX_ID

QUARTER_CHOICES = [
    SelectChoice(1, _l("Q1 (January–March)")),
    SelectChoice(2, _l("Q2 (April–June)")),
    SelectChoice(3, _l("Q3 (July–September)")),
    SelectChoice(4, _l("Q4 (October–December)")),
]

TEST_LABELS = {
    queries.TEST_NONE: _l("No test"),
    queries.TEST_NOT_STARTED: _l("Not started"),
    queries.TEST_IN_PROGRESS: _l("In progress"),
    queries.TEST_PASSED: _l("Passed"),
    queries.TEST_FAILED: _l("Failed"),
}


class PlanForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter a title.")), Length(max=TITLE_MAX)],
        render_kw={"placeholder": "2026年第四季度主题学习"},
    )
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(_l("Enter the year.")), NumberRange(min=2000, max=2100)],
        render_kw={"inputmode": "numeric"},
    )
    quarter = SelectField(_l("Quarter"), choices=QUARTER_CHOICES, coerce=int)
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter a date."))])
    due_on = DateField(_l("Due on"), validators=[InputRequired(_l("Enter a date."))])
    guidance = TextAreaField(
        _l("Theme guidance (Markdown)"),
        validators=[Length(max=GUIDANCE_MAX)],
        render_kw={"rows": 10},
    )
    quiz_id = SelectField(_l("Test"), choices=[], coerce=int, default=0)

    def to_fields(self) -> PlanFields:
        return PlanFields(
            title=self.title.data or "",
            year=self.year.data,
            quarter=self.quarter.data,
            starts_on=self.starts_on.data,
            due_on=self.due_on.data,
            guidance_markdown=self.guidance.data or "",
            quiz_id=self.quiz_id.data or None,
        )

    def fill(self, fields: PlanFields) -> None:
        self.title.data = fields.title
        self.year.data = fields.year
        self.quarter.data = fields.quarter
        self.starts_on.data = fields.starts_on
        self.due_on.data = fields.due_on
        self.guidance.data = fields.guidance_markdown
        self.quiz_id.data = fields.quiz_id or 0


class MaterialForm(FlaskForm):
    reading_id = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class TargetsForm(FlaskForm):
    unit_ids = SelectMultipleField(_l("Units"), choices=[], coerce=int)


class BranchExtensionForm(FlaskForm):
    branch_id = SelectField(_l("Branch"), choices=[], coerce=int)
    due_on = DateField(_l("New due date"), validators=[InputRequired(_l("Enter a date."))])
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=REASON_MAX)],
    )


class MemberExtensionForm(FlaskForm):
    identifier = StringField(
        _l("Member (phone or member number)"),
        validators=[DataRequired(_l("Enter a phone or member number.")), Length(max=32)],
    )
    due_on = DateField(_l("New due date"), validators=[InputRequired(_l("Enter a date."))])
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=REASON_MAX)],
    )


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF token only)."""

    value = HiddenField()
