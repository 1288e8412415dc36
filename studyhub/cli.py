"""The ``studyhub`` command: Flask's CLI bound to the app, plus our commands.

Each domain keeps its commands in its own ``cli.py``; this module only gathers
them, so commands never import HTTP handlers.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask
from flask.cli import FlaskGroup

from studyhub.accounts.cli import create_admin
from studyhub.backup.cli import backup_command, restore_command
from studyhub.benchdata.command import gen_data_command
from studyhub.demo.command import demo_command
from studyhub.live.cli import live_channel_command
from studyhub.meetings.cli import export_meetings, import_meetings
from studyhub.org.cli import import_members
from studyhub.quizzes.cli import import_questions
from studyhub.readings.cli import import_history, import_readings
from studyhub.reports.cli import export_scores_command
from studyhub.scheduler.cli import scheduler_command


def register_commands(app: Flask) -> None:
    for command in (
        demo_command,
        create_admin,
        import_members,
        gen_data_command,
        import_readings,
        import_history,
        import_questions,
        scheduler_command,
        export_scores_command,
        export_meetings,
        import_meetings,
        backup_command,
        restore_command,
        live_channel_command,
    ):
        app.cli.add_command(command)


def command_group(create_app: Callable[[], Flask]) -> click.Group:
    """The ``studyhub`` command group: Flask's CLI on the app ``create_app`` makes.

    The app factory is handed in (``studyhub.main`` does it), so this module never
    imports the package above it.
    """

    @click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
    def main() -> None:
        """studyhub: study, tests and 三会一课 records for Party organisations."""

    return main
