"""Readings forms: shape only; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from studyhub.readings.services.library import ReadingStatus

STATUS_LABELS = {
    ReadingStatus.DRAFT: _l("Draft"),
    ReadingStatus.SCHEDULED: _l("Scheduled"),
    ReadingStatus.PUBLISHED: _l("Published"),
    ReadingStatus.UNPUBLISHED: _l("Unpublished"),
}
IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp"]
BODY_MAX = 100_000


class ReadingForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    column_id = SelectField(_l("Column"), coerce=int, choices=[], default=0)
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=300)],
        description=_l("Separate tags with commas or 、."),
    )
    author = StringField(_l("Author"), validators=[Optional(), Length(max=100)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=300)],
        description=_l("Shown in lists; the start of the text when left empty."),
    )
    media_url = StringField(
        _l("Audio or video link"),
        validators=[Optional(), Length(max=500)],
        description=_l("Optional. A link starting with https://."),
    )
    media_kind = SelectField(
        _l("Audio-visual study"),
        choices=[
            SelectChoice("", _l("No: a link only")),
            SelectChoice("video", _l("Video")),
            SelectChoice("audio", _l("Audio")),
        ],
        default="",
        description=_l("Played in the page; studied once played for 80 percent of its length."),
    )
    media_seconds = IntegerField(
        _l("Length in seconds"), validators=[Optional(), NumberRange(min=1, max=4 * 3600)]
    )
    cover_upload_id = SelectField(_l("Cover image"), coerce=int, choices=[], default=0)
    body_markdown = TextAreaField(
        _l("Text (Markdown)"),
        validators=[DataRequired(_l("Enter the text.")), Length(max=BODY_MAX)],
        description=_l("# heading, **bold**, - list item, | table |, ![caption](image link)."),
    )
    save = SubmitField(_l("Save"))
    preview = SubmitField(_l("Preview"))


class PreviewForm(FlaskForm):
    """The live preview's request: the Markdown being written."""

    body_markdown = TextAreaField(validators=[Optional(), Length(max=BODY_MAX)])


class ScheduleForm(FlaskForm):
    day = DateField(_l("Reading of the day on"), validators=[DataRequired(_l("Choose a date."))])


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF token only)."""

    value = HiddenField()


class ColumnForm(FlaskForm):
    name = StringField(
        _l("Column name"), validators=[DataRequired(_l("Enter a name.")), Length(max=50)]
    )
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])


class UploadForm(FlaskForm):
    file = FileField(
        _l("Image"),
        validators=[
            FileRequired(_l("Choose an image.")),
            FileAllowed(IMAGE_EXTENSIONS, _l("Upload a PNG, JPEG, GIF or WebP image.")),
        ],
        render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
    )


class LibraryFilterForm(FlaskForm):
    """The library list's search and filters (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    column = SelectField(_l("Column"), coerce=int, choices=[], default=0)
    tag = SelectField(_l("Tag"), coerce=int, choices=[], default=0)
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
        default="",
    )


class HistoryForm(FlaskForm):
    month = IntegerField(
        _l("Month"), validators=[DataRequired(_l("Enter the month.")), NumberRange(1, 12)]
    )
    day = IntegerField(
        _l("Day"), validators=[DataRequired(_l("Enter the day.")), NumberRange(1, 31)]
    )
    year = IntegerField(_l("Year"), validators=[DataRequired(_l("Enter the year."))])
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    text = TextAreaField(_l("Text"), validators=[Optional(), Length(max=2000)])


class HistoryImportForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx", "csv"], _l("Import an .xlsx or .csv file.")),
        ],
    )


class StudyRemindForm(FlaskForm):
    """Remind one member (``member_id``) or, without it, everyone who has not studied today."""

    member_id = IntegerField(widget=HiddenInput(), validators=[Optional()])


class BranchReadingForm(FlaskForm):
    """A reading a branch's editor writes (支部发稿)."""

    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    source = StringField(_l("Source"), validators=[Optional(), Length(max=200)])
    body_markdown = TextAreaField(
        _l("Text"), validators=[DataRequired(_l("Enter the text.")), Length(max=BODY_MAX)]
    )
    audience = SelectField(
        _l("For"),
        choices=[
            SelectChoice("branch", _l("Our branch's members (published now)")),
            SelectChoice("committee", _l("The committee's channel (after review)")),
        ],
        default="committee",
    )
    # The member on duty on the rota across branches: the day's 党史今天 entry (optional).
    history_year = IntegerField(_l("Year of the event"), validators=[Optional()])
    history_title = StringField(_l("党史今天: title"), validators=[Optional(), Length(max=200)])
    history_text = TextAreaField(_l("党史今天: text"), validators=[Optional(), Length(max=2000)])


class ReturnReadingForm(FlaskForm):
    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("Say why it goes back.")), Length(max=300)]
    )


class AttachmentForm(FlaskForm):
    """A PDF for a reading (its type is checked again from the bytes)."""

    file = FileField(
        _l("PDF file"),
        validators=[
            FileRequired(_l("Choose a PDF file.")),
            FileAllowed(["pdf"], _l("Attach a PDF file.")),
        ],
        render_kw={"accept": "application/pdf"},
    )


class FavouriteForm(FlaskForm):
    """The star on a reading: ``starred`` 1 to keep it, 0 to drop it."""

    starred = IntegerField(widget=HiddenInput(), validators=[NumberRange(0, 1)])
