"""A meeting record's attachments: photos and PDFs added, removed and served to those who
may see the record."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access
from studyhub.meetings.forms import (
    AttachmentForm,
)
from studyhub.meetings.models import (
    Meeting,
    MeetingAttachment,
)
from studyhub.meetings.services import attachments
from studyhub.meetings.views import (
    bp,
    grants,
    load_meeting,
    meeting_url,
    require_confirmed,
)
from studyhub.web.saving import run_button
from studyhub.web.storage import current_storage, send_stored


@bp.post("/<int:meeting_id>/attachments")
@login_required
def attach(meeting_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id, _anchor="files"))
    return run_button(
        lambda: attachments.add_attachment(
            db.session,
            meeting,
            form.file.data.stream,
            filename=form.file.data.filename,
            storage=current_storage(),
            max_bytes=current_app.config["MEETING_ATTACHMENT_MAX_BYTES"],
            by=current_user,
            now=clock.now_utc(),
        ),
        _("The file is attached."),
        meeting_url(meeting, "files"),
    )


def _attachment(meeting: Meeting, attachment_id: int) -> MeetingAttachment:
    attachment = db.session.get(MeetingAttachment, attachment_id)
    if attachment is None or attachment.meeting_id != meeting.id:
        abort(404)
    return attachment


@bp.post("/<int:meeting_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(meeting_id: int, attachment_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    attachment = _attachment(meeting, attachment_id)
    require_confirmed()
    return run_button(
        lambda: attachments.remove_attachment(
            db.session, attachment, meeting, by=current_user, now=clock.now_utc()
        ),
        _("The file is removed."),
        meeting_url(meeting, "files"),
    )


@bp.get("/<int:meeting_id>/attachments/<int:attachment_id>")
@login_required
def attachment_file(meeting_id: int, attachment_id: int):
    """A photo (shown) or PDF (downloaded), to those who may see the record."""
    meeting = load_meeting(meeting_id)
    if not access.can_see_record(grants(), meeting):
        abort(404)
    attachment = _attachment(meeting, attachment_id)
    is_pdf = attachment.mime_type == "application/pdf"
    response = send_stored(
        current_storage(),
        attachments.stored_key(attachment),
        mimetype=attachment.mime_type,
        as_attachment=is_pdf,
        download_name=attachment.filename,
        etag=attachment.sha256,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
