"""What a quarter's (or a competition period's) figures count: the :class:`Window`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from studyhub.org.models import OrgUnit
from studyhub.reports.quarters import Quarter, midnight


@dataclass(frozen=True)
class Window:
    """What a quarter's figures count, for one committee, as seen at ``now``.

    Readings of the day count up to ``last_day`` (today while the quarter
    runs); receipts and attempts count until ``until`` (the quarter's end, or
    now while it runs).
    """

    committee_id: int
    committee_path: str
    timezone: str
    quarter: Quarter
    starts_at: datetime
    ends_at: datetime
    last_day: date
    now: datetime
    # The span counted: the quarter's days, or a competition's own period (:meth:`period`).
    first_day: date | None = None
    end_day: date | None = None  # the span's last day (plans due up to it count)

    @classmethod
    def of(cls, committee: OrgUnit, quarter: Quarter, now: datetime, today: date) -> Window:
        return cls(
            committee_id=committee.id,
            committee_path=committee.path,
            timezone=committee.timezone,
            quarter=quarter,
            starts_at=quarter.starts_at(committee.timezone),
            ends_at=quarter.ends_at(committee.timezone),
            last_day=min(quarter.last_day, today),
            now=now,
        )

    @classmethod
    def period(
        cls, committee: OrgUnit, first_day: date, end_day: date, now: datetime, today: date
    ) -> Window:
        """Any span of local days (a competition's period), not a quarter: readings of the day
        from ``first_day`` up to today, plans due in the span, receipts and attempts from local
        midnight of ``first_day`` up to the end of ``end_day`` (or now). Adjustments and
        attendance stay a quarter's business (that of ``first_day``); a span's figures are
        read without them."""
        return cls(
            committee_id=committee.id,
            committee_path=committee.path,
            timezone=committee.timezone,
            quarter=Quarter.of(first_day),
            starts_at=midnight(first_day, committee.timezone),
            ends_at=midnight(end_day + timedelta(days=1), committee.timezone),
            last_day=min(end_day, today),
            now=now,
            first_day=first_day,
            end_day=end_day,
        )

    @property
    def since(self) -> date:
        """The first day counted."""
        return self.first_day or self.quarter.first_day

    @property
    def through(self) -> date:
        """The last day whose plans count (the quarter's, or the period's end)."""
        return self.end_day or self.quarter.last_day

    @property
    def until(self) -> datetime:
        return min(self.ends_at, self.now)

    @property
    def days(self) -> int:
        """Days of the quarter (or period) up to ``last_day`` (the daily quiz's denominator)."""
        if self.first_day is None:
            return self.quarter.days_until(self.last_day)
        return max((self.last_day - self.first_day).days + 1, 0)
