"""The readings' jobs: each run twice has one effect; days follow the committee's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyhub.notify.models import Message
from studyhub.org import services as org
from studyhub.org.models import UnitKind
from studyhub.readings import jobs
from studyhub.readings.models import LeadAssignment
from studyhub.readings.services import rota
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading

TODAY = date(2026, 11, 20)  # NOW is 10:30 in Beijing


def assignments(session) -> list[tuple[int, date, int]]:
    return [
        (a.branch_id, a.day, a.member_id)
        for a in session.scalars(select(LeadAssignment).order_by(LeadAssignment.branch_id))
    ]


@pytest.fixture
def branches(session, make):
    """Branch A (rota of two), branch B (rota of one), branch C (no rota)."""
    committee = make.committee()
    a, b, c = (make.unit(committee, UnitKind.BRANCH, name) for name in ("甲", "乙", "丙"))
    a1, a2 = make.member(a), make.member(a)
    b1 = make.member(b)
    make.member(c)
    rota.set_rota(session, a, [a1.id, a2.id])
    rota.set_rota(session, b, [b1.id])
    return {"committee": committee, "a": a, "b": b, "c": c, "a1": a1, "a2": a2, "b1": b1}


# --- lead readers -----------------------------------------------------------------------


def test_assign_lead_readers_twice_assigns_once(session, branches):
    assert jobs.assign_lead_readers(session, now=NOW) == 2
    first = assignments(session)
    assert first == [
        (branches["a"].id, TODAY, branches["a1"].id),
        (branches["b"].id, TODAY, branches["b1"].id),
    ]
    assert jobs.assign_lead_readers(session, now=NOW + timedelta(hours=1)) == 0
    assert assignments(session) == first


def test_the_next_day_goes_to_the_next_member(session, branches):
    jobs.assign_lead_readers(session, now=NOW)
    assert jobs.assign_lead_readers(session, now=NOW + timedelta(days=1)) == 2
    a_days = [(d, m) for b, d, m in assignments(session) if b == branches["a"].id]
    assert a_days == [(TODAY, branches["a1"].id), (TODAY + timedelta(days=1), branches["a2"].id)]


def test_days_off_inactive_branches_and_empty_rotas_are_left_alone(session, branches):
    rota.set_day_off(session, branches["a"], TODAY, is_off=True, now=NOW)
    branches["b"].is_active = False
    assert jobs.assign_lead_readers(session, now=NOW) == 0
    assert assignments(session) == []


def test_a_manual_assignment_is_kept(session, branches):
    rota.reassign_day(session, branches["a"], TODAY, branches["a2"], by_user_id=None, now=NOW)
    assert jobs.assign_lead_readers(session, now=NOW) == 1  # only branch B
    assert (branches["a"].id, TODAY, branches["a2"].id) in assignments(session)
    assert session.scalar(select(func.count(LeadAssignment.id))) == 2


def test_the_day_is_the_committees_local_day(session, make, branches):
    just_before_midnight = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    jobs.assign_lead_readers(session, now=just_before_midnight)
    assert {d for _b, d, _m in assignments(session)} == {TODAY}
    after_midnight = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 00:00 on the 21st
    assert jobs.assign_lead_readers(session, now=after_midnight) == 2
    assert {d for _b, d, _m in assignments(session)} == {TODAY, date(2026, 11, 21)}


def test_each_committee_has_its_own_day(session, make, branches):
    western = org.create_committee(session, "纽约党委", now=NOW, timezone="America/New_York")
    branch = make.unit(western, UnitKind.BRANCH, "纽约支部")
    member = make.member(branch)
    rota.set_rota(session, branch, [member.id])
    assert jobs.assign_lead_readers(session, now=NOW) == 3
    days = {b: d for b, d, _m in assignments(session)}
    assert days[branch.id] == date(2026, 11, 19)  # 21:30 the evening before in New York
    assert days[branches["a"].id] == TODAY


# --- the reading of the day -------------------------------------------------------------


def messages(session) -> list[tuple[int, str | None, str | None]]:
    return [
        (m.user_id, m.dedupe_key, m.link)
        for m in session.scalars(select(Message).order_by(Message.user_id))
    ]


def test_notify_daily_reading_twice_sends_once(session, make, branches):
    committee = branches["committee"]
    reading = make_reading(session, committee, title="今日一读", daily_on=TODAY)
    inactive = make.member(branches["a"])
    org.set_member_active(inactive, is_active=False, actor_id=None, now=NOW)
    elsewhere = make.member(make.branch())  # another committee, no reading today

    members = [branches[k].user_id for k in ("a1", "a2", "b1")]
    assert jobs.notify_daily_reading(session, now=NOW) == 4  # a1, a2, b1 and branch C's
    sent = messages(session)
    assert len(sent) == 4
    assert {user for user, _key, _link in sent} >= set(members)
    assert {(key, link) for _user, key, link in sent} == {
        (f"daily-reading:{reading.id}", f"/readings/{reading.id}")
    }
    assert inactive.user_id not in {u for u, _k, _l in sent}
    assert elsewhere.user_id not in {u for u, _k, _l in sent}
    subject = session.scalars(select(Message.subject)).first()
    assert "今日一读" in subject

    assert jobs.notify_daily_reading(session, now=NOW + timedelta(hours=2)) == 0
    assert len(messages(session)) == 4


def test_a_member_who_joins_later_is_told_on_the_next_run(session, make, branches):
    make_reading(session, branches["committee"], daily_on=TODAY)
    assert jobs.notify_daily_reading(session, now=NOW) == 4
    newcomer = make.member(branches["b"])
    assert jobs.notify_daily_reading(session, now=NOW + timedelta(hours=1)) == 1
    assert newcomer.user_id in {u for u, _k, _l in messages(session)}


def test_only_todays_visible_reading_is_announced(session, branches):
    committee = branches["committee"]
    make_reading(session, committee, daily_on=TODAY + timedelta(days=1))  # tomorrow's
    unpublished = make_reading(session, committee, daily_on=TODAY, is_published=False)
    assert jobs.notify_daily_reading(session, now=NOW) == 0
    unpublished.published_at = NOW - timedelta(minutes=1)
    assert jobs.notify_daily_reading(session, now=NOW) == 4


def test_the_reading_of_the_day_starts_at_local_midnight(session, branches):
    make_reading(session, branches["committee"], daily_on=TODAY)
    evening_before = datetime(2026, 11, 19, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    assert jobs.notify_daily_reading(session, now=evening_before) == 0
    midnight = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    assert jobs.notify_daily_reading(session, now=midnight) == 4
