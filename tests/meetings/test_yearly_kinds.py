"""组织生活会 and 民主评议党员: kinds of their own, required once a year by default."""

from __future__ import annotations

from datetime import timedelta

from studyhub.meetings import jobs
from studyhub.meetings.models import MeetingKind, RequiredFrequency
from studyhub.meetings.periods import Every, Period
from studyhub.meetings.services import compliance as service
from studyhub.meetings.services.compliance import Frequency, Status
from studyhub.notify.models import Message
from tests.conftest import NOW
from tests.meetings.test_compliance import MID_JUNE, held, line, local


def test_yearly_by_default_and_one_cell_a_year(session, world):
    defaults = service.frequencies_of(session, world.committee.id)
    assert defaults[MeetingKind.ORG_LIFE] == Frequency(MeetingKind.ORG_LIFE, Every.YEAR, 1)
    assert defaults[MeetingKind.DEMOCRATIC_REVIEW].every == Every.YEAR
    held(session, world, MeetingKind.ORG_LIFE, local(2026, 1, 20, 14))

    result = service.compliance(session, world.branch_a, 2026, now=MID_JUNE)

    org_life = line(result, MeetingKind.ORG_LIFE)
    assert [(c.period.label, c.held, c.status) for c in org_life.cells] == [("2026", 1, Status.MET)]
    review = line(result, MeetingKind.DEMOCRATIC_REVIEW)
    assert [(c.held, c.status) for c in review.cells] == [(0, Status.DUE)]
    # At the year's end the review not held is missing.
    after = service.compliance(session, world.branch_a, 2026, now=local(2027, 1, 1, 0, 5))
    assert line(after, MeetingKind.DEMOCRATIC_REVIEW).cells[0].status == Status.MISSING
    assert line(after, MeetingKind.ORG_LIFE).cells[0].status == Status.MET


def test_the_committee_changes_the_frequency(session, world):
    choices = [
        Frequency(kind, every, minimum)
        for kind, (every, minimum) in service.DEFAULT_FREQUENCIES.items()
        if kind != MeetingKind.ORG_LIFE
    ] + [Frequency(MeetingKind.ORG_LIFE, Every.QUARTER, 1)]
    service.save_frequencies(session, world.committee, choices, actor_id=None, now=NOW)
    assert (
        session.query(RequiredFrequency)
        .filter_by(committee_id=world.committee.id, kind=MeetingKind.ORG_LIFE)
        .one()
        .period
        == "quarter"
    )
    result = service.compliance(session, world.branch_a, 2026, now=MID_JUNE)
    assert len(line(result, MeetingKind.ORG_LIFE).cells) == 4


def test_yearly_requirements_join_the_overview_in_the_last_quarter(session, world):
    june = service.unit_compliance(session, world.committee, now=MID_JUNE)
    december = service.unit_compliance(session, world.committee, now=local(2026, 12, 10, 9))
    kinds = {r.kind for b in june.branches for r in b.requirements}
    assert MeetingKind.ORG_LIFE not in kinds
    a = next(b for b in december.branches if b.branch_id == world.branch_a.id)
    yearly = [r for r in a.requirements if r.period == Period(Every.YEAR, 2026, 1)]
    assert {r.kind for r in yearly} == {MeetingKind.ORG_LIFE, MeetingKind.DEMOCRATIC_REVIEW}


def test_secretaries_are_reminded_in_the_years_last_days_once(session, world):
    day = local(2026, 12, 26, 9, 10)
    assert Period(Every.YEAR, 2026, 1) in jobs.ending_periods(day.date(), 7)
    jobs.remind_missing_meetings(session, now=day)
    keys = {
        k
        for (k,) in session.query(Message.dedupe_key).filter(
            Message.user_id == world.secretary_a.user_id
        )
    }
    assert f"meeting-missing:{world.branch_a.id}:org_life:2026" in keys
    assert f"meeting-missing:{world.branch_a.id}:democratic_review:2026" in keys
    before = session.query(Message).count()
    jobs.remind_missing_meetings(session, now=day + timedelta(hours=3))
    assert session.query(Message).count() == before
