"""Read tracking: receipts, the minimum-time rule, clamped beacons, studied once, streaks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import InvalidInput
from studyhub.org.models import UnitKind
from studyhub.points import queries as point_queries
from studyhub.points.models import PointEntry, PointRule
from studyhub.readings.models import ReadReceipt
from studyhub.readings.services import tracking
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading

TODAY = date(2026, 11, 20)  # NOW is 10:30 in Beijing


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def beacon(session, reading, member, *, at, seconds, reached_end=False):
    return tracking.record_progress(
        session,
        reading,
        user_id=member.user_id,
        seconds=seconds,
        reached_end=reached_end,
        now=at,
    )


def receipts(session, member) -> int:
    return session.scalar(
        select(func.count(ReadReceipt.id)).where(ReadReceipt.user_id == member.user_id)
    )


def total_points(session, member) -> int:
    return session.scalar(point_queries.total_of(member.user_id))


@pytest.fixture
def member(make):
    return make.member()


@pytest.fixture
def reading(session, member):
    return make_reading(session, member.branch.parent, daily_on=TODAY, min_seconds=60)


def test_opening_twice_keeps_one_receipt(session, member, reading):
    first, created = tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)
    second, again = tracking.open_reading(session, reading, user_id=member.user_id, now=later(600))

    assert created and not again
    assert first.id == second.id
    assert receipts(session, member) == 1
    assert second.opened_at.replace(tzinfo=UTC) == NOW
    assert second.seconds_spent == 0 and second.studied_at is None


def test_studied_needs_the_end_and_the_minimum_time(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)

    # Enough time but not at the end: not studied.
    p = beacon(session, reading, member, at=later(61), seconds=61)
    assert p.receipt.seconds_spent == 61
    assert not p.is_studied and p.remaining == 0

    # At the end: studied now, on the local day, with the reading's point.
    p = beacon(session, reading, member, at=later(62), seconds=1, reached_end=True)
    assert p.is_studied and p.newly_studied and p.points == 1
    assert p.receipt.studied_on == TODAY
    assert total_points(session, member) == 1


def test_the_end_without_the_minimum_time_is_not_enough(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)

    p = beacon(session, reading, member, at=later(30), seconds=30, reached_end=True)

    assert not p.is_studied
    assert p.remaining == 30
    assert p.receipt.reached_end

    # reached_end latches: a later beacon without it still completes the study.
    p = beacon(session, reading, member, at=later(60), seconds=30, reached_end=False)
    assert p.receipt.reached_end
    assert p.is_studied and p.points == 1


def test_a_forged_beacon_is_clamped_to_the_time_that_passed(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)

    p = beacon(session, reading, member, at=later(15), seconds=3600, reached_end=True)

    assert p.receipt.seconds_spent <= 15 + tracking.SLACK_SECONDS
    assert not p.is_studied
    assert total_points(session, member) == 0


def test_many_small_forged_beacons_gain_the_slack_only_once(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)

    for second in range(1, 31):
        p = beacon(session, reading, member, at=later(second), seconds=10)

    assert p.receipt.seconds_spent <= 30 + tracking.SLACK_SECONDS
    assert not p.is_studied


def test_a_retried_beacon_adds_only_the_time_since(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)
    beacon(session, reading, member, at=later(15), seconds=15)

    p = beacon(session, reading, member, at=later(16), seconds=15)  # the same beacon, resent

    assert p.receipt.seconds_spent <= 16 + tracking.SLACK_SECONDS


def test_studied_once_and_points_once(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)
    first = beacon(session, reading, member, at=later(60), seconds=60, reached_end=True)
    studied_at = first.receipt.studied_at

    again = beacon(session, reading, member, at=later(90), seconds=30, reached_end=True)
    pressed = tracking.mark_studied(session, reading, user_id=member.user_id, now=later(120))

    assert first.newly_studied and not again.newly_studied and not pressed.newly_studied
    assert again.points == 0 and pressed.points == 0
    assert again.receipt.studied_at == studied_at
    assert total_points(session, member) == 1
    assert (
        session.scalar(
            select(func.count(PointEntry.id)).where(PointEntry.user_id == member.user_id)
        )
        == 1
    )


def test_button_too_early_says_how_long_remains(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)

    with pytest.raises(InvalidInput) as error:
        tracking.mark_studied(session, reading, user_id=member.user_id, now=later(20))

    assert "40" in str(error.value)
    receipt = session.scalars(select(ReadReceipt)).one()
    assert receipt.studied_at is None and receipt.seconds_spent == 0
    assert total_points(session, member) == 0


def test_button_without_javascript_counts_the_time_since_opening(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)
    # A second page view does not restart the clock.
    tracking.open_reading(session, reading, user_id=member.user_id, now=later(30))
    assert tracking.remaining_seconds(reading, None, now=NOW) == 60

    p = tracking.mark_studied(session, reading, user_id=member.user_id, now=later(60))

    assert p.newly_studied and p.points == 1
    assert p.receipt.seconds_spent == 60
    assert not p.receipt.reached_end
    assert p.receipt.studied_on == TODAY


def test_button_after_beacons_counts_the_rest(session, member, reading):
    tracking.open_reading(session, reading, user_id=member.user_id, now=NOW)
    beacon(session, reading, member, at=later(45), seconds=45)
    receipt = session.scalars(select(ReadReceipt)).one()
    assert tracking.remaining_seconds(reading, receipt, now=later(50)) == 10

    with pytest.raises(InvalidInput):
        tracking.mark_studied(session, reading, user_id=member.user_id, now=later(50))
    p = tracking.mark_studied(session, reading, user_id=member.user_id, now=later(60))

    assert p.is_studied and p.receipt.seconds_spent == 60


def test_a_beacon_without_a_receipt_opens_one(session, member, reading):
    p = beacon(session, reading, member, at=NOW, seconds=30)

    assert receipts(session, member) == 1
    assert p.receipt.seconds_spent <= tracking.SLACK_SECONDS


def test_daily_cap_applies_to_readings(session, make, member):
    committee = member.branch.parent
    session.add(PointRule(committee_id=committee.id, kind="reading", points=2, daily_cap=3))
    readings = [make_reading(session, committee, title=f"第{n}篇", min_seconds=0) for n in range(3)]

    credited = [
        beacon(session, r, member, at=NOW, seconds=0, reached_end=True).points for r in readings
    ]

    assert credited == [2, 1, 0]
    assert total_points(session, member) == 3


def study(session, member, reading, at: datetime) -> None:
    tracking.open_reading(session, reading, user_id=member.user_id, now=at)
    tracking.mark_studied(
        session, reading, user_id=member.user_id, now=at + timedelta(seconds=reading.min_seconds)
    )


def test_streak_counts_consecutive_local_days(session, member):
    committee = member.branch.parent
    for offset in (1, 2, 3, 5):  # the 19th, 18th, 17th, then a gap, the 15th
        day = TODAY - timedelta(days=offset)
        r = make_reading(session, committee, title=f"{day}", daily_on=day, min_seconds=10)
        study(session, member, r, NOW - timedelta(days=offset))

    # Today is not done yet: the streak still counts up to yesterday.
    assert tracking.streak(session, user_id=member.user_id, today=TODAY) == 3
    today = make_reading(session, committee, title="today", daily_on=TODAY, min_seconds=10)
    study(session, member, today, NOW)
    assert tracking.streak(session, user_id=member.user_id, today=TODAY) == 4
    # A missed day breaks it.
    assert tracking.streak(session, user_id=member.user_id, today=TODAY + timedelta(days=2)) == 0


def test_streak_follows_the_committees_day_not_utc(session, member):
    committee = member.branch.parent
    late = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # 23:30 in Beijing on the 18th
    after_midnight = datetime(2026, 11, 18, 16, 30, tzinfo=UTC)  # 00:30 on the 19th
    first = make_reading(session, committee, title="A", min_seconds=10)
    second = make_reading(session, committee, title="B", min_seconds=10)

    study(session, member, first, late)
    study(session, member, second, after_midnight)

    days = dict(session.execute(select(ReadReceipt.reading_id, ReadReceipt.studied_on)).all())
    assert days == {first.id: date(2026, 11, 18), second.id: date(2026, 11, 19)}
    # Both on the same UTC date, yet two local days in a row.
    assert tracking.streak(session, user_id=member.user_id, today=date(2026, 11, 19)) == 2
    rows = session.execute(
        select(PointEntry.earned_on).where(PointEntry.user_id == member.user_id)
    ).scalars()
    assert sorted(rows) == [date(2026, 11, 18), date(2026, 11, 19)]


def test_streak_ignores_other_members(session, make, member):
    other = make.member(member.branch)
    r = make_reading(session, member.branch.parent, daily_on=TODAY, min_seconds=10)
    study(session, other, r, NOW)

    assert tracking.streak(session, user_id=member.user_id, today=TODAY) == 0
    assert tracking.streak(session, user_id=other.user_id, today=TODAY) == 1


def test_branch_study_counts_the_branch_only(session, make):
    branch = make.branch()
    committee = branch.parent
    group = make.unit(branch, UnitKind.GROUP)
    ann = make.member(branch, name="安")
    bo = make.member(branch, name="薄", group=group)
    make.member(branch, name="蔡")
    gone = make.member(branch, name="丁")
    gone.is_active = False
    stranger = make.member(make.branch(committee), name="外")
    monday = date(2026, 11, 16)
    week = {
        d: make_reading(session, committee, title=str(d), daily_on=d, min_seconds=10)
        for d in (monday, monday + timedelta(days=2), TODAY)
    }
    make_reading(session, committee, title="last week", daily_on=monday - timedelta(days=1))
    for who, days in ((ann, [monday, TODAY]), (bo, [monday]), (stranger, [TODAY])):
        for d in days:
            study(session, who, week[d], NOW)

    table = tracking.branch_study(session, branch, now=NOW)

    assert (table.today, table.week_start, table.week_end) == (
        TODAY,
        monday,
        monday + timedelta(days=6),
    )
    assert table.today_reading is not None and table.today_reading.id == week[TODAY].id
    assert table.week_readings == 3
    assert {r.name: (r.studied_today, r.studied_this_week) for r in table.rows} == {
        "安": (True, 2),
        "薄": (False, 1),
        "蔡": (False, 0),
    }
    assert len(table.rows) == 3
