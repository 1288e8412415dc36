"""SQL for every member's raw figures of a quarter.

Every member's raw figures for a whole committee or branch come from one
grouped statement (:func:`member_figures`), whatever the number of members:
the readings and tests required of a member depend only on the unit they sit
in, so they are worked out per unit (a few thousand rows at most) and joined
to members by path; receipts, attempts, daily-quiz attempts, adjustments and
attendance are grouped per member over their indexed columns.

One module per part: :mod:`.window` (what a quarter or period counts), :mod:`.required`
(what is required of members) and :mod:`.members` (the grouped statement).
"""

from __future__ import annotations

from studyhub.reports.queries.figures.members import count_members as count_members
from studyhub.reports.queries.figures.members import member_figures as member_figures
from studyhub.reports.queries.figures.required import daily_quiz_ids as daily_quiz_ids
from studyhub.reports.queries.figures.required import daily_reading_ids as daily_reading_ids
from studyhub.reports.queries.figures.required import has_attendance as has_attendance
from studyhub.reports.queries.figures.required import material_ids as material_ids
from studyhub.reports.queries.figures.required import plan_materials as plan_materials
from studyhub.reports.queries.figures.required import plan_quiz_ids as plan_quiz_ids
from studyhub.reports.queries.figures.required import required_tests as required_tests
from studyhub.reports.queries.figures.window import Window as Window
