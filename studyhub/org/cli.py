"""Roster commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("import-members")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--committee", "committee_name", help="The committee (optional when there is one).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
def import_members(path: str, committee_name: str | None, as_json: bool) -> None:
    """Import or update members from an XLSX or CSV roster, all or nothing."""
    raise click.ClickException("roster import is being written")
