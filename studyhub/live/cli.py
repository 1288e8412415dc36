"""``studyhub live-channel``: run the live channel process (see studyhub/live/channel.py)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("live-channel")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5701, show_default=True, type=int)
@click.option("--path", default=None, help="A Unix socket to listen on instead of host:port.")
@with_appcontext
def live_channel_command(host: str, port: int, path: str | None) -> None:
    """Hold the viewers' Server-Sent Events connections of live lessons (needs LIVE_REDIS_URL)."""
    # Imported here, not at the top: the app's web workers load every command, and only
    # the channel process needs aiohttp.
    from aiohttp import web

    from studyhub.live.channel import make_app

    redis_url = current_app.config.get("LIVE_REDIS_URL")
    if not redis_url:
        raise click.ClickException(
            "Set STUDYHUB_LIVE_REDIS_URL (e.g. redis://127.0.0.1:6379/0): the channel learns "
            "of new comments through Redis. Without it the lesson pages poll the app."
        )
    app = make_app(secret=current_app.config["SECRET_KEY"], redis_url=redis_url)
    click.echo(f"live channel on {path or f'{host}:{port}'}")
    web.run_app(
        app,
        host=None if path else host,
        port=None if path else port,
        path=path,
        print=None,
        access_log=None,
    )
