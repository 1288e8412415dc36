"""Account commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from studyhub.accounts import services
from studyhub.accounts.models import User
from studyhub.accounts.queries import user_by_login
from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.web.saving import command_unit


@click.command("create-admin")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--login", "login", required=True, help="Phone number or member number to log in with."
)
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
@command_unit
def create_admin(name: str, login: str, password: str) -> None:
    """Create a system administrator (or make an existing account one)."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    try:
        services.check_password_rules(
            password, min_length=current_app.config["PASSWORD_MIN_LENGTH"]
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    login = services.normalise_login(login)
    user = db.session.scalars(user_by_login(login)).first()
    now = clock.now_utc()
    if user is None:
        is_phone = login.isdigit() and len(login) == 11
        user = User(
            name=name,
            phone=login if is_phone else None,
            member_no=None if is_phone else login,
            created_at=now,
        )
        db.session.add(user)
    user.name = name
    user.is_admin = True
    user.is_enabled = True
    user.password_hash = services.hash_password(password, method=method)
    user.must_change_password = False
    services.end_all_sessions(user, now=now, reason="password")
    click.echo(f"Administrator {name} can log in as {login}.")
