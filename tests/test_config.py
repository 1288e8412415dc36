"""Settings: environments, overrides, the development secret and production's refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from studyhub.config import ConfigError, load_config
from studyhub.core import clock


def test_development_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    settings = load_config(tmp_path, None, {})
    assert settings["ENV_NAME"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'studyhub.sqlite'}"


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = load_config(tmp_path, None, {})["SECRET_KEY"]
    second = load_config(tmp_path, None, {})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides_are_parsed(tmp_path):
    settings = load_config(
        tmp_path,
        None,
        {
            "STUDYHUB_DATABASE_URL": "postgresql+psycopg://db/x",
            "STUDYHUB_RATELIMIT_ENABLED": "false",
            "STUDYHUB_PASSWORD_MIN_LENGTH": "10",
            "STUDYHUB_LOGIN_ACCOUNT_LIMIT": "5 per minute",
            "OTHER": "ignored",
        },
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/x"
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["PASSWORD_MIN_LENGTH"] == 10
    assert settings["LOGIN_ACCOUNT_LIMIT"] == "5 per minute"
    assert "OTHER" not in settings


def test_production_refuses_to_start_without_secret_and_database(tmp_path):
    with pytest.raises(ConfigError, match="STUDYHUB_SECRET_KEY and STUDYHUB_DATABASE_URL"):
        load_config(tmp_path, None, {"STUDYHUB_ENV": "production"})
    with pytest.raises(ConfigError, match="STUDYHUB_DATABASE_URL"):
        load_config(tmp_path, None, {"STUDYHUB_ENV": "production", "STUDYHUB_SECRET_KEY": "x"})
    assert not (tmp_path / "secret_key").exists()


def test_production_cookies_are_secure(tmp_path):
    settings = load_config(
        tmp_path,
        None,
        {
            "STUDYHUB_ENV": "production",
            "STUDYHUB_SECRET_KEY": "s" * 40,
            "STUDYHUB_DATABASE_URL": "postgresql+psycopg://db/x",
        },
    )
    assert settings["REMEMBER_COOKIE_SECURE"] and settings["SESSION_COOKIE_SECURE"]
    assert settings["REMEMBER_COOKIE_HTTPONLY"] and settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert settings["REMEMBER_COOKIE_DURATION"].days <= 31
    assert settings["SESSION_PROTECTION"] == "basic"
    assert settings["WTF_CSRF_TIME_LIMIT"] >= 3 * 3600


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="STUDYHUB_ENV"):
        load_config(tmp_path, None, {"STUDYHUB_ENV": "staging"})


def test_local_date_uses_the_committee_time_zone():
    # 16:30 UTC on 31 December is already New Year's Day in Beijing.
    instant = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert clock.local_date(instant, "Asia/Shanghai") == date(2027, 1, 1)
    assert clock.local_date(instant, "UTC") == date(2026, 12, 31)
    assert clock.as_utc(datetime(2026, 1, 1)).tzinfo is UTC


def test_text_settings_stay_text_even_when_they_look_like_numbers(tmp_path):
    settings = load_config(
        tmp_path, None, {"STUDYHUB_SECRET_KEY": "1234567890", "STUDYHUB_MAIL_FROM": "null"}
    )
    assert settings["SECRET_KEY"] == "1234567890"
    assert settings["MAIL_FROM"] == "null"


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("true", True), ("false", False)])
def test_switches_set_in_the_environment_are_read_as_switches(tmp_path, value, expected):
    settings = load_config(tmp_path, None, {"STUDYHUB_PROXY_FIX": value})
    assert settings["PROXY_FIX"] == expected


def test_operators_settings_are_declared_with_their_defaults(tmp_path):
    settings = load_config(tmp_path, None, {"STUDYHUB_SCHEDULER_LEASE_SECONDS": "30"})
    assert settings["SCHEDULER_LEASE_SECONDS"] == 30
    assert settings["SCHEDULER_LOCK_POLL_SECONDS"] == 5.0
    assert settings["BASE_URL"] is None and settings["PROXY_FIX"] is False
