"""Every Flask extension, created once here and bound in ``create_app``."""

from __future__ import annotations

import shlex

from flask import current_app, has_request_context, request
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
# Flask-Login's own message is English only; ours is flashed in the request's language.
login_manager.login_message = _l("Please log in to open this page.")
login_manager.localize_callback = str
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def select_locale() -> str:
    """The user's chosen language, else the browser's preferred one; Chinese by default.

    The choice is ``User.locale``, set with the switch in the account menu.
    Outside a request (commands, jobs, service tests) the default language.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return languages[0]
    chosen = getattr(current_user, "locale", None)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def worker_processes(argv: list[str], environ: dict[str, str]) -> int:
    """How many worker processes serve this app, as far as the command line tells.

    gunicorn's ``-w N`` / ``--workers N`` / ``--workers=N`` on its own command
    line (every worker inherits the master's ``sys.argv``) or in
    ``GUNICORN_CMD_ARGS``, and ``WEB_CONCURRENCY`` (gunicorn's default worker
    count, also read by other servers). A gunicorn config file's ``workers`` is
    not seen: set ``WEB_CONCURRENCY`` too, or simply use Redis.
    """
    counts = []
    if environ.get("WEB_CONCURRENCY", "").strip().isdigit():
        counts.append(int(environ["WEB_CONCURRENCY"]))
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    if argv and "gunicorn" in argv[0]:  # .../bin/gunicorn or .../gunicorn/__main__.py
        args += argv[1:]
    for index, arg in enumerate(args):
        value = None
        if arg in {"-w", "--workers"} and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--workers="):
            value = arg.partition("=")[2]
        elif arg.startswith("-w") and arg[2:].isdigit():
            value = arg[2:]
        if value is not None and value.isdigit():
            counts.append(int(value))
    return max(counts, default=1)


def warn_about_memory_limits(app, argv: list[str], environ: dict[str, str]) -> bool:
    """Log a warning when rate limits are counted in memory by more than one worker.

    ``memory://`` counts in each process, so N workers allow N times every
    limit (login throttling included). Returns whether it warned.
    """
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    workers = worker_processes(argv, environ)
    if not app.config.get("RATELIMIT_ENABLED", True) or not uri.startswith("memory://"):
        return False
    if workers <= 1:
        return False
    app.logger.warning(
        "Rate limits (login throttling) are counted in memory by each of %d worker processes, "
        "so every limit is %d times looser: set STUDYHUB_RATELIMIT_STORAGE_URI=redis://…",
        workers,
        workers,
    )
    return True
