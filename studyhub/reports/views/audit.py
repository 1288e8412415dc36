"""The audit log of a unit: committee staff see their committee's, a secretary their branch's.

Read-only: the log is listed, filtered and exported, never changed (no route here
or anywhere updates or deletes an entry). Every export is itself recorded.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org import access as org_access
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.reports import access
from studyhub.reports.forms import AuditFilterForm
from studyhub.reports.services import audit_log
from studyhub.reports.views import bp
from studyhub.web.saving import writes_on_get

LOG_UNITS = (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)
MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _log_unit(unit_id: int) -> OrgUnit:
    return access.load_unit(unit_id, org_access.require_view_audit_log, *LOG_UNITS)


def _filter(form: AuditFilterForm) -> audit_log.LogFilter:
    """The filter the query string asks for; a field that does not validate is ignored."""
    form.kind.choices = [("", _("Every kind")), *audit_log.kinds_choices()]
    form.validate()
    person = (form.person.data or "").strip() if not form.person.errors else ""
    return audit_log.LogFilter(
        kind=form.kind.data or None if not form.kind.errors else None,
        actor_ids=audit_log.actors_named(db.session, person) if person else None,
        since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None,
    )


def _query_args() -> dict[str, str]:
    """The filters in force, to carry into the pager's and the exports' links."""
    return {
        key: request.args[key]
        for key in ("kind", "person", "since", "until")
        if request.args.get(key)
    }


@bp.get("/units/<int:unit_id>/audit")
@login_required
def audit_log_page(unit_id: int):
    unit = _log_unit(unit_id)
    form = AuditFilterForm(request.args)
    log_filter = _filter(form)
    page, shown, is_capped = audit_log.page_of(
        db.session, unit, log_filter, request.args.get("page", 1, type=int)
    )
    return render_template(
        "reports/audit.html",
        unit=unit,
        form=form,
        page=page,
        shown=shown,
        is_capped=is_capped,
        cap=audit_log.COUNT_CAP,
        filters=_query_args(),
        timezone=unit.timezone,
    )


@bp.get("/units/<int:unit_id>/audit.<file_format>")
@login_required
@writes_on_get  # the download's entry must be in the log before the file leaves
def audit_log_export(unit_id: int, file_format: str):
    """The filtered log as a file, streamed; the download is recorded (and committed) first."""
    unit = _log_unit(unit_id)
    if file_format not in audit_log.FORMATS:
        abort(404)
    log_filter = _filter(AuditFilterForm(request.args))
    name = audit_log.file_name(unit, file_format)
    record_download(
        db.session,
        unit,
        export="audit",
        file_name=name,
        actor_id=current_user.id,
        now=clock.now_utc(),
        details=audit_log.filter_details(log_filter),
    )
    system = _("System")
    if file_format == "csv":
        return Response(
            stream_with_context(audit_log.csv_stream(db.session, unit, log_filter, system=system)),
            mimetype=MIME_TYPES["csv"],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    handle, raw_path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(raw_path)
    try:
        audit_log.write_xlsx(db.session, unit, log_filter, path, system=system)
        # Opened before it is unlinked: the file lives until the response has sent it.
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    return send_file(stream, mimetype=MIME_TYPES["xlsx"], as_attachment=True, download_name=name)
