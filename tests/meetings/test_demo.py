"""The demo's year of 三会一课 shows gaps in the compliance calendar whatever today's date."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from studyhub.core import clock
from studyhub.demo import COMMITTEE, load_demo
from studyhub.meetings.models import MeetingKind
from studyhub.meetings.periods import Every, Period
from studyhub.meetings.services import compliance
from studyhub.org.models import OrgUnit


def _statuses(
    session, branch_name: str, kind: MeetingKind, period: Period
) -> set[compliance.Status]:
    """The statuses of ``kind`` in ``period``: one per line (group meetings: one per group)."""
    branch = session.scalars(select(OrgUnit).where(OrgUnit.name == branch_name)).one()
    year = compliance.compliance(session, branch, period.year, now=clock.now_utc())
    return {
        cell.status
        for line in year.lines
        if line.kind == kind
        for cell in line.cells
        if cell.period == period
    }


def test_the_demo_misses_a_lesson_and_a_group_meeting_and_holds_the_rest(app, session):
    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
    today = clock.local_date(clock.now_utc(), committee.timezone)
    this_quarter = Period.containing(Every.QUARTER, today)
    last_quarter = Period.containing(
        Every.QUARTER, date(this_quarter.year, this_quarter.months[0], 1) - timedelta(days=1)
    )
    month = date(today.year, today.month, 1)
    two_months_ago = Period.containing(Every.MONTH, (month - timedelta(days=32)).replace(day=1))

    missing, met = {compliance.Status.MISSING}, {compliance.Status.MET}
    assert _statuses(session, "离退休干部党支部", MeetingKind.LESSON, last_quarter) == missing
    assert _statuses(session, "机关第一党支部", MeetingKind.LESSON, last_quarter) == met
    group = MeetingKind.GROUP_MEETING
    assert _statuses(session, "机关第二党支部", group, two_months_ago) == missing
    assert _statuses(session, "机关第一党支部", group, two_months_ago) == met
