"""Live lesson forms: shape only; the services check the rules.

Times are typed in the committee's local time and turned into UTC with
``meetings.forms.to_utc`` before they reach a service.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from studyhub.live.services.comments import MAX_CHARS
from studyhub.meetings.forms import DATETIME_FORMAT


class LessonForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=200)]
    )
    lecturer_name = StringField(_l("Lecturer"), validators=[Optional(), Length(max=64)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    starts_at = DateTimeLocalField(
        _l("Starts at"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Choose when the lesson starts."))],
    )
    planned_end_at = DateTimeLocalField(
        _l("Ends at"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Choose when the lesson ends."))],
    )
    branches = SelectMultipleField(_l("Invited branches"), coerce=int, choices=[])
    moderators = SelectMultipleField(
        _l("Moderators"),
        coerce=int,
        choices=[],
        description=_l("Members of the invited branches who may hide and pin comments."),
    )
    guests = SelectMultipleField(
        _l("Guest branches of other committees"), coerce=int, choices=[], validate_choice=False
    )
    guest_query = StringField(
        _l("Find a branch of another committee"),
        description=_l("Part of its name; then tick it in the list."),
        validators=[Optional(), Length(max=100)],
    )
    stream_url = StringField(
        _l("Stream address"),
        description=_l("The HLS (.m3u8) or MP4 address your streaming service gives."),
        validators=[Optional(), Length(max=500)],
    )
    video = FileField(
        _l("Or a recorded video"),
        validators=[FileAllowed(["mp4", "webm"], _l("Upload an MP4 or WebM video."))],
    )
    threshold_percent = IntegerField(
        _l("Share to watch for attendance (%)"),
        default=80,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    replay_url = StringField(_l("Replay address"), validators=[Optional(), Length(max=500)])
    makeup_until = DateTimeLocalField(
        _l("补学 by replay until"), format=DATETIME_FORMAT, validators=[Optional()]
    )


class ReplayForm(FlaskForm):
    replay_url = StringField(_l("Replay address"), validators=[Optional(), Length(max=500)])
    makeup_until = DateTimeLocalField(
        _l("补学 by replay until"), format=DATETIME_FORMAT, validators=[Optional()]
    )


class CommentForm(FlaskForm):
    body = StringField(
        _l("Comment"),
        validators=[DataRequired(_l("Write a comment first.")), Length(max=MAX_CHARS * 2)],
    )


class WatchForm(FlaskForm):
    """A watch-time report: the seconds watched since the last acknowledged one."""

    seconds = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=3600)])
    playing = IntegerField(default=0, validators=[Optional()])
    visible = IntegerField(default=0, validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A bare button: its CSRF token only."""
