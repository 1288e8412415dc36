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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, cast, false, or_, select
from sqlalchemy.orm import Session

# What replaces the free text a departed member wrote (a comment, a reflection, a reason).
ERASED_TEXT = "[已删除]"
# Shorter strings are not searched for: one character would match far too much.
MIN_NEEDLE = 2
# A number (a member number, a phone) shorter than this is not searched for in free text:
# "12" or "2026" also sits inside dates, amounts and other people's numbers.
MIN_NUMBER_NEEDLE = 5


def needles_of(values: Iterable[str | None], *, shortest: int = MIN_NEEDLE) -> tuple[str, ...]:
    """The distinct non-blank values worth searching for (at least ``shortest`` characters),
    longest first (so that a name inside a longer one is replaced as part of the longer one)."""
    found = {v.strip() for v in values if v and len(v.strip()) >= shortest}
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


# Whether a dict inside a JSON value is about the person being erased (a row of a list
# naming them by id): there the person's own needles apply, not only the shareable ones.
Owned = Callable[[dict[str, Any]], bool]


def replaced(
    value: Any,
    needles: Sequence[str],
    placeholder: str,
    protected: Sequence[str] = (),
    *,
    owned: Owned | None = None,
    own_needles: Sequence[str] = (),
) -> Any:
    """``value`` with every needle replaced, inside strings, lists and dict values.

    ``protected`` strings (other people's longer names that contain a needle: "张一鸣"
    when "张一" is erased) are left whole. A dict for which ``owned`` is true (it names
    the erased person by id) has ``own_needles`` replaced too, in all of it.
    """
    if isinstance(value, dict) and owned is not None and owned(value):
        needles = _longest_first([*needles, *own_needles])
    if isinstance(value, str):
        for i, keep in enumerate(protected):
            value = value.replace(keep, f"\x00{i}\x00")
        for needle in needles:
            value = value.replace(needle, placeholder)
        for i, keep in enumerate(protected):
            value = value.replace(f"\x00{i}\x00", keep)
        return value
    more = {"owned": owned, "own_needles": own_needles}
    if isinstance(value, list):
        return [replaced(v, needles, placeholder, protected, **more) for v in value]
    if isinstance(value, dict):
        return {k: replaced(v, needles, placeholder, protected, **more) for k, v in value.items()}
    return value


def _longest_first(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values), key=lambda v: (-len(v), v)))


def scrub_columns(
    session: Session,
    table: Table,
    columns: Sequence[str],
    needles: Sequence[str],
    placeholder: str,
    *,
    where: ColumnElement[bool] | None = None,
    protected: Sequence[str] = (),
    owned: Owned | None = None,
    own_needles: Sequence[str] = (),
) -> int:
    """Replace ``needles`` by ``placeholder`` in ``columns`` of the rows of ``table`` (within
    ``where``) that mention one, leaving ``protected`` strings whole; returns how many rows
    changed. Inside JSON, a dict that ``owned`` says is the person's has ``own_needles``
    replaced as well (see :func:`replaced`).

    Rows are found by SQL and rewritten one by one by primary key (a person is
    mentioned in few rows), with plain ``UPDATE`` statements: loaded ORM objects
    of these rows are stale afterwards (the caller expires them).
    """
    searched = _longest_first([*needles, *(own_needles if owned is not None else ())])
    if not searched or not columns:
        return 0
    (pk,) = table.primary_key.columns
    cols = [table.c[name] for name in columns]
    stmt = select(pk, *cols).where(or_(*(mentions(c, searched) for c in cols)))
    if where is not None:
        stmt = stmt.where(where)
    changed = 0
    for row in session.execute(stmt).all():
        values = {}
        for col in cols:
            old = row._mapping[col]
            new = replaced(
                old, needles, placeholder, protected, owned=owned, own_needles=own_needles
            )
            length = getattr(col.type, "length", None)
            if isinstance(new, str) and length:  # a longer placeholder must still fit
                new = new[:length]
            if new != old:
                values[col.name] = new
        if values:
            session.execute(table.update().where(pk == row[0]).values(**values))
            changed += 1
    return changed
