"""Keyset-free, bounded pagination over a ``Select`` (one COUNT, one page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 2**31 - 1  # times MAX_PER_PAGE, still an offset every database takes


def page_number(value: str) -> int:
    """``?page=`` for ``request.args.get("page", 1, type=page_number)``.

    Raises ``ValueError`` (so ``get`` gives its default) for anything but a
    whole number from 1 to :data:`MAX_PAGE`: a larger one would overflow the
    statement's OFFSET.
    """
    number = int(value)
    if not 1 <= number <= MAX_PAGE:
        raise ValueError(f"not a page: {value!r}")
    return number


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(
    session: Session,
    stmt: Select,
    page: int,
    per_page: int = DEFAULT_PER_PAGE,
    *,
    params: dict[str, Any] | None = None,
    count: Select[tuple[int]] | None = None,
) -> Page:
    """One page of ``stmt``'s rows and their total.

    A statement built once with bind parameters comes with their ``params`` and may
    bring its own ``count`` statement (also built once), instead of one derived here.
    """
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    if count is None:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.scalar(count, params) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    items = list(
        session.scalars(stmt.limit(per_page).offset((page - 1) * per_page), params).unique()
    )
    return Page(items=items, page=page, per_page=per_page, total=total)
