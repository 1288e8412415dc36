"""Reusable queries over study plans; each returns a ``Select`` scoped to a plan and a path, or
to one member.

Progress is computed in SQL, never by loading members, receipts or attempts into Python.
:func:`member_progress` is one statement for any number of members: the plan's targeted,
active members under a path are a CTE (``pairs``), and receipts (by ``(reading_id,
user_id)``), attempts (by ``(quiz_id, user_id)``), reminders and deadline overrides are
grouped or joined against it. :func:`my_plans` runs the same computation for one member
over every plan they are given. Dashboards and the meetings' evidence build on these."""

from __future__ import annotations

from studyhub.plans.queries.dashboards import branch_summary_by_week as branch_summary_by_week
from studyhub.plans.queries.dashboards import targeted_paths as targeted_paths
from studyhub.plans.queries.manage import due_soon_plans as due_soon_plans
from studyhub.plans.queries.manage import exams_of as exams_of
from studyhub.plans.queries.manage import extension_for as extension_for
from studyhub.plans.queries.manage import extensions_of as extensions_of
from studyhub.plans.queries.manage import last_reminders as last_reminders
from studyhub.plans.queries.manage import plans_of as plans_of
from studyhub.plans.queries.manage import secretaries_of as secretaries_of
from studyhub.plans.queries.manage import target_paths as target_paths
from studyhub.plans.queries.manage import targets_of as targets_of
from studyhub.plans.queries.member import my_plans as my_plans
from studyhub.plans.queries.member import my_todo as my_todo
from studyhub.plans.queries.member import plan_materials as plan_materials
from studyhub.plans.queries.member import plans_testing_with as plans_testing_with
from studyhub.plans.queries.progress import TEST_FAILED as TEST_FAILED
from studyhub.plans.queries.progress import TEST_IN_PROGRESS as TEST_IN_PROGRESS
from studyhub.plans.queries.progress import TEST_NONE as TEST_NONE
from studyhub.plans.queries.progress import TEST_NOT_STARTED as TEST_NOT_STARTED
from studyhub.plans.queries.progress import TEST_PASSED as TEST_PASSED
from studyhub.plans.queries.progress import branch_summary as branch_summary
from studyhub.plans.queries.progress import covers as covers
from studyhub.plans.queries.progress import is_targeted as is_targeted
from studyhub.plans.queries.progress import member_progress as member_progress
from studyhub.plans.queries.progress import member_progress_params as member_progress_params
from studyhub.plans.queries.progress import member_progress_template as member_progress_template
from studyhub.plans.queries.progress import targeted_members as targeted_members
