"""What every reports page needs: the user's grants, the unit's committee, the quarter."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, request

from studyhub.extensions import db
from studyhub.org.access import grants as grants
from studyhub.org.models import OrgUnit
from studyhub.reports.quarters import Quarter

# Quarters offered in the quarter picker, counting back from the current one.
PICKER_QUARTERS = 8


def committee_of(unit: OrgUnit) -> OrgUnit:
    committee = (
        unit if unit.committee_id in (None, unit.id) else db.session.get(OrgUnit, unit.committee_id)
    )
    if committee is None:
        abort(404)
    return committee


def quarter_arg(committee: OrgUnit, now: datetime, text: str | None = None) -> Quarter:
    """The quarter in the URL (``?quarter=2026Q4``), else the committee's current one."""
    text = text if text is not None else request.args.get("quarter")
    if not text:
        return Quarter.at(now, committee.timezone)
    try:
        return Quarter.parse(text)
    except ValueError:
        abort(404)


def excused_counts_as() -> str:
    """How an excused absence counts in the attendance ratio (``MEETING_EXCUSED_COUNTS_AS``)."""
    return current_app.config.get("MEETING_EXCUSED_COUNTS_AS", "excluded")


def picker(committee: OrgUnit, now: datetime) -> list[Quarter]:
    """The current quarter and the ones before it, newest first."""
    quarters = [Quarter.at(now, committee.timezone)]
    while len(quarters) < PICKER_QUARTERS:
        quarters.append(quarters[-1].previous())
    return quarters
