"""Forms of the inbox."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class MarkAllReadForm(FlaskForm):
    """The "mark all read" button: a CSRF token and nothing else."""


KIND_LABELS = {
    "daily_reading": _l("Today's reading is out"),
    "study_reminder": _l("My secretary reminds me to study"),
    "plan_published": _l("A new study plan"),
    "plan_reminder": _l("A study plan is due soon"),
    "meeting_invitation": _l("A meeting I should attend is scheduled"),
    "meeting_changed": _l("A meeting I should attend is moved or changed"),
    "meeting_cancelled": _l("A meeting I should attend is cancelled"),
    "meeting_reminder": _l("Reminders before a meeting starts"),
    "leave_decided": _l("My leave request is decided"),
    "record_returned": _l("A meeting record I wrote is returned (secretaries)"),
    "records_waiting": _l("Daily digest of records waiting for review (staff)"),
    "makeup_assigned": _l("补学 of a meeting I missed"),
}
CHANNEL_LABELS = {"inbox": _l("Inbox"), "email": _l("E-mail"), "sms": _l("SMS")}


def preferences_form(channels: list[str], current: dict[tuple[str, str], bool]) -> FlaskForm:
    """A checkbox per reminder kind and shown channel, ticked as the member chose."""

    class PreferencesForm(FlaskForm):
        pass

    for kind, label in KIND_LABELS.items():
        for channel in channels:
            setattr(
                PreferencesForm,
                f"{kind}__{channel}",
                BooleanField(
                    CHANNEL_LABELS[channel],
                    default=current.get((kind, channel), False),
                    description=label,
                ),
            )
    return PreferencesForm()
