"""A committee's rota across branches: branch order, turns, reminders once, swaps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import InvalidInput
from studyhub.notify.models import Message
from studyhub.org.models import Member
from studyhub.readings import jobs
from studyhub.readings.models import LeadAssignment
from studyhub.readings.services import rota
from studyhub.readings.services.rota import cross
from tests.conftest import NOW

TODAY = date(2026, 11, 20)  # NOW is 10:30 in Beijing


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def world(make, session):
    committee = make.committee("报社党委")
    news = make.branch(committee, "新闻支部")
    gov = make.branch(committee, "政务支部")
    tech = make.branch(committee, "技术经营支部")
    people = {
        "新甲": make.member(news, name="新甲"),
        "新乙": make.member(news, name="新乙"),
        "政甲": make.member(gov, name="政甲"),
        "政乙": make.member(gov, name="政乙"),
        "技甲": make.member(tech, name="技甲"),
    }
    return {"committee": committee, "news": news, "gov": gov, "tech": tech, "people": people}


def leads(session, committee, first: int, last: int) -> list[str | None]:
    names = []
    for n in range(first, last + 1):
        row = rota.assign_day(session, committee, day(n), now=NOW)
        names.append(session.get(Member, row.member_id).user.name if row else None)
    return names


def set_order(session, world, *keys):
    return cross.set_rota_branches(
        session, world["committee"], [world[k].id for k in keys], by_user_id=None, now=NOW
    )


def test_branches_take_turns_in_the_committees_order(session, world):
    assert set_order(session, world, "gov", "news", "tech") == 5
    assert [b.name for b in cross.rota_branches(session, world["committee"])] == [
        "政务支部",
        "新闻支部",
        "技术经营支部",
    ]
    assert leads(session, world["committee"], 0, 6) == [
        "政乙",
        "新乙",
        "技甲",
        "政甲",
        "新甲",
        "政乙",
        "新乙",
    ]
    slots = cross.days_ahead(session, world["committee"], day(0), 4)
    assert [s.branch_name for s in slots] == ["政务支部", "新闻支部", "技术经营支部", "政务支部"]


def test_choosing_branches_is_checked(session, world, make):
    with pytest.raises(InvalidInput):
        set_order(session, world, "news")
    with pytest.raises(InvalidInput):
        set_order(session, world, "news", "news")
    foreign = make.branch(make.committee(), "外单位支部")
    with pytest.raises(InvalidInput):
        cross.set_rota_branches(
            session,
            world["committee"],
            [world["news"].id, foreign.id],
            by_user_id=None,
            now=NOW,
        )


def test_swap_and_day_off_as_in_the_branch_rota(session, world):
    set_order(session, world, "news", "gov", "tech")
    committee = world["committee"]
    before = [s.name for s in rota.schedule(session, committee, day(1), 4)]
    assert before == ["新乙", "政乙", "技甲", "新甲"]
    rota.swap_days(session, committee, day(1), day(3), by_user_id=None, now=NOW)
    after = [s.name for s in rota.schedule(session, committee, day(1), 4)]
    assert after == ["技甲", "政乙", "新乙", "新甲"]  # the other days keep their readers
    rota.set_day_off(session, committee, day(2), is_off=True, now=NOW)
    assert [s.name for s in rota.schedule(session, committee, day(1), 4)] == [
        "技甲",
        None,
        "新乙",
        "技甲",
    ]  # a day off uses no turn: 政乙's turn moves on, the swapped days use theirs
    # A member of a branch not on the rota cannot be given a day.
    set_order(session, world, "news", "tech")
    with pytest.raises(InvalidInput):
        rota.reassign_day(
            session, committee, day(5), world["people"]["政甲"], by_user_id=None, now=NOW
        )


def test_reminder_the_day_before_once(session, world):
    set_order(session, world, "tech", "news", "gov")
    assert jobs.remind_cross_rota(session, now=NOW) == 1
    assert jobs.remind_cross_rota(session, now=NOW) == 0  # idempotent
    tomorrow = session.scalar(
        select(LeadAssignment).where(
            LeadAssignment.branch_id == world["committee"].id, LeadAssignment.day == day(1)
        )
    )
    reader = session.get(Member, tomorrow.member_id)
    assert reader.user.name == "新乙"  # today 技甲, tomorrow 新闻's first
    [message] = session.scalars(select(Message).where(Message.kind == cross.REMINDER_KIND)).all()
    assert message.user_id == reader.user_id
    assert message.params == {"day": "2026-11-21", "branch": "新闻支部"}
    assert (
        session.scalar(
            select(func.count(LeadAssignment.id)).where(
                LeadAssignment.branch_id == world["committee"].id
            )
        )
        == 2
    )  # today and tomorrow, once each


def test_no_reminder_for_a_day_off(session, world):
    set_order(session, world, "tech", "news")
    rota.set_day_off(session, world["committee"], day(1), is_off=True, now=NOW)
    assert jobs.remind_cross_rota(session, now=NOW) == 0
