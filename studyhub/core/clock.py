"""The only reader of the system clock.

Services take ``now`` as an argument; views, jobs and commands call
:func:`now_utc` once and pass the value down, so tests can pass any instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def now_utc() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_date(instant: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The calendar date of ``instant`` in ``timezone`` (a committee's local day)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(timezone)).date()


def local_today(timezone: str = DEFAULT_TIMEZONE) -> date:
    """Today's date in ``timezone``."""
    return local_date(now_utc(), timezone)


def as_utc(instant: datetime) -> datetime:
    """``instant`` as an aware UTC datetime; naive values are taken to be UTC.

    SQLite gives naive datetimes back even for timezone-aware columns.
    """
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)
