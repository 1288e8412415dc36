"""党史今天 (this day in the Party's history): the home page's entries, the day's page and
the staff's lists and imports."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, bindparam, case, or_, select

from studyhub.readings.models import (
    HistoryEntry,
)


def history_on(committee_id: int, month: int, day: int) -> Select[tuple[HistoryEntry]]:
    """党史今天: the entries of a month and day shared by everyone or the committee's own."""
    return (
        select(HistoryEntry)
        .where(
            HistoryEntry.month == month,
            HistoryEntry.day == day,
            or_(HistoryEntry.committee_id.is_(None), HistoryEntry.committee_id == committee_id),
        )
        .order_by(HistoryEntry.year, HistoryEntry.id)
    )


HISTORY_BRIEF_LIMIT = 2  # on the home page; the day's page lists them all

# When today has no entry, the home page shows the next day that has one, at most this far ahead.
HISTORY_LOOKAHEAD_DAYS = 7


def _history_soon() -> Select[tuple[int, int, str]]:
    offsets = range(HISTORY_LOOKAHEAD_DAYS + 1)
    day_of = {
        offset: and_(
            HistoryEntry.month == bindparam(f"month{offset}"),
            HistoryEntry.day == bindparam(f"day{offset}"),
        )
        for offset in offsets
    }
    offset = case(*((day_of[o], o) for o in offsets)).label("offset")
    return (
        select(offset, HistoryEntry.year, HistoryEntry.title)
        .where(
            or_(*day_of.values()),
            or_(
                HistoryEntry.committee_id.is_(None),
                HistoryEntry.committee_id == bindparam("committee_id"),
            ),
        )
        .order_by(offset, HistoryEntry.year, HistoryEntry.id)
        .limit(HISTORY_BRIEF_LIMIT * (HISTORY_LOOKAHEAD_DAYS + 1))
    )


_HISTORY_SOON = _history_soon()


def history_soon() -> Select[tuple[int, int, str]]:
    """(days ahead, year, title) of the entries of today and the next days, nearest first.

    Binds ``committee_id`` and, for each ``n`` from 0 (today) to
    :data:`HISTORY_LOOKAHEAD_DAYS`, ``month<n>`` and ``day<n>``; use
    :func:`history_soon_params`. At most :data:`HISTORY_BRIEF_LIMIT` rows a
    day are needed; the limit only bounds the whole.
    """
    return _HISTORY_SOON


def history_soon_params(committee_id: int, today: date) -> dict[str, int]:
    params = {"committee_id": committee_id}
    for offset in range(HISTORY_LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        params[f"month{offset}"] = day.month
        params[f"day{offset}"] = day.day
    return params


def history_of_month(committee_id: int | None, month: int) -> Select[tuple[HistoryEntry]]:
    """党史今天 entries of a month: everyone's and (with a committee) the committee's own."""
    owner = HistoryEntry.committee_id.is_(None)
    if committee_id is not None:
        owner = or_(owner, HistoryEntry.committee_id == committee_id)
    return (
        select(HistoryEntry)
        .where(HistoryEntry.month == month, owner)
        .order_by(HistoryEntry.day, HistoryEntry.year, HistoryEntry.id)
    )


def history_of_committee(committee_id: int | None) -> Select[tuple[HistoryEntry]]:
    """Every entry of one owner: a committee, or everyone's (None)."""
    owner = (
        HistoryEntry.committee_id.is_(None)
        if committee_id is None
        else HistoryEntry.committee_id == committee_id
    )
    return select(HistoryEntry).where(owner)


def history_entry(
    committee_id: int | None, month: int, day: int, year: int, title: str
) -> Select[tuple[HistoryEntry]]:
    """The entry with this key (NULL committees are not equal in a unique index)."""
    return history_of_committee(committee_id).where(
        HistoryEntry.month == month,
        HistoryEntry.day == day,
        HistoryEntry.year == year,
        HistoryEntry.title == title,
    )
