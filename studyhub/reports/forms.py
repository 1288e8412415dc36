"""Forms of the score pages: settings, adjustments, overrides, closing and reopening."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from studyhub.reports import scoring

RATING_LABELS = {
    scoring.Rating.EXCELLENT: _l("Excellent"),
    scoring.Rating.QUALIFIED: _l("Qualified"),
    scoring.Rating.BASIC: _l("Basically qualified"),
    scoring.Rating.UNQUALIFIED: _l("Unqualified"),
}
DIMENSION_LABELS = {
    scoring.READING: _l("Reading completion"),
    scoring.TEST: _l("Study-plan test"),
    scoring.DAILY_QUIZ: _l("Daily quiz"),
    scoring.ATTENDANCE: _l("Meeting attendance"),
}


def _weight(label: object) -> DecimalField:
    return DecimalField(
        label,
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "decimal"},
    )


def _threshold(label: object) -> DecimalField:
    return DecimalField(
        label,
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "decimal"},
    )


class SettingsForm(FlaskForm):
    reading_weight = _weight(DIMENSION_LABELS[scoring.READING])
    reading_active = BooleanField(_l("Counts"))
    test_weight = _weight(DIMENSION_LABELS[scoring.TEST])
    test_active = BooleanField(_l("Counts"))
    daily_quiz_weight = _weight(DIMENSION_LABELS[scoring.DAILY_QUIZ])
    daily_quiz_active = BooleanField(_l("Counts"))
    attendance_weight = _weight(DIMENSION_LABELS[scoring.ATTENDANCE])
    attendance_active = BooleanField(_l("Counts"))
    excellent = _threshold(_l("Excellent from"))
    qualified = _threshold(_l("Qualified from"))
    basic = _threshold(_l("Basically qualified from"))
    adjustment_cap = DecimalField(
        _l("Adjustment cap (points either way)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "decimal"},
    )


class AdjustmentForm(FlaskForm):
    member_id = SelectField(_l("Member"), choices=[], coerce=int, validators=[DataRequired()])
    points = DecimalField(
        _l("Points (negative for a deduction)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=-100, max=100)],
        render_kw={"inputmode": "decimal"},
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""

    next = HiddenField()


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Why reopen the quarter?"), validators=[DataRequired(), Length(max=300)]
    )


class OverrideForm(FlaskForm):
    rating = SelectField(
        _l("Rating"),
        choices=[SelectChoice(rating.value, label) for rating, label in RATING_LABELS.items()],
        validators=[DataRequired()],
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


# Dashboards (P-dash) ---------------------------------------------------------------------------


class RemindForm(FlaskForm):
    """Remind one member (``user_id``) or, without it, everyone not done with the plan."""

    plan_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    user_id = IntegerField(widget=HiddenInput(), validators=[Optional()])


class AuditFilterForm(FlaskForm):
    """The audit log's filters, read from the query string (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()])
    person = StringField(
        _l("Person"),
        validators=[Optional(), Length(max=100)],
        description=_l("Name, phone or member number of who acted"),
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


def _measure_weight(label: object) -> DecimalField:
    return DecimalField(label, places=0, default=0, validators=[Optional(), NumberRange(0, 100)])


class CompetitionForm(FlaskForm):
    """A 比学习 competition: title, period, branches, the measures' weights, names shown."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired()])
    branches = SelectMultipleField(_l("Branches taking part"), coerce=int)
    completion_weight = _measure_weight(_l("Study completion"))
    test_weight = _measure_weight(_l("Average test score"))
    daily_quiz_weight = _measure_weight(_l("Daily quiz participation"))
    compliance_weight = _measure_weight(_l("Meeting compliance"))
    dimension = SelectField(_l("Committee dimension"), choices=[], validate_choice=False)
    dimension_weight = _measure_weight(_l("Weight of the committee dimension"))
    show_names = BooleanField(_l("Branches see each other's names"), default=True)


class DimensionForm(FlaskForm):
    """A committee's own score dimension."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    scheme = StringField(_l("Scheme"), default="quarterly", validators=[Length(max=64)])
    weight = DecimalField(_l("Weight"), places=0, validators=[InputRequired(), NumberRange(1, 100)])
    source = SelectField(
        _l("Value"),
        choices=[
            SelectChoice("entered", _l("Entered per member")),
            SelectChoice("imported", _l("Imported from XLSX")),
            SelectChoice("computed", _l("Computed from member data")),
            SelectChoice("rating", _l("民主评议 rating")),
        ],
    )
    computed_from = SelectField(
        _l("Computed from"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice("membership_years", _l("Years of membership")),
            SelectChoice("age", _l("Age")),
        ],
    )
    mapping = SelectField(
        _l("Points"),
        choices=[
            SelectChoice("scale", _l("Value out of a maximum")),
            SelectChoice("bands", _l("Bands")),
            SelectChoice("table", _l("Rating table")),
        ],
    )
    out_of = DecimalField(_l("Maximum"), default=100, validators=[Optional(), NumberRange(1)])
    bands = StringField(
        _l("Bands (from:points, …)"), default="0:60, 30:80, 40:100", validators=[Length(max=200)]
    )
    quarters = StringField(_l("Quarters (empty: all)"), validators=[Length(max=20)])


class DimensionEditForm(FlaskForm):
    """What can change of a committee dimension (not its scheme nor how its value is
    obtained: the values kept depend on them)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    weight = DecimalField(_l("Weight"), places=0, validators=[InputRequired(), NumberRange(1, 100)])
    mapping = DimensionForm.mapping
    out_of = DecimalField(_l("Maximum"), default=100, validators=[Optional(), NumberRange(1)])
    bands = StringField(_l("Bands (from:points, …)"), validators=[Length(max=200)])
    quarters = StringField(_l("Quarters (empty: all)"), validators=[Length(max=20)])


class DimensionImportForm(FlaskForm):
    file = FileField(
        _l("File of values"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx"], _l("Upload an .xlsx workbook (党员编号, 姓名, 值).")),
        ],
        render_kw={"accept": ".xlsx"},
    )
