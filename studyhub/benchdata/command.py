"""The ``studyhub gen-data`` command: runs the steps in one transaction with progress bars."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from studyhub.accounts.services import hash_password
from studyhub.benchdata import quizzes as quiz_data
from studyhub.benchdata.generation import MAX_SEED, PASSWORD
from studyhub.benchdata.run import generate, sample_logins
from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.web.saving import unit_of_work


class _ProgressBars:
    """One click progress bar per step, opened when the step reports first."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.bar = None
        self.shown = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label:
            self.close()
            self.label, self.shown = label, 0
            self.bar = click.progressbar(length=total, label=f"{label:<8}", show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("gen-data")
@click.option("--members", default=1000, show_default=True, type=click.IntRange(min=2))
@click.option("--branches", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0, MAX_SEED))
@click.option("--replace", is_flag=True, help="Delete this seed's committee first if it exists.")
@click.option(
    "--attempts",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Submitted exam attempts (with their items) over the members; a question bank is "
    "always made.",
)
@click.option(
    "--audit-entries",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Audit log entries over the committee and its branches (e.g. 1000000).",
)
@with_appcontext
def gen_data_command(
    members: int, branches: int, seed: int, replace: bool, attempts: int, audit_entries: int
) -> None:
    """Generate a synthetic committee in batches, with a progress bar."""
    started = clock.now_utc()
    password_hash = hash_password(PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])
    bars = _ProgressBars()
    try:
        with unit_of_work():  # one transaction: a failed run leaves nothing half-made
            gen = generate(
                db.session,
                members=members,
                branches=branches,
                seed=seed,
                now=started,
                password_hash=password_hash,
                replace=replace,
                on_progress=bars,
                attempts=attempts,
                audit_entries=audit_entries,
            )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        bars.close()
    seconds = (clock.now_utc() - started).total_seconds()
    click.echo(
        f"\n{gen.committee.name}: {members} members in {branches} branches, {seconds:.1f} s."
    )
    if attempts:
        rows = attempts * (1 + quiz_data.ITEMS_PER_ATTEMPT)
        click.echo(f"{attempts} exam attempts ({rows} rows with their items).")
    if audit_entries:
        click.echo(f"{audit_entries} audit log entries.")
    click.echo(f"Logins (password for all: {PASSWORD}):")
    for login in sample_logins(db.session, gen.committee):
        where = f"  {login.unit_name} ({login.unit_size} members)" if login.unit_size else ""
        click.echo(f"  {login.role:<10} {login.name:<4} {login.login}{where}")
