"""``studyhub scheduler``: the one process that runs scheduled jobs."""

from __future__ import annotations

import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from studyhub.core import clock
from studyhub.scheduler.process import SchedulerProcess, configure_logging
from studyhub.scheduler.registry import find_job, jobs_for
from studyhub.scheduler.runner import run_job


@click.command("scheduler")
@click.option("--once", "once", metavar="JOB", help="Run one job now, print what it did, exit.")
@click.option("--force", is_flag=True, help="With --once: run even if this period already ran.")
@click.option("--list", "list_jobs", is_flag=True, help="List the jobs and their next runs.")
@with_appcontext
def scheduler_command(once: str | None, force: bool, list_jobs: bool) -> None:
    """Run the scheduled jobs (one process; a second one waits for the lock)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    configure_logging()
    if list_jobs:
        _list(app)
        return
    if once:
        try:
            job = find_job(once, app.config)
        except KeyError:
            names = ", ".join(j.name for j in jobs_for(app.config))
            raise click.BadParameter(
                f"no job {once!r}; jobs: {names}", param_hint="--once"
            ) from None
        click.echo(run_job(app, job, force=force).describe())
        return
    process = SchedulerProcess(app)

    def stop(signum: int, frame: object) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping the scheduler", err=True)
        process.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.exit(process.run())


def _list(app) -> None:
    timezone = app.config["SCHEDULER_TIMEZONE"]
    now = clock.now_utc()
    click.echo(f"Jobs (times in {timezone}):")
    for job in jobs_for(app.config):
        schedule = " ".join(f"{k}={v}" for k, v in job.cron.items())
        next_run = job.trigger(timezone).get_next_fire_time(None, now)
        once = f"once per {job.once_per}" if job.once_per else "every run"
        click.echo(f"  {job.name:<32} {schedule:<20} {once:<15} next {next_run:%Y-%m-%d %H:%M}")
        if job.description:
            click.echo(f"      {job.description}")
