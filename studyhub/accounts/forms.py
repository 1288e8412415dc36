"""Forms for logging in and changing passwords (shape only; rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, EqualTo, Length

# The fields two forms share, made anew in each form's class body (so each form keeps its
# fields' order).


def _identifier_field() -> UnboundField:
    return StringField(
        _l("Phone or member number"),
        validators=[DataRequired(_l("Enter your phone number or member number.")), Length(max=32)],
    )


def _new_password_field() -> UnboundField:
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=128)],
    )


def _confirm_password_field() -> UnboundField:
    """The new password again, equal to the form's ``new`` field."""
    return PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the new password again.")),
            EqualTo("new", _l("The two new passwords differ.")),
        ],
    )


class LoginForm(FlaskForm):
    identifier = _identifier_field()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=128)]
    )
    remember = BooleanField(_l("Keep me logged in on this device"), default=True)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new = _new_password_field()
    confirm = _confirm_password_field()


class ActivationForm(FlaskForm):
    """Activate an account (or reset a forgotten password) with a code from the secretary."""

    identifier = _identifier_field()
    code = StringField(
        _l("Activation code"),
        validators=[
            DataRequired(_l("Enter the activation code from your slip.")),
            Length(max=16),
        ],
    )
    new = _new_password_field()
    confirm = _confirm_password_field()
    # Unchecked by default: an account is often activated on the secretary's PC.
    remember = BooleanField(_l("Keep me logged in on this device"), default=False)


class LanguageForm(FlaskForm):
    """The language switch: each language is a button named ``locale``."""

    locale = StringField(validators=[DataRequired(), Length(max=8)])
