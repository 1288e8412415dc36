"""Finding and replacing a person's identifying strings in text and JSON columns.

Used by erasure (``studyhub.org.erasure``): a departed member's name, phone,
member number and e-mail are replaced by a placeholder wherever the
application copied them (meeting records, frozen scores, evidence snapshots,
audit entries…). JSON columns are stored by ``json.dumps`` with its default
``ensure_ascii``, so "张三" sits there as ``\\u5f20\\u4e09``: every search looks
for both spellings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, cast, false, or_, select
from sqlalchemy.orm import Session

# What replaces the free text a departed member wrote (a comment, a reflection, a reason).
ERASED_TEXT = "[已删除]"
# Shorter strings are not searched for: one character would match far too much.
MIN_NEEDLE = 2


def needles_of(values: Iterable[str | None]) -> tuple[str, ...]:
    """The distinct non-blank values worth searching for, longest first (so that a
    name inside a longer one is replaced as part of the longer one)."""
    found = {v.strip() for v in values if v and len(v.strip()) >= MIN_NEEDLE}
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


def _spellings(needles: Sequence[str]) -> list[str]:
    forms: list[str] = []
    for needle in needles:
        for form in (needle, json.dumps(needle)[1:-1]):
            if form not in forms:
                forms.append(form)
    return forms


def mentions(column: Any, needles: Sequence[str]) -> ColumnElement[bool]:
    """SQL: the column's text (a JSON column's serialised text) holds one of ``needles``."""
    text = cast(column, String) if isinstance(column.type, JSON) else column
    if not needles:
        return false()
    return or_(*(text.contains(form, autoescape=True) for form in _spellings(needles)))


def replaced(
    value: Any, needles: Sequence[str], placeholder: str, protected: Sequence[str] = ()
) -> Any:
    """``value`` with every needle replaced, inside strings, lists and dict values.

    ``protected`` strings (other people's longer names that contain a needle: "张一鸣"
    when "张一" is erased) are left whole.
    """
    if isinstance(value, str):
        for i, keep in enumerate(protected):
            value = value.replace(keep, f"\x00{i}\x00")
        for needle in needles:
            value = value.replace(needle, placeholder)
        for i, keep in enumerate(protected):
            value = value.replace(f"\x00{i}\x00", keep)
        return value
    if isinstance(value, list):
        return [replaced(v, needles, placeholder, protected) for v in value]
    if isinstance(value, dict):
        return {k: replaced(v, needles, placeholder, protected) for k, v in value.items()}
    return value


def scrub_columns(
    session: Session,
    table: Table,
    columns: Sequence[str],
    needles: Sequence[str],
    placeholder: str,
    *,
    where: ColumnElement[bool] | None = None,
    protected: Sequence[str] = (),
) -> int:
    """Replace ``needles`` by ``placeholder`` in ``columns`` of the rows of ``table`` (within
    ``where``) that mention one, leaving ``protected`` strings whole; returns how many rows
    changed.

    Rows are found by SQL and rewritten one by one by primary key (a person is
    mentioned in few rows), with plain ``UPDATE`` statements: loaded ORM objects
    of these rows are stale afterwards (the caller expires them).
    """
    if not needles or not columns:
        return 0
    (pk,) = table.primary_key.columns
    cols = [table.c[name] for name in columns]
    stmt = select(pk, *cols).where(or_(*(mentions(c, needles) for c in cols)))
    if where is not None:
        stmt = stmt.where(where)
    changed = 0
    for row in session.execute(stmt).all():
        values = {}
        for col in cols:
            old = row._mapping[col]
            new = replaced(old, needles, placeholder, protected)
            length = getattr(col.type, "length", None)
            if isinstance(new, str) and length:  # a longer placeholder must still fit
                new = new[:length]
            if new != old:
                values[col.name] = new
        if values:
            session.execute(table.update().where(pk == row[0]).values(**values))
            changed += 1
    return changed
