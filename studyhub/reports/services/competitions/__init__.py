"""比学习 competitions between branches: a period, the branches, the measures; a leaderboard
every member of a taking-part branch can see (branch figures only), snapshotted daily.

A branch's figures on a day are counted over the competition's own period, from its first
day up to that day (never past its last): the averages over the branch's active members of
their figures over the period (one grouped statement over the members' figures: the readings
of the day in the period, the materials and tests of the plans due in it, the days of the
daily quiz in it), and its meeting compliance over the period (each requirement of a month,
quarter or year that overlaps the period, met or missing, as in the compliance calendar).

A committee dimension has quarterly values, so it is read for every quarter the period
touches up to that day: a member's points are the mean of their points over those quarters
(a quarter without a value for them is left out), the branch's the mean over its members.

The day's snapshot is one row per (competition, branch, day): running the job again the
same day rewrites the same rows.

One module per part: :mod:`.setup` (measures, creating a competition), :mod:`.figures`
(the branches' figures of a day), :mod:`.compliance` (meeting compliance over the period),
:mod:`.snapshots` (the daily scores and ranks) and :mod:`.leaderboard` (reading them).
"""

from __future__ import annotations

from studyhub.reports.services.competitions.compliance import period_compliance as period_compliance
from studyhub.reports.services.competitions.figures import branch_figures as branch_figures
from studyhub.reports.services.competitions.figures import quarters_between as quarters_between
from studyhub.reports.services.competitions.leaderboard import Standing as Standing
from studyhub.reports.services.competitions.leaderboard import (
    competitions_of_branch as competitions_of_branch,
)
from studyhub.reports.services.competitions.leaderboard import leaderboard as leaderboard
from studyhub.reports.services.competitions.setup import COMPLETION as COMPLETION
from studyhub.reports.services.competitions.setup import COMPLIANCE as COMPLIANCE
from studyhub.reports.services.competitions.setup import DAILY_QUIZ as DAILY_QUIZ
from studyhub.reports.services.competitions.setup import MEASURE_NAMES as MEASURE_NAMES
from studyhub.reports.services.competitions.setup import MEASURES as MEASURES
from studyhub.reports.services.competitions.setup import TEST as TEST
from studyhub.reports.services.competitions.setup import branch_ids_of as branch_ids_of
from studyhub.reports.services.competitions.setup import create_competition as create_competition
from studyhub.reports.services.competitions.snapshots import snapshot as snapshot
from studyhub.reports.services.competitions.snapshots import snapshot_all as snapshot_all
from studyhub.reports.services.competitions.snapshots import weighted as weighted
