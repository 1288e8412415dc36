"""``studyhub gen-data``: a large synthetic organisation for benchmarks."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("gen-data")
@click.option("--members", default=1000, show_default=True)
@click.option("--branches", default=20, show_default=True)
@click.option("--seed", default=1, show_default=True)
@with_appcontext
def gen_data_command(members: int, branches: int, seed: int) -> None:
    """Generate a synthetic committee in batches, with a progress bar."""
    raise click.ClickException("gen-data is being written")
