"""The points ledger: one credit per source, daily caps per kind, committee rules."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from studyhub.points import queries, services
from studyhub.points.models import PointEntry, PointRule
from tests.conftest import NOW

DAY = date(2026, 11, 20)


def award(session, member, key, *, points=1, cap=6, on=DAY, kind=services.READING):
    return services.award(
        session,
        user_id=member.user_id,
        committee_id=member.committee_id,
        kind=kind,
        source_key=key,
        points=points,
        daily_cap=cap,
        on=on,
        now=NOW,
    )


def entries(session, member) -> int:
    return session.scalar(
        select(func.count(PointEntry.id)).where(PointEntry.user_id == member.user_id)
    )


def test_award_is_idempotent_per_source(session, make):
    member = make.member()

    assert award(session, member, "reading:1", points=2) == 2
    assert award(session, member, "reading:1", points=2) == 0

    assert entries(session, member) == 1
    assert session.scalar(queries.total_of(member.user_id)) == 2


def test_the_same_source_for_another_user_is_credited(session, make):
    first, second = make.member(), make.member()

    assert award(session, first, "reading:1") == 1
    assert award(session, second, "reading:1") == 1
    assert session.scalar(queries.total_of(second.user_id)) == 1


def test_daily_cap_counts_the_kind_on_the_day(session, make):
    member = make.member()

    credited = [award(session, member, f"reading:{n}", points=2, cap=5) for n in range(4)]

    assert credited == [2, 2, 1, 0]
    # Capped sources stay recorded, so crediting them again still adds nothing.
    assert entries(session, member) == 4
    assert award(session, member, "reading:3", points=2, cap=5) == 0
    assert session.scalar(queries.earned_on(member.user_id, DAY)) == 5
    # Another day has its own cap; another kind has its own cap.
    assert award(session, member, "reading:9", points=2, cap=5, on=DAY + timedelta(days=1)) == 2
    assert award(session, member, "quiz:1", points=3, cap=5, kind="quiz") == 3
    assert session.scalar(queries.total_of(member.user_id)) == 10


def test_points_by_day_and_today(session, make):
    member = make.member()
    award(session, member, "reading:1", on=DAY - timedelta(days=2))
    award(session, member, "reading:2", on=DAY)
    award(session, member, "reading:3", on=DAY)
    award(session, make.member(), "reading:4", on=DAY)  # someone else's

    rows = list(session.execute(queries.by_day(member.user_id, DAY - timedelta(days=6), DAY)))

    assert [(d, p) for d, p in rows] == [(DAY - timedelta(days=2), 1), (DAY, 2)]
    assert session.scalar(queries.earned_on(member.user_id, DAY)) == 2
    assert session.scalar(queries.earned_on(member.user_id, DAY - timedelta(days=1))) == 0
    assert session.scalar(queries.total_of(make.member().user_id)) == 0


def test_rule_defaults_and_committee_override(session, make):
    member = make.member()
    other = make.member()
    assert services.rule_for(session, member.committee_id, services.READING) == services.Rule(1, 6)

    session.add(PointRule(committee_id=member.committee_id, kind="reading", points=3, daily_cap=4))
    session.flush()

    assert services.rule_for(session, member.committee_id, "reading") == services.Rule(3, 4)
    assert services.rule_for(session, other.committee_id, "reading") == services.Rule(1, 6)
