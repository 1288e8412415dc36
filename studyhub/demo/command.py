"""``studyhub demo``: create or upgrade the database, load the demo, print the logins, serve."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from studyhub.core.schema import drop_all_tables
from studyhub.demo.load import load_demo
from studyhub.demo.people import DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.scheduler.process import configure_logging, start_in_background
from studyhub.web.saving import unit_of_work


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only create the database and load the demo.")
@click.option("--reset", is_flag=True, help="Delete every table first and start from scratch.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, reset: bool) -> None:
    """Create or upgrade the database, load the demo data, print the logins and serve."""
    if reset:
        click.echo("Dropping every table…")
        drop_all_tables(db.engine)
    upgrade()
    with unit_of_work():
        logins = load_demo(password_method=current_app.config["PASSWORD_HASH_METHOD"])
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.role:<32} {login.name:<6} {login.login}")
    if no_serve:
        return
    url = f"http://{host}:{port}/"
    click.echo(f"\nstudyhub is running at {url}  (Ctrl+C stops it)")
    app = current_app._get_current_object()
    # The scheduler runs beside the server here, for convenience only; in
    # production it is its own process (``studyhub scheduler``).
    configure_logging()
    scheduler, scheduler_thread = start_in_background(app)
    try:
        # Not app.run(): Flask ignores it inside a CLI command (FLASK_RUN_FROM_CLI).
        run_simple(host, port, app, threaded=True)
    finally:
        scheduler.stop()
        scheduler_thread.join(timeout=30)
