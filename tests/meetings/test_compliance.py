"""Compliance: periods in the committee's time zone, statuses, group meetings, frequencies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.meetings.models import MeetingKind, RequiredFrequency
from studyhub.meetings.periods import Every, Period, month_starts
from studyhub.meetings.services import compliance as service
from studyhub.meetings.services import records
from studyhub.meetings.services.compliance import Frequency, Status
from studyhub.org.models import UnitKind
from tests.conftest import NOW
from tests.meetings.conftest import minutes, plan_lesson

SHANGHAI = ZoneInfo("Asia/Shanghai")
MID_JUNE = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, Q2 running


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def held(session, world, kind, at, *, group=None, branch=None, by=None):
    """A meeting planned a week ahead and recorded two hours after it started."""
    by = by or world.secretary_a
    meeting = plan_lesson(
        session, world, kind=kind, at=at, group=group, branch=branch, by=by, now=at - timedelta(7)
    )
    records.record_meeting(session, meeting, minutes(at), by=by.user, now=at + timedelta(hours=2))
    return meeting


def planned(session, world, kind, at, *, group=None, now=None):
    return plan_lesson(session, world, kind=kind, at=at, group=group, now=now or at - timedelta(7))


def line(result, kind, group=None):
    found = [
        x for x in result.lines if x.kind == kind and (group is None or x.group_id == group.id)
    ]
    assert len(found) == 1
    return found[0]


def statuses(result_line):
    return [cell.status for cell in result_line.cells]


def test_periods_are_local_calendar():
    bounds = month_starts(2026, "Asia/Shanghai")
    assert len(bounds) == 13
    assert bounds[0] == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert bounds[3] == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 1 April 00:00 in Shanghai
    q1 = Period(Every.QUARTER, 2026, 1)
    assert q1.label == "2026Q1"
    assert q1.ends_at("Asia/Shanghai") == bounds[3]
    assert Period(Every.MONTH, 2026, 12).end_day.isoformat() == "2027-01-01"
    assert Period(Every.MONTH, 2026, 3).label == "2026-03"


def test_month_and_quarter_boundaries_in_shanghai(session, world):
    """23:30 on 31 March (local) is March and Q1; 00:10 on 1 April is April and Q2 —
    although in UTC both are on 31 March."""
    late_march = held(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 3, 31, 23, 30))
    early_april = held(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 4, 1, 0, 10))
    held(session, world, MeetingKind.LESSON, local(2026, 3, 31, 23, 30))
    held(session, world, MeetingKind.GENERAL_MEETING, local(2026, 4, 1, 0, 10))
    assert as_utc(late_march.started_at) == datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    assert as_utc(early_april.started_at) == datetime(2026, 3, 31, 16, 10, tzinfo=UTC)

    result = service.compliance(session, world.branch_a, 2026, now=MID_JUNE)

    committee = line(result, MeetingKind.COMMITTEE_MEETING)
    assert [c.held for c in committee.cells] == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert statuses(committee)[:7] == [
        Status.MISSING,
        Status.MISSING,
        Status.MET,
        Status.MET,
        Status.MISSING,  # May is over
        Status.DUE,  # June is running, nothing planned
        Status.AHEAD,
    ]
    lesson = line(result, MeetingKind.LESSON)
    assert [c.held for c in lesson.cells] == [1, 0, 0, 0]
    assert statuses(lesson) == [Status.MET, Status.DUE, Status.AHEAD, Status.AHEAD]
    general = line(result, MeetingKind.GENERAL_MEETING)
    assert [c.held for c in general.cells] == [0, 1, 0, 0]
    assert statuses(general) == [Status.MISSING, Status.MET, Status.AHEAD, Status.AHEAD]
    # The previous year knows nothing of these.
    last_year = service.compliance(session, world.branch_a, 2025, now=MID_JUNE)
    assert all(c.held == 0 for x in last_year.lines for c in x.cells)


def test_group_meetings_are_required_of_each_group(session, world):
    held(session, world, MeetingKind.GROUP_MEETING, local(2026, 3, 10, 19), group=world.group_a1)
    held(session, world, MeetingKind.GROUP_MEETING, local(2026, 3, 12, 19), group=world.group_a1)
    held(session, world, MeetingKind.GROUP_MEETING, local(2026, 4, 2, 19), group=world.group_a2)

    result = service.compliance(session, world.branch_a, 2026, now=MID_JUNE)

    groups = [x for x in result.lines if x.kind == MeetingKind.GROUP_MEETING]
    assert [(x.group_id, x.group_name) for x in groups] == [
        (world.group_a1.id, "甲一小组"),
        (world.group_a2.id, "甲二小组"),
    ]
    a1, a2 = groups
    assert [c.held for c in a1.cells][:4] == [0, 0, 2, 0]
    assert [c.held for c in a2.cells][:4] == [0, 0, 0, 1]
    assert a1.cells[2].status == Status.MET and a1.cells[3].status == Status.MISSING
    assert a2.cells[2].status == Status.MISSING and a2.cells[3].status == Status.MET
    # Branch B has no groups: no group meeting is asked of it.
    other = service.compliance(session, world.branch_b, 2026, now=MID_JUNE)
    assert not [x for x in other.lines if x.kind == MeetingKind.GROUP_MEETING]


def test_planned_cancelled_and_rate(session, world):
    june_20 = local(2026, 6, 20, 9)
    planned(session, world, MeetingKind.COMMITTEE_MEETING, june_20, now=MID_JUNE)
    never_recorded = planned(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 5, 8, 9))
    called_off = planned(session, world, MeetingKind.LESSON, local(2026, 5, 9, 9))
    records.cancel_meeting(
        session, called_off, reason="改期", by=world.secretary_a.user, now=local(2026, 5, 1)
    )
    held(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 1, 8, 9))
    assert never_recorded.state.value == "planned"

    result = service.compliance(session, world.branch_a, 2026, now=MID_JUNE)

    committee = line(result, MeetingKind.COMMITTEE_MEETING)
    may, june = committee.cells[4], committee.cells[5]
    assert (may.held, may.planned, may.status) == (0, 1, Status.MISSING)
    assert (june.held, june.planned, june.status) == (0, 1, Status.PLANNED)
    lesson = line(result, MeetingKind.LESSON)
    assert (lesson.cells[1].held, lesson.cells[1].planned) == (0, 0)  # cancelled: nothing
    # Met: January. Missing: Feb–May committee (4), Q1 general meeting and lesson (2),
    # 甲一/甲二 group meetings January–May (10). June and Q2 are still running.
    assert (result.met, result.missing) == (1, 16)
    assert result.rate == pytest.approx(1 / 17)


def test_frequencies_default_and_saved(session, world):
    defaults = service.frequencies_of(session, world.committee.id)
    assert defaults[MeetingKind.COMMITTEE_MEETING] == Frequency(
        MeetingKind.COMMITTEE_MEETING, Every.MONTH, 1
    )
    assert defaults[MeetingKind.LESSON].every == Every.QUARTER
    assert defaults[MeetingKind.THEME_DAY].every == Every.NONE
    choices = [
        Frequency(MeetingKind.COMMITTEE_MEETING, Every.QUARTER, 2),
        Frequency(MeetingKind.GROUP_MEETING, Every.NONE, 1),
        Frequency(MeetingKind.GENERAL_MEETING, Every.QUARTER, 1),
        Frequency(MeetingKind.LESSON, Every.QUARTER, 1),
        Frequency(MeetingKind.THEME_DAY, Every.MONTH, 1),
        Frequency(MeetingKind.ORG_LIFE, Every.YEAR, 1),
        Frequency(MeetingKind.DEMOCRATIC_REVIEW, Every.YEAR, 2),
    ]
    saved = service.save_frequencies(session, world.committee, choices, actor_id=None, now=NOW)
    assert saved[MeetingKind.COMMITTEE_MEETING] == Frequency(
        MeetingKind.COMMITTEE_MEETING, Every.QUARTER, 2, is_default=False
    )
    assert session.query(RequiredFrequency).filter_by(committee_id=world.committee.id).count() == 7
    held(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 1, 8, 9))
    held(session, world, MeetingKind.GROUP_MEETING, local(2026, 1, 9, 9), group=world.group_a1)

    result = service.compliance(session, world.branch_a, 2026, now=MID_JUNE)

    committee = line(result, MeetingKind.COMMITTEE_MEETING)
    assert committee.every == Every.QUARTER and committee.minimum == 2
    assert (committee.cells[0].held, committee.cells[0].status) == (1, Status.MISSING)
    assert [x.kind for x in result.lines].count(MeetingKind.GROUP_MEETING) == 0
    assert result.other_held == {MeetingKind.GROUP_MEETING: 1}
    assert line(result, MeetingKind.THEME_DAY).every == Every.MONTH


@pytest.mark.parametrize("minimum", [0, 11])
def test_frequencies_refuse_bad_minimum(session, world, minimum):
    choices = [Frequency(kind, Every.MONTH, 1) for kind in service.KIND_ORDER[1:]]
    choices.append(Frequency(MeetingKind.COMMITTEE_MEETING, Every.MONTH, minimum))
    with pytest.raises(InvalidInput):
        service.save_frequencies(session, world.committee, choices, actor_id=None, now=NOW)
    assert session.query(RequiredFrequency).count() == 0


def test_frequencies_need_every_kind_and_a_committee(session, world):
    with pytest.raises(InvalidInput):
        service.save_frequencies(
            session,
            world.committee,
            [Frequency(MeetingKind.LESSON, Every.MONTH, 1)],
            actor_id=None,
            now=NOW,
        )
    every_kind = [Frequency(kind, Every.MONTH, 1) for kind in service.KIND_ORDER]
    with pytest.raises(InvalidInput):
        service.save_frequencies(session, world.branch_a, every_kind, actor_id=None, now=NOW)


def test_compliance_is_three_statements(session, world, count_queries):
    for month in range(1, 7):
        held(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, month, 8, 9))
        held(
            session,
            world,
            MeetingKind.GROUP_MEETING,
            local(2026, month, 9, 9),
            group=world.group_a1,
        )
    session.expire_all()
    branch = world.branch_a
    branch_path = branch.path  # loaded before counting
    with count_queries() as statements:
        result = service.compliance(session, branch, 2026, now=MID_JUNE)
    assert branch_path
    assert len(statements) == 3
    assert line(result, MeetingKind.COMMITTEE_MEETING).cells[5].status == Status.MET


def test_unit_compliance_lists_open_branches_first(session, world, make):
    quiet = make.branch(world.committee, "丙支部")
    make.member(quiet, name="丙书记")
    # Branch A holds everything of June and Q2; B plans its committee meeting; 丙 nothing.
    for kind in (MeetingKind.COMMITTEE_MEETING, MeetingKind.GENERAL_MEETING, MeetingKind.LESSON):
        held(session, world, kind, local(2026, 6, 2, 9))
    for group in (world.group_a1, world.group_a2):
        held(session, world, MeetingKind.GROUP_MEETING, local(2026, 6, 3, 9), group=group)
    plan_lesson(
        session,
        world,
        kind=MeetingKind.COMMITTEE_MEETING,
        at=local(2026, 6, 25, 9),
        branch=world.branch_b,
        by=world.secretary_b,
        now=MID_JUNE,
    )
    held(
        session,
        world,
        MeetingKind.LESSON,
        local(2026, 4, 20, 9),
        branch=world.branch_b,
        by=world.secretary_b,
    )

    result = service.unit_compliance(session, world.committee, now=MID_JUNE)

    assert (result.month.label, result.quarter.label) == ("2026-06", "2026Q2")
    names = [b.name for b in result.branches]
    assert names[-1] == "甲支部"
    assert set(names) == {"甲支部", "乙支部", "丙支部", "党委办公室"}
    by_name = {b.name: b for b in result.branches}
    assert (by_name["甲支部"].open, by_name["甲支部"].met) == (0, 5)
    # The year so far: Jan–May committee and both groups' meetings, Q1 general and lesson.
    assert (by_name["甲支部"].year_met, by_name["甲支部"].year_missing) == (5, 17)
    assert by_name["乙支部"].year_met == 1  # the April lesson
    b = by_name["乙支部"]
    assert (b.open, b.planned, b.met) == (1, 1, 1)  # general meeting due; committee planned
    assert by_name["丙支部"].open == 3
    assert result.with_gaps == 3
    # A month over: looking back at May, A's committee meeting is missing.
    may = service.unit_compliance(
        session, world.committee, now=MID_JUNE, day=datetime(2026, 5, 5).date()
    )
    a_may = {b.name: b for b in may.branches}["甲支部"]
    committee = [r for r in a_may.requirements if r.kind == MeetingKind.COMMITTEE_MEETING][0]
    assert (committee.period.label, committee.status) == ("2026-05", Status.MISSING)


@pytest.mark.parametrize("extra", [0, 12])
def test_unit_compliance_statements_do_not_grow_with_branches(
    session, world, make, count_queries, extra
):
    for n in range(extra):
        branch = make.branch(world.committee, f"加支部{n}")
        make.unit(branch, UnitKind.GROUP, f"加小组{n}")
    session.expire_all()
    committee = world.committee
    assert committee.path
    with count_queries() as statements:
        result = service.unit_compliance(session, committee, now=MID_JUNE)
    assert len(result.branches) == 3 + extra
    assert len(statements) == 3
