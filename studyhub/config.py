"""Configuration: one class per environment plus ``STUDYHUB_*`` overrides.

Nothing here runs at import time beyond defining classes; :func:`load_config`
is called by ``create_app`` only.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

ENV_PREFIX = "STUDYHUB_"


class BaseConfig:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # Database connections each web process keeps (PostgreSQL): its threads, one each.
    # deploy/gunicorn.conf.py sets it to its --threads; 0 keeps SQLAlchemy's default (5).
    DB_POOL_SIZE = 0
    SQLALCHEMY_RECORD_QUERIES = False

    # Sessions: 'basic' so phones moving between Wi-Fi and mobile data stay logged in.
    SESSION_PROTECTION = "basic"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_REFRESH_EACH_REQUEST = False

    # A CSRF token must outlive the longest timed exam plus a lunch break.
    WTF_CSRF_TIME_LIMIT = 12 * 3600

    # Logins end on logout, after SESSION_IDLE_MINUTES without a request (unless "keep me
    # logged in" was ticked; an exam's answer saves count as requests) and SESSION_ABSOLUTE_DAYS
    # after the password was given, whatever happens (the remember-me cookie too).
    SESSION_IDLE_MINUTES = 120
    SESSION_ABSOLUTE_DAYS = 30
    # Login records are deleted this many days after their login's absolute end (a daily job).
    LOGIN_SESSION_KEEP_DAYS = 30
    # Retention of detail events (daily jobs; 0 keeps them for ever, the default): receipts
    # of readings opened but never studied, last seen more than this many days ago, and the
    # mistake book's review log. Nothing any score or dashboard counts is deleted.
    RETENTION_DAYS_READ_EVENTS = 0
    RETENTION_DAYS_REVIEW_EVENTS = 0

    # Rate limits. Failed logins are counted per account (all its identifiers), per address,
    # and per browser that has logged in to the account before (a signed device cookie):
    # see accounts/throttle.py. Counts live in RATELIMIT_STORAGE_URI: memory:// is per
    # process; with several workers use redis://127.0.0.1:6379 (a warning says so at start).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_ACCOUNT_LIMIT = "10 per 15 minutes"
    LOGIN_ADDRESS_LIMIT = "30 per 15 minutes"
    LOGIN_DEVICE_LIMIT = "10 per 15 minutes"
    DEVICE_COOKIE_NAME = "studyhub_device"
    DEVICE_COOKIE_DAYS = 365

    # werkzeug's default (scrypt); tests use a cheaper method.
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 8
    # Added and imported members have no password until they activate their account with
    # a code from their secretary: it lasts this many days, and this many wrong tries end it.
    # The activation page's tries from one address (an office's members activating together
    # behind one NAT address stay well under it).
    ACTIVATION_CODE_DAYS = 14
    ACTIVATION_MAX_FAILURES = 5
    ACTIVATION_RATE_LIMIT = "60 per 10 minutes"

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # A reading counts as studied after this share of its estimated time (within bounds).
    READING_MIN_FRACTION = 0.5
    READING_MIN_SECONDS = 20
    READING_MAX_MIN_SECONDS = 300
    # Comments one member may post per minute and per 24 hours.
    COMMENT_MAX_PER_MINUTE = 3
    COMMENT_MAX_PER_DAY = 30
    # Uploaded files (reading images, quiz media, meeting attachments, imports waiting for
    # confirmation): in UPLOAD_FOLDER (default instance/uploads) or, with STORAGE_URL
    # s3://bucket/prefix, in an S3-compatible bucket (see web/storage.py). The largest
    # accepted reading image.
    UPLOAD_FOLDER: str | None = None
    STORAGE_URL: str | None = None
    STORAGE_ENDPOINT_URL: str | None = None
    STORAGE_ACCESS_KEY: str | None = None
    STORAGE_SECRET_KEY: str | None = None
    STORAGE_REGION: str | None = None
    STORAGE_ADDRESSING_STYLE = "auto"
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    # Answers arriving this long after an attempt's deadline still count (slow networks).
    QUIZ_GRACE_SECONDS = 60

    # Meetings: a QR check-in this long after the planned start counts as late;
    # photos and PDFs attached to a record up to this size.
    CHECKIN_LATE_GRACE_MINUTES = 10
    MEETING_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    READING_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024  # a reading's PDF
    # Remind branch secretaries of required meetings not yet held this many days before the
    # month or quarter ends; a member's excused absence (请假) is "excluded" from the meetings
    # they had to attend, or counts as "attended", in the attendance ratio.
    MEETING_REMINDER_DAYS_BEFORE = 7
    MEETING_EXCUSED_COUNTS_AS = "excluded"
    # Minutes before a planned meeting when those invited are reminded (the day before and
    # an hour before); an empty tuple sends no reminders.
    MEETING_NOTICE_REMINDERS = (24 * 60, 60)
    MEETING_IMPORT_MAX_ROWS = 5000

    # E-mail is sent only when SMTP_HOST is set.
    SMTP_HOST: str | None = None
    SMTP_PORT = 587
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = True
    MAIL_FROM = "studyhub@localhost"
    # SMS copies of reminders members asked for, sent only when SMS_PROVIDER is set
    # ("aliyun": Aliyun SMS SendSms with an approved sign name and a template with the
    # parameters ${title} and ${link}); see studyhub/notify/sms.py.
    SMS_PROVIDER: str | None = None
    SMS_ACCESS_KEY_ID: str | None = None
    SMS_ACCESS_KEY_SECRET: str | None = None
    SMS_SIGN_NAME: str | None = None
    SMS_TEMPLATE_CODE: str | None = None
    SMS_ENDPOINT: str | None = None
    # The CJK font of the plan's PNG poster (unset: fonts-wqy-zenhei or Noto CJK).
    POSTER_FONT: str | None = None

    # Study plans: remind members who have not finished this many days before their due date.
    PLAN_REMINDER_DAYS = [3, 1]

    # The scheduler's time zone for jobs that are not per committee; a second scheduler
    # process tries the lock this often; on SQLite the lock is a lease of this length.
    SCHEDULER_TIMEZONE = "Asia/Shanghai"
    SCHEDULER_LOCK_POLL_SECONDS = 5.0
    SCHEDULER_LEASE_SECONDS = 60.0

    # Behind reverse proxies: 1 (or true) trusts the nearest proxy's X-Forwarded-For, -Proto
    # and -Host; N trusts the last N addresses of X-Forwarded-For (N proxies in a chain).
    # Unset, X-Forwarded-* headers are ignored: anyone can send them.
    PROXY_FIX = False
    # Logs: "text" (default), or "json": one object per line on stderr, each with the id of
    # its request (X-Request-ID), and one line per request. LOG_LEVEL is studyhub's own.
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # Links in e-mails sent by the scheduler (no request to take the host from), e.g.
    # https://study.example.org.
    BASE_URL: str | None = None
    ROSTER_IMPORT_MAX_ROWS = 20000
    # Score exports of units with more members than this are made by a background job
    # (the scheduler) and downloaded when ready; files go to the storage's exports/ (the
    # uploads folder or the bucket, so any machine can serve them).
    EXPORT_INLINE_MAX_MEMBERS = 5000
    # The scheduler's nightly backup (studyhub backup): archives in BACKUP_FOLDER (default
    # instance/backups), the newest BACKUP_KEEP of them kept.
    BACKUP_FOLDER: str | None = None
    BACKUP_KEEP = 7
    BENCH_FLOOR = False
    # Strict-Transport-Security max-age in seconds; 0 sends none (production sets a year).
    HSTS_SECONDS = 0
    # A GET that writes fails loudly instead of being rolled back (web/saving.py).
    STRICT_UNITS = False


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SERVER_NAME = "localhost"
    STRICT_UNITS = True


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    HSTS_SECONDS = 365 * 24 * 3600  # served over HTTPS only (behind the proxy)
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


class ConfigError(RuntimeError):
    """The configuration cannot run the app; the message says what to set."""


def _parse(value: str, default: Any) -> Any:
    """An environment string as the type of the setting's default.

    Text settings (default ``str`` or ``None``) stay text, so a secret made of
    digits is not turned into a number; the others are read as JSON
    (``true``, ``10``, ``["zh", "en"]``), falling back to the text.
    """
    if default is None or isinstance(default, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def env_overrides(environ: dict[str, str], defaults: dict[str, Any]) -> dict[str, Any]:
    """``STUDYHUB_FOO=1`` becomes ``{"FOO": 1}``; ``STUDYHUB_DATABASE_URL`` the database URI."""
    out: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :]
        if name in {"ENV", "INSTANCE_PATH", "TEST_DATABASE_URL"}:
            continue
        if name == "DATABASE_URL":
            out["SQLALCHEMY_DATABASE_URI"] = value
        else:
            out[name] = _parse(value, defaults.get(name))
    return out


def load_config(
    instance_path: Path, overrides: dict[str, Any] | None, environ: dict[str, str]
) -> dict[str, Any]:
    """The final settings for an app: class defaults, then environment, then ``overrides``."""
    overrides = dict(overrides or {})
    env_name = overrides.pop("ENV_NAME", None) or environ.get("STUDYHUB_ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"STUDYHUB_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    cls = CONFIGS[env_name]
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    settings["ENV_NAME"] = env_name
    settings.update(env_overrides(environ, settings))
    settings.update(overrides)

    if env_name == "production":
        missing = [
            name
            for name, key in (
                ("STUDYHUB_SECRET_KEY", "SECRET_KEY"),
                ("STUDYHUB_DATABASE_URL", "SQLALCHEMY_DATABASE_URI"),
            )
            if not settings.get(key)
        ]
        if missing:
            raise ConfigError("production needs " + " and ".join(missing) + " to be set")
    else:
        if not settings.get("SECRET_KEY"):
            settings["SECRET_KEY"] = _instance_secret(instance_path)
        if not settings.get("SQLALCHEMY_DATABASE_URI"):
            settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'studyhub.sqlite'}"
    pool = int(settings.get("DB_POOL_SIZE") or 0)
    if pool > 0 and not str(settings["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **settings["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_size": pool,
            "max_overflow": 2,  # a scheduler job or a CLI command beside the threads
        }
    return settings


def _instance_secret(instance_path: Path) -> str:
    """A development secret generated once and kept in the instance folder."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
