"""A scheduled job: its function, cron trigger, period and grace for missed runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date

JobFunction = Callable[[Session, datetime, Mapping[str, Any]], Any]

DAILY_GRACE = timedelta(hours=8)


@dataclass(frozen=True)
class Job:
    """One scheduled job.

    ``cron`` holds APScheduler ``CronTrigger`` fields, read in the scheduler's
    time zone. ``once_per`` ("day" or "second") names the period a run
    counts for; ``None`` means every run is wanted (the outbox). A run missed
    by less than ``misfire_grace`` (the process was down) still happens once:
    late runs coalesce into one.
    """

    name: str
    function: JobFunction
    cron: Mapping[str, str] = field(default_factory=dict)
    once_per: str | None = None
    misfire_grace: timedelta = DAILY_GRACE
    description: str = ""

    def trigger(self, timezone: str) -> CronTrigger:
        return CronTrigger(timezone=ZoneInfo(timezone), **self.cron)

    def period(self, now: datetime, timezone: str) -> str | None:
        """The key of the period ``now`` falls in, or ``None`` for jobs without periods."""
        if self.once_per == "day":
            return local_date(now, timezone).isoformat()
        if self.once_per == "second":
            return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return None

    def missed_run(self, now: datetime, timezone: str) -> datetime | None:
        """The last time this job was due within its grace before ``now``, if any.

        The scheduler keeps no state across restarts; at start it uses this to
        run a once-per-period job that fell due while no scheduler was up (a
        restart at 06:00 still assigns the day's lead readers). Its ``JobRun``
        makes that a no-op when the run had happened after all.
        """
        if self.once_per is None:
            return None
        trigger = self.trigger(timezone)
        zone = ZoneInfo(timezone)
        start = (now - self.misfire_grace).astimezone(zone)
        due = trigger.get_next_fire_time(None, start)
        last = None
        while due is not None and due <= now:
            last = due
            due = trigger.get_next_fire_time(due, due + timedelta(microseconds=1))
        return last
