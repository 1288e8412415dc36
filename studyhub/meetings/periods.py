"""Calendar months and quarters in a committee's time zone, for compliance. Pure: no database.

A period is a span of local dates; its instants run from local midnight of its
first day up to (not including) local midnight after its last day. So in
Beijing 31 March 23:30 is March and Q1, and 1 April 00:10 is April and Q2 — in
UTC, 31 March 15:30 and 31 March 16:10.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


class Every(enum.StrEnum):
    """How often a kind of meeting is required (stored in ``RequiredFrequency.period``)."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"  # 组织生活会, 民主评议党员
    NONE = "none"


def midnight(day: date, timezone: str) -> datetime:
    """Local midnight at the start of ``day``, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def month_starts(year: int, timezone: str) -> list[datetime]:
    """The 13 instants that bound the months of ``year``: 1 January … 1 January next year."""
    days = [date(year, month, 1) for month in range(1, 13)] + [date(year + 1, 1, 1)]
    return [midnight(day, timezone) for day in days]


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def months_of(quarter: int) -> range:
    return range(3 * quarter - 2, 3 * quarter + 1)


@dataclass(frozen=True, order=True)
class Period:
    """One month (``number`` 1–12) or quarter (1–4) of ``year``, or the year (number 1)."""

    every: Every
    year: int
    number: int

    @classmethod
    def containing(cls, every: Every, day: date) -> Period:
        if every == Every.YEAR:
            return cls(every, day.year, 1)
        number = day.month if every == Every.MONTH else quarter_of(day.month)
        return cls(every, day.year, number)

    @property
    def label(self) -> str:
        """``2026-03``, ``2026Q1`` or ``2026``: stable keys (reminder dedupe keys use them)."""
        if self.every == Every.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.every == Every.YEAR:
            return f"{self.year}"
        return f"{self.year}Q{self.number}"

    @property
    def months(self) -> range:
        if self.every == Every.YEAR:
            return range(1, 13)
        return (
            range(self.number, self.number + 1)
            if self.every == Every.MONTH
            else months_of(self.number)
        )

    @property
    def first_day(self) -> date:
        return date(self.year, self.months[0], 1)

    @property
    def end_day(self) -> date:
        """The first day after the period."""
        last = self.months[-1]
        return date(self.year + 1, 1, 1) if last == 12 else date(self.year, last + 1, 1)

    def starts_at(self, timezone: str) -> datetime:
        return midnight(self.first_day, timezone)

    def ends_at(self, timezone: str) -> datetime:
        return midnight(self.end_day, timezone)
