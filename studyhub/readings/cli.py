"""Readings commands: import readings in bulk, import 党史今天 entries."""

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
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.readings.services import history, imports, library, tables
from studyhub.web.saving import command_unit

SHOWN_PROBLEMS = 50


def find_committee(name: str | None) -> OrgUnit:
    """The committee called ``name``; without a name, the only one there is."""
    committees = list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.kind == UnitKind.COMMITTEE).order_by(OrgUnit.name)
        )
    )
    if name:
        for committee in committees:
            if committee.name == name:
                return committee
        raise click.ClickException(f"There is no committee called {name!r}.")
    if len(committees) == 1:
        return committees[0]
    if not committees:
        raise click.ClickException("There is no committee yet.")
    names = ", ".join(c.name for c in committees)
    raise click.ClickException(f"Name the committee with --committee (one of: {names}).")


def _reject(exc: tables.ImportRejected, as_json: bool) -> NoReturn:
    """Print every problem (the first fifty on a terminal) and stop with status 1.

    Nothing was written: the checks run before any change, and the session is never
    committed on this path.
    """
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": False,
                    "problems": [{"where": p.where, "message": p.message} for p in exc.problems],
                },
                ensure_ascii=False,
            )
        )
    else:
        click.echo(str(exc), err=True)
        for problem in exc.problems[:SHOWN_PROBLEMS]:
            click.echo(f"  {problem}", err=True)
        if len(exc.problems) > SHOWN_PROBLEMS:
            click.echo(f"  … and {len(exc.problems) - SHOWN_PROBLEMS} more", err=True)
    click.get_current_context().exit(1)


def _fail(exc: DomainError) -> NoReturn:
    raise click.ClickException(str(exc))


@click.command("import-readings")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--committee", "committee_name", help="The committee (optional when there is one).")
@click.option(
    "--create-columns", is_flag=True, help="Create the columns the file names that do not exist."
)
@click.option(
    "--publish", is_flag=True, help="Publish readings without a date now (otherwise drafts)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@command_unit
def import_readings(
    path: Path, committee_name: str | None, create_columns: bool, publish: bool, as_json: bool
) -> None:
    """Import readings from an XLSX file or a folder of Markdown files, all or nothing.

    XLSX columns: 标题, 栏目, 正文(Markdown), 作者, 来源, 标签, 日期 (the day it is the
    reading of the day, optional), 音视频链接. Markdown files: YAML front matter with
    title, column, date, author, source, tags, media_url; the text below it.
    """
    committee = find_committee(committee_name)
    click.echo(f"Checking {path.name} for {committee.name}…", err=True)
    config = current_app.config
    timing = library.StudyTiming(
        fraction=config["READING_MIN_FRACTION"],
        floor=config["READING_MIN_SECONDS"],
        ceiling=config["READING_MAX_MIN_SECONDS"],
    )
    try:
        rows, problems = imports.read_readings(path)
        plan = imports.check_readings(
            db.session, committee, rows, problems, create_columns=create_columns
        )
    except tables.ImportRejected as exc:
        _reject(exc, as_json)
    except DomainError as exc:
        _fail(exc)
    try:
        with click.progressbar(
            length=len(plan.create), label="Importing readings", file=sys.stderr
        ) as bar:
            summary = imports.write_readings(
                db.session,
                plan,
                by_user_id=None,
                now=clock.now_utc(),
                file_name=path.name,
                timing=timing,
                publish_undated=publish,
                progress=bar.update,
            )
    except DomainError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps({"ok": True, **summary.as_dict()}, ensure_ascii=False))
        return
    click.echo(
        f"{committee.name}: {summary.created} readings imported "
        f"({summary.scheduled} scheduled as readings of the day, {summary.published} published), "
        f"{summary.unchanged} already there."
    )
    if summary.columns_created:
        click.echo("New columns: " + ", ".join(summary.columns_created))


@click.command("import-history")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--committee",
    "committee_name",
    help="The committee that owns the entries; without it they are shared by all committees.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@command_unit
def import_history(path: Path, committee_name: str | None, as_json: bool) -> None:
    """Import 党史今天 entries from CSV or XLSX (月, 日, 年, 标题, 内容), all or nothing.

    Importing the same file again changes nothing; a changed 内容 updates the entry.
    """
    committee = find_committee(committee_name) if committee_name else None
    today = clock.local_date(
        clock.now_utc(), committee.timezone if committee else clock.DEFAULT_TIMEZONE
    )
    try:
        rows = history.read_history(path, this_year=today.year)
        with click.progressbar(length=len(rows), label="Importing entries", file=sys.stderr) as bar:
            summary = history.import_history(
                db.session,
                rows,
                committee_id=committee.id if committee else None,
                actor_id=None,
                now=clock.now_utc(),
                file_name=path.name,
                progress=bar.update,
            )
    except tables.ImportRejected as exc:
        _reject(exc, as_json)
    except DomainError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps({"ok": True, **summary.as_dict()}, ensure_ascii=False))
        return
    owner = committee.name if committee else "all committees"
    click.echo(
        f"{owner}: {summary.created} entries added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    )
