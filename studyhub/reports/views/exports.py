"""Score downloads: streamed CSV, XLSX written with constant memory, or a background job.

A unit with more members than ``EXPORT_INLINE_MAX_MEMBERS`` is exported by
the scheduler (an ``ExportJob``) so no web worker runs past its timeout; its
page shows the job's state and the download once it is ready.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.reports import access
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import export_jobs, exports, frozen
from studyhub.reports.views import bp
from studyhub.reports.views.common import (
    committee_of,
    excused_counts_as,
    quarter_arg,
)
from studyhub.web.saving import writes_on_get
from studyhub.web.storage import current_storage, send_stored

MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORTABLE = (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)


@bp.get("/units/<int:unit_id>/scores/<quarter_label>.<file_format>")
@login_required
@writes_on_get  # the audit log records every download; a big unit's file is asked of a job
def download_scores(unit_id: int, quarter_label: str, file_format: str):
    """The unit's quarter as a file; staff for their committee, secretaries their branch."""
    now = clock.now_utc()
    unit = access.load_unit(unit_id, access.require_view_scores, *EXPORTABLE)
    if file_format not in exports.FORMATS:
        abort(404)
    committee = committee_of(unit)
    quarter = quarter_arg(committee, now, quarter_label)
    size = exports.member_count(db.session, committee, unit, quarter)
    if size > current_app.config["EXPORT_INLINE_MAX_MEMBERS"]:
        job = export_jobs.request_export(
            db.session, committee, unit, quarter, file_format, by=current_user, now=now
        )
        return redirect(url_for("reports.export_job", job_id=job.id))
    name = exports.file_name(unit, quarter, file_format)
    _audited(unit, name, quarter)
    if file_format == "csv":
        return _stream_csv(committee, unit, quarter, name)
    return _send_xlsx(committee, unit, quarter, name)


def _audited(unit: OrgUnit, name: str, quarter: Quarter) -> None:
    """Record the download (the edge commits it before the file leaves: a GET that writes,
    since the log must hold every export that was taken; the entry is the only write)."""
    record_download(
        db.session,
        unit,
        export="scores",
        file_name=name,
        actor_id=current_user.id,
        now=clock.now_utc(),
        details={"quarter": quarter.label},
    )


def _stream_csv(committee: OrgUnit, unit: OrgUnit, quarter: Quarter, name: str) -> Response:
    now = clock.now_utc()

    def lines():
        with frozen.quarter_scores(
            db.session, committee, quarter, unit, now=now, excused_counts_as=excused_counts_as()
        ) as found:
            yield from exports.csv_stream(found)

    return Response(
        stream_with_context(lines()),
        mimetype=MIME_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _send_xlsx(committee: OrgUnit, unit: OrgUnit, quarter: Quarter, name: str) -> Response:
    handle, raw_path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(raw_path)
    try:
        exports.export_scores(
            db.session,
            committee,
            unit,
            quarter,
            "xlsx",
            path,
            now=clock.now_utc(),
            excused_counts_as=excused_counts_as(),
        )
        # Opened before it is unlinked: the file lives until the response has sent it.
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    return send_file(stream, mimetype=MIME_TYPES["xlsx"], as_attachment=True, download_name=name)


@bp.get("/exports/<int:job_id>")
@login_required
def export_job(job_id: int):
    """A background export: waiting, ready to download, or failed."""
    job, unit = access.load_export_job(job_id)
    return render_template(
        "reports/scores/export_job.html",
        job=job,
        unit=unit,
        quarter=Quarter(job.year, job.quarter or 1),
    )


@bp.get("/exports/<int:job_id>/file")
@login_required
@writes_on_get  # the audit log records every download
def export_file(job_id: int):
    job, unit = access.load_export_job(job_id)
    if job.state != export_jobs.DONE or not job.stored_name:
        abort(404)
    storage = current_storage()
    key = export_jobs.stored_key(job)
    if not storage.exists(key):
        abort(404)
    quarter = Quarter(job.year, job.quarter or 1)
    name = exports.file_name(unit, quarter, job.file_format)
    _audited(unit, name, quarter)
    return send_stored(
        storage,
        key,
        mimetype=MIME_TYPES.get(job.file_format, "application/octet-stream"),
        as_attachment=True,
        download_name=name,
        etag=job.stored_name,
    )
