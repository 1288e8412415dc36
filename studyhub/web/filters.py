"""Template filters shared by every domain."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import Flask, g
from flask_babel import format_date, format_datetime, get_locale

from studyhub.core.clock import as_utc
from studyhub.web.layout import register_layout

# An aware ISO 8601 instant as the change history stores it ("2026-11-20T06:30:00+00:00").
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def format_local(
    value: datetime | str | None, timezone: str | None = None, fmt: str = "short"
) -> str:
    """An instant for people: in ``timezone`` (the committee's; the application's default when
    None) and the request's language, e.g. "2026年11月20日 14:30". Also takes the ISO text a
    change history holds; any other text comes back unchanged. The one formatter for times in
    pages and documents, so none shows raw UTC."""
    if value is None:
        return ""
    if isinstance(value, str):
        if not _ISO_INSTANT.match(value):
            return value
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        return str(value)
    locale = get_locale() or "zh_Hans_CN"
    timezone = timezone or _page_timezone()
    if timezone is None:
        return format_datetime(as_utc(value), fmt)
    return babel_dates.format_datetime(as_utc(value), fmt, tzinfo=ZoneInfo(timezone), locale=locale)


def _page_timezone() -> str | None:
    """The zone of this request's page: the unit it shows (:func:`use_timezone`), else the
    committee of the member asking (``org.context`` keeps their row, time zone included, in
    ``g`` from the request's first statement; nothing is read for it here)."""
    if not g:
        return None
    if "unit_timezone" in g:
        return g.unit_timezone
    row = g.get("member_row")
    return getattr(row, "timezone", None)


def use_timezone(timezone: str) -> None:
    """Times on this request's page are in ``timezone`` (the committee's of the unit the page
    shows) unless a template names another."""
    g.unit_timezone = timezone


def register_filters(app: Flask) -> None:
    register_layout(app)

    @app.context_processor
    def locale_context() -> dict[str, str]:
        locale = get_locale()
        language = locale.language if locale else "zh"
        return {"html_lang": "zh-CN" if language == "zh" else language}

    @app.template_filter("localdate")
    def localdate(value: date | datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return format_date(as_utc(value), fmt)
        return format_date(value, fmt)

    @app.template_filter("localdatetime")
    def localdatetime(
        value: datetime | str | None, fmt: str = "short", timezone: str | None = None
    ) -> str:
        return format_local(value, timezone, fmt)
