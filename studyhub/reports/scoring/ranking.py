"""Ranks in a committee and a branch (higher total first, earlier completion breaking ties),
and the final rating after staff's override."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from studyhub.core.clock import as_utc
from studyhub.reports.scoring.figures import Rating

_LAST = datetime.max.replace(tzinfo=UTC)

# (member key, group key, total, completed_at): kept as plain tuples, since a committee's
# ranking holds one per member.
Standing = tuple[int, int, Decimal, datetime | None]


def _order(standing: Standing) -> tuple[Decimal, datetime]:
    _key, _group, total, completed = standing
    return (-total, as_utc(completed) if completed else _LAST)


def ranks(standings: Iterable[Standing]) -> dict[int, tuple[int, int]]:
    """Member key → (rank in their group, rank overall).

    Higher totals first; on equal totals whoever completed first goes first;
    equal totals completed at the same time (or never) share a rank (1, 1, 3).
    """
    ordered = sorted(standings, key=_order)
    out: dict[int, tuple[int, int]] = {}
    overall: tuple[int, tuple[Decimal, datetime] | None] = (0, None)
    groups: dict[int, tuple[int, int, tuple[Decimal, datetime] | None]] = {}
    for position, standing in enumerate(ordered, start=1):
        key, group, _total, _completed = standing
        order = _order(standing)
        if order != overall[1]:
            overall = (position, order)
        seen, rank, previous = groups.get(group, (0, 0, None))
        seen += 1
        if order != previous:
            rank = seen
        groups[group] = (seen, rank, order)
        out[key] = (rank, overall[0])
    return out


def final_rating(suggested: Rating, override: str | None) -> Rating:
    """The rating that stands: staff's override when there is one."""
    return Rating(override) if override else suggested
