"""What every reading query shares: which readings members see, LIKE patterns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_

from studyhub.readings.models import (
    Reading,
)


def is_visible(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL for :meth:`Reading.is_visible`: published, the time has come, not unpublished;
    a branch's own readings (``branch_id``) are shown on that branch's page only."""
    return and_(
        Reading.branch_id.is_(None),
        Reading.published_at.is_not(None),
        Reading.published_at <= now,
        Reading.unpublished_at.is_(None),
    )


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE with ``\\`` as the escape, so % and _ match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
