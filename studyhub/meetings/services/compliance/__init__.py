"""Compliance: which required meetings each branch held, has planned, or is missing.

A committee requires each kind of meeting once (or ``minimum`` times) a month or
a quarter (:class:`RequiredFrequency`; until staff change them, the defaults of
:data:`DEFAULT_FREQUENCIES`). Months and quarters are the committee's local
calendar. A Party group meeting is required of every active group of the branch.

Each requirement in each period has a :class:`Status`:

- ``met``: held at least ``minimum`` times (held = recorded, submitted, returned
  for correction or approved — it took place — counted by when it started, else
  when it was planned);
- ``missing``: the period is over and it was not held often enough (a meeting
  still "planned" in a past period was never recorded: it does not count);
- ``planned``: the period is running or ahead and enough meetings are planned
  in it to meet the requirement once they are held;
- ``due``: the period is running, it is not held and nothing is planned;
- ``ahead``: the period has not begun and nothing is planned.

The completion rate counts the periods that are over or already met: met ÷
(met + missing), so a month still running does not lower it.

Every figure comes from one grouped statement over the meetings
(:func:`queries.meeting_counts`), plus one for the frequencies and one for the
branches and groups — for one branch or for all the branches of a committee."""

from __future__ import annotations

from studyhub.meetings.services.compliance.across_branches import BranchStatus as BranchStatus
from studyhub.meetings.services.compliance.across_branches import Requirement as Requirement
from studyhub.meetings.services.compliance.across_branches import UnitCompliance as UnitCompliance
from studyhub.meetings.services.compliance.across_branches import unit_compliance as unit_compliance
from studyhub.meetings.services.compliance.branch_year import Cell as Cell
from studyhub.meetings.services.compliance.branch_year import Line as Line
from studyhub.meetings.services.compliance.branch_year import MonthTally as MonthTally
from studyhub.meetings.services.compliance.branch_year import YearCompliance as YearCompliance
from studyhub.meetings.services.compliance.branch_year import compliance as compliance
from studyhub.meetings.services.compliance.branch_year import rate_of as rate_of
from studyhub.meetings.services.compliance.branch_year import status_of as status_of
from studyhub.meetings.services.compliance.branch_year import year_compliance as year_compliance
from studyhub.meetings.services.compliance.frequencies import (
    DEFAULT_FREQUENCIES as DEFAULT_FREQUENCIES,
)
from studyhub.meetings.services.compliance.frequencies import KIND_ORDER as KIND_ORDER
from studyhub.meetings.services.compliance.frequencies import MAX_MINIMUM as MAX_MINIMUM
from studyhub.meetings.services.compliance.frequencies import OPEN as OPEN
from studyhub.meetings.services.compliance.frequencies import Frequency as Frequency
from studyhub.meetings.services.compliance.frequencies import Status as Status
from studyhub.meetings.services.compliance.frequencies import frequencies_of as frequencies_of
from studyhub.meetings.services.compliance.frequencies import save_frequencies as save_frequencies
