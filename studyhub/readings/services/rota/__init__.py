"""The lead-reader (领读人) rota, daily assignments and reflections.

A branch keeps an ordered rota of members. Each day is one turn: the scheduler
gives it to the next member in rota order after the last one, skipping members
who are inactive or have left the branch, and skipping days the secretary
marked off (no turn is used on those). The secretary may give a day to someone
else (a manual assignment); that day still uses its turn, so a swap of two days
leaves everybody else's days where they were.

``lead_assignment`` has one row per branch and day (a unique constraint), so
reassigning updates that row and assigning twice finds it: never two readers
for a day, even when two processes race."""

from __future__ import annotations

from studyhub.readings.services.rota.home import BranchLead as BranchLead
from studyhub.readings.services.rota.home import Duty as Duty
from studyhub.readings.services.rota.home import duty_today as duty_today
from studyhub.readings.services.rota.home import lead_readers_today as lead_readers_today
from studyhub.readings.services.rota.home import lead_today as lead_today
from studyhub.readings.services.rota.members import REFLECTION_MAX_CHARS as REFLECTION_MAX_CHARS
from studyhub.readings.services.rota.members import RotaEntry as RotaEntry
from studyhub.readings.services.rota.members import add_all_to_rota as add_all_to_rota
from studyhub.readings.services.rota.members import add_to_rota as add_to_rota
from studyhub.readings.services.rota.members import branch_members as branch_members
from studyhub.readings.services.rota.members import branch_today as branch_today
from studyhub.readings.services.rota.members import committee_timezone as committee_timezone
from studyhub.readings.services.rota.members import move_in_rota as move_in_rota
from studyhub.readings.services.rota.members import remove_from_rota as remove_from_rota
from studyhub.readings.services.rota.members import rota_candidates as rota_candidates
from studyhub.readings.services.rota.members import rota_entries as rota_entries
from studyhub.readings.services.rota.members import set_rota as set_rota
from studyhub.readings.services.rota.reflections import assignment_for as assignment_for
from studyhub.readings.services.rota.reflections import post_reflection as post_reflection
from studyhub.readings.services.rota.reflections import reflection_section as reflection_section
from studyhub.readings.services.rota.turns import DaySlot as DaySlot
from studyhub.readings.services.rota.turns import assign_day as assign_day
from studyhub.readings.services.rota.turns import is_day_off as is_day_off
from studyhub.readings.services.rota.turns import reassign_day as reassign_day
from studyhub.readings.services.rota.turns import schedule as schedule
from studyhub.readings.services.rota.turns import set_day_off as set_day_off
from studyhub.readings.services.rota.turns import swap_days as swap_days
