"""Importing a roster: the upload, its preview and problems, the import and the template."""

from __future__ import annotations

from pathlib import Path

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import RowError
from studyhub.extensions import db
from studyhub.org import access, roster
from studyhub.org.forms import (
    ImportForm,
)
from studyhub.org.models import (
    OrgUnit,
    UnitKind,
)
from studyhub.org.views.common import bp
from studyhub.web.imports import PreviewedImport

IMPORT_UNIT_KINDS = (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)


def _import_unit(unit_id: int) -> OrgUnit:
    """The unit a roster is imported into: one the user manages, with branches in it."""
    unit = access.load_unit_to_manage(unit_id, *IMPORT_UNIT_KINDS)
    return unit


def _roster_import(unit: OrgUnit) -> PreviewedImport[roster.CheckedRoster]:
    def check(path: Path) -> roster.CheckedRoster:
        with roster.open_roster(path) as sheet:
            return roster.validate_roster(
                db.session, unit, sheet, max_rows=current_app.config["ROSTER_IMPORT_MAX_ROWS"]
            )

    def render(**context):
        context.setdefault("form", ImportForm())
        return render_template("org/import_members.html", unit=unit, **context)

    return PreviewedImport(
        stash=roster.UploadStash("imports", owner=f"{unit.id}-{current_user.id}"),
        check=check,
        failed=lambda message: roster.CheckedRoster(
            entries=[], errors=[RowError(None, None, message)]
        ),
        render=render,
        restart_url=url_for("org.import_members", unit_id=unit.id),
    )


@bp.route("/units/<int:unit_id>/import", methods=["GET", "POST"])
@login_required
def import_members(unit_id: int):
    """Upload a roster: every row is checked and shown; nothing is written before confirming."""
    unit = _import_unit(unit_id)
    flow = _roster_import(unit)
    if request.method == "POST" and "token" in request.form:
        return flow.confirm(
            lambda checked, filename: roster.apply_roster(
                db.session,
                unit,
                checked,
                now=clock.now_utc(),
                actor_id=current_user.id,
                file_name=filename,
            ),
            lambda result: _imported(unit, result),
        )
    return flow.upload(ImportForm())


def _imported(unit: OrgUnit, result: roster.ImportResult):
    flash(
        _(
            "Imported %(imported)d new members; %(updated)d updated, %(unchanged)d unchanged.",
            imported=result.imported,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("org.unit", unit_id=unit.id))


@bp.get("/units/<int:unit_id>/import/template")
@login_required
def import_template(unit_id: int):
    """The XLSX template (or ``?format=csv``), listing this unit's branches and groups."""
    unit = _import_unit(unit_id)
    kind = "csv" if request.args.get("format") == "csv" else "xlsx"
    return send_file(
        roster.build_template(db.session, unit, kind=kind),
        as_attachment=True,
        download_name=f"党员名册导入模板.{kind}",
        mimetype="text/csv"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
