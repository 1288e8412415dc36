"""``studyhub export-scores``: a quarter's scores to XLSX or CSV, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import committees
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import exports
from studyhub.web.saving import unit_of_work


def _unit(committee_id: int | None, branch_id: int | None) -> tuple[OrgUnit, OrgUnit]:
    """(committee, unit to export) from the options."""
    session = db.session
    if branch_id is not None:
        unit = session.get(OrgUnit, branch_id)
        if unit is None or unit.kind not in (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH):
            raise click.BadParameter(f"no branch with id {branch_id}", param_hint="--branch")
        if committee_id is not None and unit.committee_id != committee_id:
            raise click.BadParameter(
                f"branch {branch_id} is not in committee {committee_id}", param_hint="--branch"
            )
        committee = session.get(OrgUnit, unit.committee_id)
        assert committee is not None
        return committee, unit
    if committee_id is not None:
        committee = session.get(OrgUnit, committee_id)
        if committee is None or committee.kind != UnitKind.COMMITTEE:
            raise click.BadParameter(
                f"no committee with id {committee_id}", param_hint="--committee"
            )
        return committee, committee
    found = list(session.scalars(committees().limit(2)))
    if len(found) != 1:
        names = ", ".join(
            f"{c.id} {c.name}"
            for c in session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        )
        raise click.UsageError(f"give --committee or --branch (committees: {names or 'none'})")
    return found[0], found[0]


@click.command("export-scores")
@click.option("--quarter", "quarter_text", required=True, help="The quarter, e.g. 2026Q4.")
@click.option("--committee", "committee_id", type=int, help="Committee id (the whole committee).")
@click.option("--branch", "branch_id", type=int, help="Branch id (only that branch).")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(exports.FORMATS),
    help="xlsx or csv (default: from the file name, else xlsx).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The file to write.",
)
@with_appcontext
def export_scores_command(
    quarter_text: str,
    committee_id: int | None,
    branch_id: int | None,
    file_format: str | None,
    output: Path,
) -> None:
    """Export a quarter's scores (frozen once the quarter is closed, else computed now)."""
    try:
        quarter = Quarter.parse(quarter_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from None
    file_format = file_format or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    committee, unit = _unit(committee_id, branch_id)
    session = db.session
    now = clock.now_utc()
    steps = exports.steps(session, committee, unit, quarter)
    with click.progressbar(length=max(steps, 1), label=f"{unit.name} {quarter.label}") as bar:
        rows = exports.export_scores(
            session,
            committee,
            unit,
            quarter,
            file_format,
            output,
            now=now,
            progress=bar.update,
            excused_counts_as=current_app.config.get("MEETING_EXCUSED_COUNTS_AS", "excluded"),
        )
    # The file carries members' data out of the application like a download: recorded
    # (no one signed in: no actor) in a write unit of its own, after the long read.
    db.session.rollback()
    with unit_of_work():
        record_download(
            db.session,
            db.session.get_one(OrgUnit, unit.id),
            export="scores",
            file_name=output.name,
            actor_id=None,
            now=now,
            details={"quarter": quarter.label, "command": "export-scores"},
        )
    click.echo(f"{rows} members written to {output}")
