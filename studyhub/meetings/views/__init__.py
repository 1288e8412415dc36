"""The meetings blueprint; each submodule adds the pages of one concern.

``lists`` (a member's and a branch's meetings, the review queue), ``records`` (plan,
the meeting and its record, review actions, the printed record), ``attachments``,
``checkin`` (check-in and its QR code, attendance, leave, the home panel),
``compliance`` (a branch's year, the committee's overview, required frequencies),
``register`` (the register and statistics downloads), ``imports`` (past meetings).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import notices as notices  # noqa: F401  (the inbox renders its texts)
from studyhub.meetings.forms import ConfirmForm
from studyhub.meetings.models import Meeting
from studyhub.org.access import grants as grants
from studyhub.web.saving import run_button

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def load_meeting(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id)


def meeting_url(meeting: Meeting, anchor: str | None = None) -> str:
    """The meeting's page (at ``anchor``)."""
    return url_for("meetings.meeting", meeting_id=meeting.id, _anchor=anchor)


def back_to(meeting: Meeting, anchor: str | None = None):
    """Back to the meeting's page (at ``anchor``)."""
    return redirect(meeting_url(meeting, anchor))


def act(meeting: Meeting, action, success: str, *, anchor: str | None = None, **kwargs):
    """Run a change from a button (``action(session, meeting, by=, now=, **kwargs)``),
    commit and say ``success``, or say why not; then back to the meeting."""
    return run_button(
        lambda: action(db.session, meeting, by=current_user, now=clock.now_utc(), **kwargs),
        success,
        meeting_url(meeting, anchor),
    )


def require_confirmed() -> None:
    """A bare button's POST carries a valid CSRF token, or the request is refused."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


from studyhub.meetings.views import (  # noqa: E402, F401
    attachments,
    checkin,
    compliance,
    documents,
    imports,
    joint,
    lists,
    makeup,
    ratings,
    records,
    register,
)
