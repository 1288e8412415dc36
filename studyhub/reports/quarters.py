"""Calendar quarters in a committee's time zone (Q1 = January–March). Pure: no database.

A quarter is a span of local dates; its instants run from local midnight of its
first day up to (not including) local midnight after its last day, so 31 March
23:59 in Beijing is Q1 and 1 April 00:00 is Q2 — in UTC, 31 March 15:59 and
31 March 16:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"a quarter is 1 to 4, not {self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q4`` (also ``2026-Q4``, ``2026q4``); ValueError otherwise."""
        found = _LABEL.match(text or "")
        if not found:
            raise ValueError(f"{text!r} is not a quarter like 2026Q4")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def at(cls, instant: datetime, timezone: str) -> Quarter:
        """The quarter ``instant`` falls in, in ``timezone``."""
        return cls.of(_aware(instant).astimezone(ZoneInfo(timezone)).date())

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    def __str__(self) -> str:
        return self.label

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def starts_at(self, timezone: str) -> datetime:
        """Local midnight of the first day, in UTC."""
        return midnight(self.first_day, timezone)

    def ends_at(self, timezone: str) -> datetime:
        """Local midnight after the last day, in UTC (the first instant not in the quarter)."""
        return midnight(self.next().first_day, timezone)

    def days_until(self, today: date) -> int:
        """Days of the quarter from its first day up to ``today`` (all of them once it is over)."""
        if today < self.first_day:
            return 0
        return (min(today, self.last_day) - self.first_day).days + 1


def midnight(day: date, timezone: str) -> datetime:
    """Local midnight starting ``day`` in ``timezone``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
