"""Roster commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from studyhub.core import clock
from studyhub.core.errors import DomainError, RowError
from studyhub.extensions import db
from studyhub.org import queries, roster
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.web.saving import command_unit


@click.command("import-members")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--committee", "committee_name", help="The committee (optional when there is one).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@command_unit
def import_members(path: Path, committee_name: str | None, as_json: bool) -> None:
    """Import or update members from an XLSX or CSV roster, all or nothing.

    Every row is checked first; when any row is wrong the errors are printed,
    nothing is written and the command exits with status 1.
    """
    committee = committee_by_name(committee_name)
    click.echo(f"Checking {path.name} for {committee.name}…", err=True)
    try:
        with roster.open_roster(path) as sheet:
            checked = roster.validate_roster(
                db.session,
                committee,
                sheet,
                max_rows=current_app.config["ROSTER_IMPORT_MAX_ROWS"],
            )
    except DomainError as exc:
        _fail([RowError(None, None, str(exc))], as_json)
    if checked.errors:
        _fail(checked.errors, as_json)
    try:
        with click.progressbar(
            length=len(checked.entries), label="Importing", file=sys.stderr
        ) as bar:
            result = roster.apply_roster(
                db.session,
                committee,
                checked,
                now=clock.now_utc(),
                actor_id=None,
                file_name=path.name,
                on_progress=bar.update,
            )
    except DomainError as exc:
        _fail([RowError(None, None, str(exc))], as_json)  # exiting rolls the command back
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        click.echo(
            f"Imported {result.imported}, updated {result.updated}, "
            f"unchanged {result.unchanged} (into {committee.name})."
        )


def committee_by_name(name: str | None) -> OrgUnit:
    """The committee a command names with ``--committee`` (optional when there is only one)."""
    if name is None:
        committees = list(db.session.scalars(queries.committees()))
        if len(committees) == 1:
            return committees[0]
        if not committees:
            raise click.ClickException("There is no committee yet.")
        names = ", ".join(c.name for c in committees)
        raise click.ClickException(f"Name the committee with --committee; there are: {names}.")
    found = list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.kind == UnitKind.COMMITTEE, OrgUnit.name == name)
        )
    )
    if len(found) != 1:
        names = ", ".join(c.name for c in db.session.scalars(queries.committees()))
        problem = "Several committees are" if found else "No committee is"
        raise click.ClickException(f"{problem} called {name}; the committees are: {names}.")
    return found[0]


def fail_import(errors: list[RowError], as_json: bool, *, summary: dict) -> NoReturn:
    """Print every error of an import (or, with ``--json``, its ``summary``) and stop with
    status 1; nothing has been written."""
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        for error in errors:
            where = f"row {error.row}" if error.row is not None else "file"
            column = f" [{error.column}]" if error.column else ""
            click.echo(f"{where}{column}: {error.message}")
        click.echo(f"{len(errors)} error(s); nothing was imported.", err=True)
    click.get_current_context().exit(1)


def _fail(errors: list[RowError], as_json: bool) -> NoReturn:
    fail_import(errors, as_json, summary=roster.ImportResult(errors=errors).as_dict())
