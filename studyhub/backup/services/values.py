"""What backing up and restoring share: progress reports, the app's version, and how a
column's values are written as JSON and read back."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import metadata
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Column,
    Text,
    cast,
)
from sqlalchemy import types as sqltypes

BATCH = 2000
VERSION_TABLE = "alembic_version"


class Progress(Protocol):
    """What the commands show: a phase with a total, advanced as work is done."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def finish(self) -> None:
        pass


def app_version() -> str:
    try:
        return metadata.version("studyhub")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- values ---------------------------------------------------------------------------------


def _kind(column: Column) -> str:
    """How a column's values travel: by its (reflected) type's generic kind."""
    column_type = column.type
    if isinstance(column_type, sqltypes.JSON):
        return "json"
    if isinstance(column_type, sqltypes.DateTime):
        return "datetime_tz" if column_type.timezone else "datetime"
    if isinstance(column_type, sqltypes.Date):
        return "date"
    if isinstance(column_type, sqltypes.Time):
        return "time"
    if isinstance(column_type, sqltypes.Numeric) and not isinstance(column_type, sqltypes.Float):
        return "decimal"
    if isinstance(column_type, sqltypes.LargeBinary):
        return "binary"
    return "plain"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()  # UTC, as the app stores every instant
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _decoder(kind: str) -> Callable[[Any], Any]:
    if kind == "datetime":
        return datetime.fromisoformat
    if kind == "datetime_tz":
        return lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC)
    if kind == "date":
        return date.fromisoformat
    if kind == "time":
        return time.fromisoformat
    if kind == "decimal":
        return Decimal
    if kind == "binary":
        return base64.b64decode
    if kind == "json":
        return lambda v: JSON.NULL if v == "null" else json.loads(v)
    return lambda v: v


def _readable(column: Column) -> Any:
    """The column as read: JSON as its text (SQL NULL and JSON null stay apart)."""
    if _kind(column) == "json":
        return cast(column, Text).label(column.name)
    return column
