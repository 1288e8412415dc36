"""Template filters shared by every domain."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from studyhub.core.clock import as_utc
from studyhub.web.layout import register_layout


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
    def localdatetime(value: datetime | None, fmt: str = "short") -> str:
        if value is None:
            return ""
        return format_datetime(as_utc(value), fmt)
