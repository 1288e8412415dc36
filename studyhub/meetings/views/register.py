"""Downloads: a branch's meeting register (会议台账) and a committee's statistics, as XLSX.

The register is for the branch's secretary and committee and for the staff
above it; the statistics are for staff. Both are written to a temporary file
with constant memory and sent from it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Response, send_file
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings.services import register
from studyhub.meetings.views import bp
from studyhub.meetings.views.compliance import OVERVIEW_KINDS, year_arg
from studyhub.org import access as org_access
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.web.saving import writes_on_get

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _send(unit: OrgUnit, export: str, write: Callable[[Path], object], name: str) -> Response:
    """Write the file, record its download in the unit's audit log, and send it."""
    record_download(
        db.session,
        unit,
        export=export,
        file_name=name,
        actor_id=current_user.id,
        now=clock.now_utc(),
    )
    handle, raw_path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(raw_path)
    try:
        write(path)
        # Opened before it is unlinked: the file lives until the response has sent it.
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    return send_file(stream, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/branches/<int:unit_id>/register.xlsx")
@login_required
@writes_on_get  # the audit log records every download
def register_download(unit_id: int):
    branch = org_access.load_unit_to_view(unit_id, UnitKind.BRANCH)
    year = year_arg(clock.local_date(clock.now_utc(), branch.timezone).year)
    return _send(
        branch,
        "meeting_register",
        lambda path: register.write_register(db.session, branch, year, path),
        f"{branch.name}{year}年会议台账.xlsx",
    )


@bp.get("/units/<int:unit_id>/statistics.xlsx")
@login_required
@writes_on_get  # the audit log records every download
def statistics_download(unit_id: int):
    unit = org_access.load_unit_to_manage(unit_id, *OVERVIEW_KINDS)
    now = clock.now_utc()
    year = year_arg(clock.local_date(now, unit.timezone).year)
    return _send(
        unit,
        "meeting_statistics",
        lambda path: register.write_statistics(db.session, unit, year, path, now=now),
        f"{unit.name}{year}年三会一课统计.xlsx",
    )
