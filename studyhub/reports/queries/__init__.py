"""SQL of the reports domain; each function returns a ``Select``, one module per job:
:mod:`.figures` (every member's raw figures of a quarter, one grouped statement),
:mod:`.scores` (score settings, adjustments, overrides, closes and frozen scores),
:mod:`.exports` (export jobs and the meetings of the branch summaries) and
:mod:`.dashboards` (the branch table and the committee's ranking and trend).
"""

from __future__ import annotations

from studyhub.reports.queries.dashboards import DONE as DONE
from studyhub.reports.queries.dashboards import FAILED as FAILED
from studyhub.reports.queries.dashboards import IN_PROGRESS as IN_PROGRESS
from studyhub.reports.queries.dashboards import NOT_STARTED as NOT_STARTED
from studyhub.reports.queries.dashboards import STATUSES as STATUSES
from studyhub.reports.queries.dashboards import branch_ranking as branch_ranking
from studyhub.reports.queries.dashboards import dashboard_counts as dashboard_counts
from studyhub.reports.queries.dashboards import dashboard_params as dashboard_params
from studyhub.reports.queries.dashboards import dashboard_rows as dashboard_rows
from studyhub.reports.queries.dashboards import member_attempts as member_attempts
from studyhub.reports.queries.dashboards import member_points as member_points
from studyhub.reports.queries.dashboards import member_receipts as member_receipts
from studyhub.reports.queries.dashboards import quarter_plans as quarter_plans
from studyhub.reports.queries.dashboards import studied_by_branch as studied_by_branch
from studyhub.reports.queries.dashboards import unfinished_members as unfinished_members
from studyhub.reports.queries.exports import committee_staff as committee_staff
from studyhub.reports.queries.exports import job_by_key as job_by_key
from studyhub.reports.queries.exports import meetings_held as meetings_held
from studyhub.reports.queries.exports import pending_jobs as pending_jobs
from studyhub.reports.queries.figures import Window as Window
from studyhub.reports.queries.figures import count_members as count_members
from studyhub.reports.queries.figures import daily_quiz_ids as daily_quiz_ids
from studyhub.reports.queries.figures import daily_reading_ids as daily_reading_ids
from studyhub.reports.queries.figures import has_attendance as has_attendance
from studyhub.reports.queries.figures import material_ids as material_ids
from studyhub.reports.queries.figures import member_figures as member_figures
from studyhub.reports.queries.figures import plan_materials as plan_materials
from studyhub.reports.queries.figures import plan_quiz_ids as plan_quiz_ids
from studyhub.reports.queries.figures import required_tests as required_tests
from studyhub.reports.queries.scores import adjustment_reasons as adjustment_reasons
from studyhub.reports.queries.scores import adjustments_list as adjustments_list
from studyhub.reports.queries.scores import count_frozen as count_frozen
from studyhub.reports.queries.scores import dimensions_of as dimensions_of
from studyhub.reports.queries.scores import every_dimension_of as every_dimension_of
from studyhub.reports.queries.scores import frozen_of as frozen_of
from studyhub.reports.queries.scores import frozen_rows as frozen_rows
from studyhub.reports.queries.scores import frozen_scores as frozen_scores
from studyhub.reports.queries.scores import member_adjustments as member_adjustments
from studyhub.reports.queries.scores import override_of as override_of
from studyhub.reports.queries.scores import overrides_of as overrides_of
from studyhub.reports.queries.scores import quarter_close as quarter_close
from studyhub.reports.queries.scores import settings_of as settings_of
