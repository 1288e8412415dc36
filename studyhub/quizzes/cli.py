"""Question-bank commands."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org.cli import committee_by_name
from studyhub.org.models import OrgUnit
from studyhub.quizzes import importers
from studyhub.quizzes.importers.detect import FORMATS
from studyhub.quizzes.importers.model import ParseResult
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import imports
from studyhub.web.saving import command_unit
from studyhub.web.storage import current_storage


def media_url(stored_name: str) -> str:
    """The media page's URL (path only), built outside a request."""
    bank_id, name = stored_name.split("/", 1)
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config["APPLICATION_ROOT"]
    )
    return adapter.build("quizzes.media", {"bank_id": int(bank_id), "name": name})


@click.command("import-questions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="The bank (created when missing).")
@click.option("--committee", "committee_name", help="The committee (optional when there is one).")
@click.option("--category", "category_path", help="Category to import into, e.g. 党史/导入.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", *FORMATS]),
    default="auto",
    show_default=True,
    help="The file's format.",
)
@click.option("--skip-invalid", is_flag=True, help="Import the valid questions, skip the others.")
@click.option(
    "--accept-warnings",
    is_flag=True,
    help="Store questions with plausibility warnings (else the warnings block the import).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@with_appcontext
@command_unit
def import_questions(
    path: Path,
    bank_name: str,
    committee_name: str | None,
    category_path: str | None,
    file_format: str,
    skip_invalid: bool,
    accept_warnings: bool,
    as_json: bool,
) -> None:
    """Import questions from an XLSX template, GIFT, Aiken or Moodle XML file, all or nothing.

    Every question is checked first. When one is invalid nothing is stored and the
    command exits with status 1, unless --skip-invalid is given; plausibility warnings
    block the same way unless --accept-warnings is given. Questions the bank holds
    already are counted as unchanged, not stored again; a question whose answer,
    options or explanation changed becomes a new version of the bank's question.
    """
    committee = committee_by_name(committee_name)
    now = clock.now_utc()
    click.echo(f"Reading {path.name}…", err=True)
    result = importers.parse(path.read_bytes(), filename=path.name, file_format=file_format)
    try:
        report = _store(
            result,
            committee,
            bank_name,
            category_path,
            skip_invalid,
            now,
            path.name,
            accept_warnings=accept_warnings,
        )
    except DomainError as exc:
        report = imports.ImportReport(errors=[{"line": 0, "message": str(exc)}], is_blocked=True)
    _print(report, as_json)
    if report.is_blocked:
        click.echo(
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s); "
            "nothing was imported.",
            err=True,
        )
        # Exiting rolls the whole command back: a blocked import leaves not even a new bank.
        click.get_current_context().exit(1)


def _store(
    result: ParseResult,
    committee: OrgUnit,
    bank_name: str,
    category_path: str | None,
    skip_invalid: bool,
    now: datetime,
    file_name: str,
    *,
    accept_warnings: bool = False,
) -> imports.ImportReport:
    bank, created = bank_service.bank_by_name(
        db.session, committee, bank_name, create=True, now=now
    )
    new = "the new bank " if created else ""
    click.echo(
        f"Checking {len(result.questions)} questions for {new}{bank.name} ({committee.name})…",
        err=True,
    )
    prepared = imports.prepare_import(db.session, bank, result, media_url=media_url)
    with click.progressbar(length=len(prepared.questions), label="Storing", file=sys.stderr) as bar:
        return imports.store_import(
            db.session,
            bank,
            prepared,
            category_path=category_path,
            skip_invalid=skip_invalid,
            confirm_warnings=accept_warnings,
            now=now,
            media_storage=current_storage(),
            file_name=file_name,
            on_progress=bar.update,
        )


def _print(report: imports.ImportReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    for item in report.skipped:
        click.echo(f"line {item['line']}: skipped {item['type']} question “{item['name']}”")
    for error in report.errors:
        where = f"line {error['line']}" if error["line"] else "file"
        click.echo(f"{where}: {error['message']}")
    for warning in report.warnings:
        click.echo(f"line {warning['line']}: warning: {warning['message']}")
    for qtype, counts in sorted(report.by_type.items()):
        shown = ", ".join(f"{name} {counts.get(name, 0)}" for name in imports.COUNTS)
        click.echo(f"{qtype}: {shown}")
    click.echo(
        f"Stored {report.stored}, updated {report.updated}, unchanged {report.unchanged}, "
        f"duplicates {report.duplicates}, skipped {len(report.skipped)}, "
        f"invalid {report.invalid}, warnings {len(report.warnings)}."
    )
