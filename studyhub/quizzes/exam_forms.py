"""Forms of the after-the-exam pages: overrides, regrading, essay marking."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from studyhub.quizzes.forms import LOCAL_FORMATS, _to_utc
from studyhub.quizzes.services.overrides import OverrideFields


class OverrideForm(FlaskForm):
    """An exception for a member (by phone, member number or name) or a unit; times local."""

    member = StringField(
        _l("Member"),
        validators=[Optional(), Length(max=64)],
        description=_l("Phone, member number or full name. Leave empty to choose a unit."),
    )
    unit_id = SelectField(_l("Or a unit"), coerce=int, choices=[], default=0)
    attempts_allowed = IntegerField(
        _l("Attempts allowed"),
        validators=[Optional(), NumberRange(min=0, max=100)],
        description=_l("0: any number. Empty: as the quiz."),
    )
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"),
        validators=[Optional(), NumberRange(min=0, max=1440)],
        description=_l("0: no limit. Empty: as the quiz."),
    )
    opens_at = DateTimeLocalField(_l("Opens"), format=LOCAL_FORMATS, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes"), format=LOCAL_FORMATS, validators=[Optional()])

    def to_fields(self, timezone: str) -> OverrideFields:
        minutes = self.time_limit_minutes.data
        return OverrideFields(
            attempts_allowed=self.attempts_allowed.data,
            time_limit_seconds=minutes * 60 if minutes is not None else None,
            opens_at=_to_utc(self.opens_at.data, timezone),
            closes_at=_to_utc(self.closes_at.data, timezone),
        )


class MarkForm(FlaskForm):
    """An essay's marks: one field per rubric criterion (``criterion_<n>``) or a total."""

    total = DecimalField(_l("Points"), places=2, validators=[Optional(), NumberRange(min=0)])
    feedback = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
