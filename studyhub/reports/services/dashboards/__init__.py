"""Dashboards: a branch's members through a plan, and every branch of a unit ranked (比学习).

The numbers are SQL aggregates (:mod:`studyhub.reports.queries`, built on the plans'
``member_progress``); a page runs the same few statements whatever the number of
members or branches, and only its own rows come back to Python. Reminders go through
the plans' ``remind_members`` (at most one a day per member and plan)."""

from __future__ import annotations

from studyhub.reports.services.dashboards.branch import BranchDashboard as BranchDashboard
from studyhub.reports.services.dashboards.branch import Counts as Counts
from studyhub.reports.services.dashboards.branch import Reminding as Reminding
from studyhub.reports.services.dashboards.branch import Row as Row
from studyhub.reports.services.dashboards.branch import branch_dashboard as branch_dashboard
from studyhub.reports.services.dashboards.branch import counts_of as counts_of
from studyhub.reports.services.dashboards.branch import remind as remind
from studyhub.reports.services.dashboards.member import MemberHistory as MemberHistory
from studyhub.reports.services.dashboards.member import PointsLine as PointsLine
from studyhub.reports.services.dashboards.member import member_history as member_history
from studyhub.reports.services.dashboards.plan_choice import HISTORY_LIMIT as HISTORY_LIMIT
from studyhub.reports.services.dashboards.plan_choice import PER_PAGE as PER_PAGE
from studyhub.reports.services.dashboards.plan_choice import PERCENT as PERCENT
from studyhub.reports.services.dashboards.plan_choice import PlanChoice as PlanChoice
from studyhub.reports.services.dashboards.plan_choice import choose_plan as choose_plan
from studyhub.reports.services.dashboards.ranking import NO_TOTALS as NO_TOTALS
from studyhub.reports.services.dashboards.ranking import BranchRank as BranchRank
from studyhub.reports.services.dashboards.ranking import Totals as Totals
from studyhub.reports.services.dashboards.ranking import UnitDashboard as UnitDashboard
from studyhub.reports.services.dashboards.ranking import Week as Week
from studyhub.reports.services.dashboards.ranking import unit_dashboard as unit_dashboard
from studyhub.reports.services.dashboards.ranking import week_around as week_around
from studyhub.reports.services.dashboards.ranking import weeks_of as weeks_of
