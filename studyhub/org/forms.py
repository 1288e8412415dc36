"""Roster forms: shape only; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from studyhub.org.models import MemberStatus, Role, UnitKind

STATUS_CHOICES = [
    (MemberStatus.FULL.value, _l("Full member")),
    (MemberStatus.PROBATIONARY.value, _l("Probationary member")),
]

UNIT_KIND_LABELS = {
    UnitKind.COMMITTEE: _l("Committee"),
    UnitKind.GENERAL_BRANCH: _l("General branch"),
    UnitKind.BRANCH: _l("Branch"),
    UnitKind.GROUP: _l("Party group"),
}

ROLE_LABELS = {
    Role.SECRETARY: _l("Secretary"),
    Role.BRANCH_COMMITTEE: _l("Branch committee member"),
    Role.STAFF: _l("Committee staff"),
    Role.ADMIN: _l("Administrator"),
    Role.GROUP_LEADER: _l("Group leader"),
    Role.BRANCH_EDITOR: _l("Branch editor"),
}


class UnitForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=100)])


class RenameForm(FlaskForm):
    name = StringField(
        _l("New name"), validators=[DataRequired(_l("Enter a name.")), Length(max=100)]
    )


class MemberForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter a name.")), Length(max=100)]
    )
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=20)])
    member_no = StringField(_l("Member number"), validators=[Optional(), Length(max=32)])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(value, label) for value, label in STATUS_CHOICES],
        default=MemberStatus.FULL.value,
    )
    joined_on = DateField(_l("Joined the Party on"), validators=[Optional()])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=64)])
    group_id = SelectField(_l("Party group"), choices=[], coerce=int, default=0)


class MoveForm(FlaskForm):
    target = SelectField(_l("Move to"), choices=[], validators=[DataRequired()])


class AppointForm(FlaskForm):
    member_id = SelectField(_l("Member"), choices=[], coerce=int)
    role = SelectField(_l("Role"), choices=[])


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF token only)."""

    value = HiddenField()


class ImportForm(FlaskForm):
    file = FileField(
        _l("Roster file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx", "csv"], _l("The roster must be an .xlsx or .csv file.")),
        ],
        render_kw={"accept": ".xlsx,.csv"},
    )


class SlipsForm(FlaskForm):
    """Print a branch's activation slips: new members only, or everyone."""

    everyone = BooleanField(
        _l("Also members who have activated (they keep their password unless they use the code)")
    )


class EraseForm(FlaskForm):
    """Confirming the erasure of a departed member's personal data: their name, typed."""

    typed_name = StringField(
        _l("Type the member's name to confirm"),
        validators=[DataRequired(_l("Type the member's name.")), Length(max=64)],
    )
    understood = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
