"""The meetings blueprint; each submodule adds the pages of one concern.

``records`` (lists, plan, record, review, the printed record, attachments),
``checkin`` (check-in and its QR code, attendance, leave, the home panel),
``compliance`` (a branch's year, the committee's overview, required frequencies),
``register`` (the register and statistics downloads), ``imports`` (past meetings).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, g
from flask_login import current_user

from studyhub.extensions import db
from studyhub.meetings.models import Meeting
from studyhub.org import access

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def grants() -> access.Grants:
    """The current user's grants, read once per request (shared with the org pages)."""
    if "grants" not in g:
        g.grants = access.grants_for(db.session, current_user)
    return g.grants


def load_meeting(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id)


def attachment_folder() -> Path:
    """``UPLOAD_FOLDER`` (default ``instance/uploads``), its ``meetings`` part."""
    folder = current_app.config.get("UPLOAD_FOLDER")
    return (Path(folder) if folder else Path(current_app.instance_path) / "uploads") / "meetings"


from studyhub.meetings.views import (  # noqa: E402, F401
    checkin,
    compliance,
    imports,
    records,
    register,
)
