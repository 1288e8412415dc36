"""Forms for logging in and changing passwords (shape only; rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("Phone or member number"),
        validators=[DataRequired(_l("Enter your phone number or member number.")), Length(max=32)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=128)]
    )
    remember = BooleanField(_l("Keep me logged in on this device"), default=True)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=128)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the new password again.")),
            EqualTo("new", _l("The two new passwords differ.")),
        ],
    )


class ActivationForm(FlaskForm):
    """Activate an account (or reset a forgotten password) with a code from the secretary."""

    identifier = StringField(
        _l("Phone or member number"),
        validators=[DataRequired(_l("Enter your phone number or member number.")), Length(max=32)],
    )
    code = StringField(
        _l("Activation code"),
        validators=[
            DataRequired(_l("Enter the activation code from your slip.")),
            Length(max=16),
        ],
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=128)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the new password again.")),
            EqualTo("new", _l("The two new passwords differ.")),
        ],
    )
    # Unchecked by default: an account is often activated on the secretary's PC.
    remember = BooleanField(_l("Keep me logged in on this device"), default=False)
