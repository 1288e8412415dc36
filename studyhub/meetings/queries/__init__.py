"""Reusable queries over meetings; each returns a ``Select`` scoped to a branch or a path.

Attendance counts (应到 / 实到 / 请假 / 缺席) are always derived here from the
attendance rows, never stored: :func:`attendance_counts` is grouped by meeting
and can be filtered, joined as a subquery, or summed by the register and
statistics exports."""

from __future__ import annotations

from studyhub.meetings.queries.compliance import IMPORTED as IMPORTED
from studyhub.meetings.queries.compliance import attendance_by_member as attendance_by_member
from studyhub.meetings.queries.compliance import attendance_ratios as attendance_ratios
from studyhub.meetings.queries.compliance import compliance_units as compliance_units
from studyhub.meetings.queries.compliance import held_between as held_between
from studyhub.meetings.queries.compliance import meeting_counts as meeting_counts
from studyhub.meetings.queries.compliance import register_rows as register_rows
from studyhub.meetings.queries.compliance import required_frequencies as required_frequencies
from studyhub.meetings.queries.compliance import secretaries_of as secretaries_of
from studyhub.meetings.queries.lists import branch_meetings as branch_meetings
from studyhub.meetings.queries.lists import led_branches as led_branches
from studyhub.meetings.queries.lists import linkable_plans as linkable_plans
from studyhub.meetings.queries.lists import meetings_under as meetings_under
from studyhub.meetings.queries.lists import member_meetings as member_meetings
from studyhub.meetings.queries.lists import member_records as member_records
from studyhub.meetings.queries.lists import member_upcoming as member_upcoming
from studyhub.meetings.queries.lists import review_queue as review_queue
from studyhub.meetings.queries.lists import upcoming_for_home as upcoming_for_home
from studyhub.meetings.queries.ratings import ratings_for as ratings_for
from studyhub.meetings.queries.record import ATTENDED as ATTENDED
from studyhub.meetings.queries.record import HELD_STATES as HELD_STATES
from studyhub.meetings.queries.record import PLAN_KINDS as PLAN_KINDS
from studyhub.meetings.queries.record import Counts as Counts
from studyhub.meetings.queries.record import approved_leaves as approved_leaves
from studyhub.meetings.queries.record import attachment_in as attachment_in
from studyhub.meetings.queries.record import attachments as attachments
from studyhub.meetings.queries.record import attendance_counts as attendance_counts
from studyhub.meetings.queries.record import attendance_list as attendance_list
from studyhub.meetings.queries.record import attendance_of as attendance_of
from studyhub.meetings.queries.record import counts_of as counts_of
from studyhub.meetings.queries.record import events as events
from studyhub.meetings.queries.record import held_on as held_on
from studyhub.meetings.queries.record import leave_of as leave_of
from studyhub.meetings.queries.record import leave_requests as leave_requests
from studyhub.meetings.queries.record import roster_members as roster_members
from studyhub.meetings.queries.record import roster_taken as roster_taken
from studyhub.meetings.queries.record import user_names as user_names
