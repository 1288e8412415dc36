"""Downloads of the 党支部工作记录 as Word and PDF: one meeting's record, or a branch's year.

A meeting's record goes to whoever may see it (the printed page's rule); a branch's year to
the branch's leaders and the staff above it (the register's rule). Every download is written
to the unit's audit log: the records carry members' names and absences.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access
from studyhub.meetings.forms import ATTENDANCE_LABELS, KIND_LABELS
from studyhub.meetings.models import Meeting
from studyhub.meetings.services import documents
from studyhub.meetings.services.documents.pdf import write_pdf
from studyhub.meetings.services.documents.word import write_docx
from studyhub.meetings.views import bp
from studyhub.meetings.views.compliance import year_arg
from studyhub.org import access as org_access
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.web.saving import writes_on_get

FORMATS: dict[str, tuple[Callable[..., bytes], str]] = {
    "docx": (
        write_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "pdf": (write_pdf, "application/pdf"),
}


def _sheet(meeting: Meeting) -> documents.RecordSheet:
    return documents.record_sheet(
        db.session, meeting, kind_labels=KIND_LABELS, status_labels=ATTENDANCE_LABELS
    )


def _send(
    unit: OrgUnit,
    export: str,
    fmt: str,
    sheets: Sequence[documents.RecordSheet],
    *,
    title: str,
    stem: str,
    contents: bool,
    details: dict | None = None,
) -> Response:
    write, mimetype = FORMATS[fmt]
    name = f"{stem}.{fmt}"
    body = write(sheets, title=title, contents=contents, font=current_app.config.get("POSTER_FONT"))
    record_download(
        db.session,
        unit,
        export=export,
        file_name=name,
        actor_id=current_user.id,
        now=clock.now_utc(),
        details=details,
    )
    # send_file writes the Chinese name as filename*=UTF-8''… with an ASCII fallback: a raw
    # non-Latin-1 header cannot be sent by a real server.
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/<int:meeting_id>/record.<any(docx, pdf):fmt>")
@login_required
@writes_on_get  # the audit log records every download
def record_document(meeting_id: int, fmt: str):
    """党支部工作记录 of one meeting."""
    meeting = access.load_record_to_see(meeting_id)
    return _send(
        meeting.branch,
        "meeting_record",
        fmt,
        [_sheet(meeting)],
        title=str(documents.TITLE),
        stem=documents.file_stem(meeting),
        contents=False,
        details={"meeting": meeting.id},
    )


@bp.get("/branches/<int:unit_id>/records.<any(docx, pdf):fmt>")
@login_required
@writes_on_get  # the audit log records every download
def year_document(unit_id: int, fmt: str):
    """The branch's work records of a year in one document, with a table of contents."""
    branch = org_access.load_unit_to_view(unit_id, UnitKind.BRANCH)
    year = year_arg(clock.local_date(clock.now_utc(), branch.timezone).year)
    sheets = [_sheet(m) for m in documents.year_meetings(db.session, branch, year)]
    title = _("%(branch)s work records %(year)d", branch=branch.name, year=year)
    return _send(
        branch,
        "meeting_records_year",
        fmt,
        sheets,
        title=title,
        stem=f"{branch.name}{year}年工作记录",
        contents=True,
        details={"year": year},
    )
