"""Forms of the daily quiz and the mistake book (shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from studyhub.quizzes.forms.bank import MultiCheckboxField

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
