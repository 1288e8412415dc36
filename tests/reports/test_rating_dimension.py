"""The 民主评议 rating as a committee dimension: the ratings a 民主评议党员 meeting gave (the
meetings' query), an entered rating standing in for a member no meeting rated."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from studyhub.meetings.models import Rating
from studyhub.meetings.services import ratings
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import custom_dimensions as custom
from tests.meetings.conftest import world  # noqa: F401 - the meetings' test organisation
from tests.meetings.test_compliance import local
from tests.meetings.test_ratings import review

Q4 = Quarter(2026, 4)
TABLE = {"kind": "table", "table": {"excellent": 100, "qualified": 80, "basic": 60}}


def test_meeting_ratings_feed_the_dimension(session, world):  # noqa: F811
    at = local(2026, 12, 20, 14)
    meeting = review(session, world, at)
    ratings.rate_members(
        session,
        meeting,
        {
            world.member_a1.user_id: ratings.RatingEntry(Rating.EXCELLENT),
            world.member_a2.user_id: ratings.RatingEntry(Rating.BASICALLY_QUALIFIED),
        },
        by=world.committee_a.user,
        now=at + timedelta(hours=3),
    )
    dim = custom.add_dimension(
        session,
        world.committee,
        name="民主评议",
        weight=Decimal(100),
        source="rating",
        mapping=TABLE,
        scheme="年度评议",
        now=at,
    )
    # Entered: 乙党员 (no meeting rated them) and 甲党员一 (the meeting's rating stands).
    custom.enter_values(
        session,
        world.committee,
        dim,
        Q4,
        {world.member_b.user_id: "合格", world.member_a1.user_id: "不合格"},
        actor_id=None,
        now=at + timedelta(days=1),
    )
    scores = {
        s.user_id: s.score
        for s in custom.scheme_scores(session, world.committee, "年度评议", Q4, world.committee)
    }
    assert scores[world.member_a1.user_id].total == Decimal("100.00")
    assert scores[world.member_a2.user_id].total == Decimal("60.00")
    assert scores[world.member_b.user_id].total == Decimal("80.00")
    assert scores[world.secretary_b.user_id].lines[0].missing  # not rated at all
    # A quarter before the meeting: the year's rating is not in yet.
    earlier = {
        s.user_id: s.score
        for s in custom.scheme_scores(
            session, world.committee, "年度评议", Quarter(2026, 3), world.committee
        )
    }
    assert earlier[world.member_a1.user_id].lines[0].missing
