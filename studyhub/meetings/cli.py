"""``studyhub export-meetings`` (the register or the statistics, to XLSX) and
``studyhub import-meetings`` (past meetings from the XLSX template, all or nothing)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext

from studyhub.core import clock
from studyhub.core.errors import DomainError, RowError
from studyhub.extensions import db
from studyhub.meetings.services import import_file, imports, register
from studyhub.org.cli import committee_by_name, fail_import
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import committees
from studyhub.web.saving import command_unit

KINDS = ("register", "stats")


def _unit(unit_id: int, kinds: tuple[UnitKind, ...], option: str) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or unit.kind not in kinds:
        what = " or ".join(k.value.replace("_", " ") for k in kinds)
        raise click.BadParameter(f"no {what} with id {unit_id}", param_hint=option)
    return unit


@click.command("export-meetings")
@click.option("--year", type=int, required=True, help="The calendar year, e.g. 2026.")
@click.option("--branch", "branch_id", type=int, help="Branch id (the register; or its stats).")
@click.option("--committee", "committee_id", type=int, help="Committee id (the statistics).")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    required=True,
    help="register: a branch's meetings, one row each; stats: per branch × month × kind.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The .xlsx file to write.",
)
@with_appcontext
def export_meetings(
    year: int, branch_id: int | None, committee_id: int | None, kind: str, output: Path
) -> None:
    """Export the meeting register (会议台账) of a branch or the statistics of a committee."""
    if not 1921 <= year <= 2100:
        raise click.BadParameter(f"{year} is not a possible year", param_hint="--year")
    session = db.session
    if kind == "register":
        if branch_id is None:
            raise click.UsageError("the register is per branch: give --branch")
        branch = _unit(branch_id, (UnitKind.BRANCH,), "--branch")
        total = register.count_register(session, branch, year)
        with click.progressbar(length=max(total, 1), label=f"{branch.name} {year}") as bar:
            rows = register.write_register(session, branch, year, output, progress=bar.update)
        click.echo(f"{rows} meetings written to {output}")
        return
    if branch_id is not None:
        unit = _unit(branch_id, (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH), "--branch")
    elif committee_id is not None:
        unit = _unit(committee_id, (UnitKind.COMMITTEE,), "--committee")
    else:
        found = list(session.scalars(committees().limit(2)))
        if len(found) != 1:
            raise click.UsageError("give --committee (or --branch)")
        unit = found[0]
    total = register.count_branches(session, unit)
    with click.progressbar(length=max(total, 1), label=f"{unit.name} {year}") as bar:
        branches = register.write_statistics(
            session, unit, year, output, now=clock.now_utc(), progress=bar.update
        )
    click.echo(f"{branches} branches written to {output}")


@click.command("import-meetings")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--committee", "committee_name", help="The committee (optional when there is one).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@command_unit
def import_meetings(path: Path, committee_name: str | None, as_json: bool) -> None:
    """Import past meetings from the XLSX template, all or nothing.

    Every row is checked first; when any row is wrong the errors are printed,
    nothing is written and the command exits with status 1. Meetings already
    imported (same branch, kind, group and start) are skipped.
    """
    committee = committee_by_name(committee_name)
    now = clock.now_utc()
    click.echo(f"Checking {path.name} for {committee.name}…", err=True)
    try:
        with import_file.open_sheet(path) as sheet:
            checked = imports.check_import(
                db.session,
                committee,
                sheet,
                now=now,
                max_rows=current_app.config["MEETING_IMPORT_MAX_ROWS"],
            )
    except DomainError as exc:
        _fail([RowError(None, None, str(exc))], as_json)
    if checked.errors:
        _fail(checked.errors, as_json)
    with click.progressbar(length=len(checked.new), label="Importing", file=sys.stderr) as bar:
        result = imports.apply_import(
            db.session, committee, checked, by=None, now=now, source=path.name, progress=bar.update
        )
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        click.echo(
            f"Imported {result.imported} meetings, skipped {result.skipped} already there "
            f"(into {committee.name})."
        )


def _fail(errors: list[RowError], as_json: bool) -> NoReturn:
    fail_import(errors, as_json, summary=imports.ImportResult(errors=errors).as_dict())
