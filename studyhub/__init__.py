"""studyhub: daily readings, quizzes, study plans and 三会一课 records for Party organisations."""

from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from werkzeug.middleware.proxy_fix import ProxyFix

from studyhub.config import load_config
from studyhub.core import sqlite_writers, units
from studyhub.web.ids import IdConverter
from studyhub.web.saving import App, install_units
from studyhub.web.storage import init_storage

# SQLite: how long a write unit waits for the write lock before its request answers 503.
SQLITE_BUSY_TIMEOUT_MS = 10000


def package_folder(name: str) -> Path:
    """The folder of ``studyhub.<name>``: the templates or the migrations.

    The repository keeps them in top-level folders and setup.py maps them into
    the package, so a wheel holds them inside ``studyhub/`` and an editable
    install points the same names at the checkout; either way the installed
    package says where they are, whatever the current directory.
    """
    return Path(str(files(f"studyhub.{name}")))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints and commands.

    ``config`` overrides everything else; ``ENV_NAME`` in it picks the
    environment class (otherwise ``STUDYHUB_ENV``, default development).
    """
    # STUDYHUB_INSTANCE_PATH, else Flask's rule: instance/ beside the package in a checkout
    # (pip install -e .), <virtualenv>/var/studyhub-instance for an installed wheel.
    configured = os.environ.get("STUDYHUB_INSTANCE_PATH")
    app = App(
        __name__,
        instance_path=str(Path(configured).resolve()) if configured else None,
        template_folder=str(package_folder("templates")),
        static_folder="static",
    )
    instance_path = Path(app.instance_path)
    app.config.update(load_config(instance_path, config, dict(os.environ)))
    app.url_map.converters["int"] = IdConverter  # before any route: ids the database can hold
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations")
    )
    app.wsgi_app = behind_proxies(app.wsgi_app, app.config.get("PROXY_FIX"))  # type: ignore[method-assign]

    _init_extensions(app)
    install_units(app)
    _import_models()
    _import_erasers()
    _register_blueprints(app)
    return app


def behind_proxies(wsgi_app: Any, setting: Any) -> Any:
    """``wsgi_app`` reading the client address from ``trusted_proxies(setting)`` proxies'
    ``X-Forwarded-For`` (and ``https`` and the host from the nearest one), or as it is."""
    proxies = trusted_proxies(setting)
    if not proxies:
        return wsgi_app
    return ProxyFix(wsgi_app, x_for=proxies, x_proto=1, x_host=1)


def trusted_proxies(setting: Any) -> int:
    """How many proxies' ``X-Forwarded-For`` entries to trust: ``PROXY_FIX`` as a number.

    Unset, false or 0: none (the headers are ignored, the client address is the
    socket's). ``true`` or ``1``: the nearest proxy (nginx on the same machine).
    ``N``: a chain of N proxies; the client address is the N-th entry from the
    right, so whatever a client writes at the left of the header is not believed.
    """
    if setting is True:
        return 1
    if isinstance(setting, str):
        setting = setting.strip().lower()
        if setting in {"true", "yes", "on"}:
            return 1
        setting = int(setting) if setting.isdigit() else 0
    return max(int(setting or 0), 0)


def _import_models() -> None:
    """Every domain's models, so the metadata (and Alembic) sees every table."""
    import studyhub.accounts.models
    import studyhub.audit.models
    import studyhub.live.models
    import studyhub.meetings.models
    import studyhub.notify.models
    import studyhub.org.models
    import studyhub.plans.models
    import studyhub.points.models
    import studyhub.quizzes.models
    import studyhub.readings.models
    import studyhub.reports.models
    import studyhub.scheduler.models  # noqa: F401


def _import_erasers() -> None:
    """Every domain's part of erasing a departed member (``studyhub.org.erasure.ERASERS``)."""
    import studyhub.live.erasure
    import studyhub.meetings.erasure
    import studyhub.plans.erasure
    import studyhub.quizzes.erasure
    import studyhub.readings.erasure
    import studyhub.reports.erasure  # noqa: F401


def _init_extensions(app: Flask) -> None:
    from studyhub.extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        select_locale,
        warn_about_memory_limits,
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(package_folder("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=None)
    limiter.init_app(app)
    init_storage(app)
    warn_about_memory_limits(app, sys.argv, dict(os.environ))


def _register_blueprints(app: Flask) -> None:
    from studyhub.accounts.menu import bp as menu_bp
    from studyhub.accounts.views import bp as accounts_bp
    from studyhub.cli import register_commands
    from studyhub.live.views import bp as live_bp
    from studyhub.meetings.views import bp as meetings_bp
    from studyhub.notify.views import bp as notify_bp
    from studyhub.org.channels import bp as channels_bp
    from studyhub.org.views import bp as org_bp
    from studyhub.plans.views import bp as plans_bp
    from studyhub.quizzes.views import bp as quizzes_bp
    from studyhub.readings.views import bp as readings_bp
    from studyhub.reports.views import bp as reports_bp
    from studyhub.web.filters import register_filters
    from studyhub.web.help import bp as help_bp
    from studyhub.web.ops import register_ops
    from studyhub.web.pwa import bp as pwa_bp
    from studyhub.web.security import register_security_headers
    from studyhub.web.views import bp as web_bp
    from studyhub.web.views import empty_page, floor, member_floor, register_error_handlers

    app.register_blueprint(web_bp)
    app.register_blueprint(help_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(menu_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(channels_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(readings_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(live_bp)
    register_error_handlers(app)
    register_security_headers(app)
    register_filters(app)
    register_ops(app)
    register_commands(app)
    if app.config.get("BENCH_FLOOR"):
        app.add_url_rule("/_bench/floor", "bench_floor", floor)
        app.add_url_rule("/_bench/member-floor", "bench_member_floor", member_floor)
        app.add_url_rule("/_bench/empty-page", "bench_empty_page", empty_page)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: WAL, foreign keys on, and transactions that SQLAlchemy controls."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """SQLite: a write unit takes the write lock when it begins, and waits for it.

    A deferred transaction that reads and then writes fails at once ("database is
    locked", without waiting) when another connection wrote in between; one that
    begins with the lock waits up to the busy timeout and then cannot fail that way.
    Read units begin deferred and run beside the writer (WAL). See core/units.py.
    """
    if conn.dialect.name != "sqlite":
        return
    if units.is_write():
        sqlite_writers.queue(
            conn.connection.info,
            conn.engine.url.database,
            timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        )
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


@event.listens_for(Pool, "checkin")
def _sqlite_end_of_write(dbapi_connection, connection_record) -> None:
    """A connection back in the pool has committed or rolled back: the next writer may go."""
    sqlite_writers.leave(connection_record.info)


@event.listens_for(Pool, "invalidate")
def _sqlite_writer_gone(dbapi_connection, connection_record, exception) -> None:
    sqlite_writers.leave(connection_record.info)


def main() -> None:
    """The ``studyhub`` console command: Flask's CLI with every domain's commands."""
    from studyhub.cli import command_group

    command_group(create_app)()
