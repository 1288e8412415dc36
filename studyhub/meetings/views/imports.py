"""Import past meetings (staff): upload the filled-in template, see every row checked, confirm.

Nothing is written until the whole file is right and the person who uploaded
it confirms; the file waits in the upload stash meanwhile and is claimed once,
so a double confirmation imports nothing twice.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import RowError
from studyhub.extensions import db
from studyhub.meetings.forms import KIND_LABELS, MeetingImportForm
from studyhub.meetings.services import import_file, imports
from studyhub.meetings.views import bp
from studyhub.meetings.views.compliance import OVERVIEW_KINDS
from studyhub.org import access as org_access
from studyhub.org.models import OrgUnit
from studyhub.web.imports import PreviewedImport
from studyhub.web.uploads import UploadStash

PREVIEW_ROWS = 50


class MeetingFileStash(UploadStash):
    SUFFIXES = (".xlsx",)


def _import_unit(unit_id: int) -> OrgUnit:
    unit = org_access.load_unit_to_manage(unit_id, *OVERVIEW_KINDS)
    return unit


def _meetings_import(unit: OrgUnit) -> PreviewedImport[imports.CheckedImport]:
    def check(path: Path) -> imports.CheckedImport:
        with import_file.open_sheet(path) as sheet:
            return imports.check_import(
                db.session,
                unit,
                sheet,
                now=clock.now_utc(),
                max_rows=current_app.config["MEETING_IMPORT_MAX_ROWS"],
            )

    def render(**context):
        context.setdefault("form", MeetingImportForm())
        return render_template(
            "meetings/register/import.html",
            unit=unit,
            kind_labels=KIND_LABELS,
            preview_rows=PREVIEW_ROWS,
            **context,
        )

    return PreviewedImport(
        stash=MeetingFileStash("imports", owner=f"meetings-{unit.id}-{current_user.id}"),
        check=check,
        failed=lambda message: imports.CheckedImport(errors=[RowError(None, None, message)]),
        render=render,
        restart_url=url_for("meetings.import_meetings", unit_id=unit.id),
        is_ready=lambda checked: not checked.errors and bool(checked.rows),
    )


@bp.route("/units/<int:unit_id>/import", methods=["GET", "POST"])
@login_required
def import_meetings(unit_id: int):
    """Upload a file of past meetings: every row is checked and shown; nothing is written."""
    unit = _import_unit(unit_id)
    flow = _meetings_import(unit)
    if request.method == "POST" and "token" in request.form:
        return flow.confirm(
            lambda checked, filename: imports.apply_import(
                db.session, unit, checked, by=current_user, now=clock.now_utc(), source=filename
            ),
            lambda result: _imported(unit, result),
        )
    return flow.upload(MeetingImportForm())


def _imported(unit: OrgUnit, result: imports.ImportResult):
    flash(
        _(
            "Imported %(imported)d past meetings; %(skipped)d were there already.",
            imported=result.imported,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for("meetings.unit_compliance", unit_id=unit.id))


@bp.get("/units/<int:unit_id>/import/template")
@login_required
def import_template(unit_id: int):
    """The XLSX template, listing the unit's branches and groups."""
    unit = _import_unit(unit_id)
    return send_file(
        import_file.build_template(db.session, unit),
        as_attachment=True,
        download_name="往期会议导入模板.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
