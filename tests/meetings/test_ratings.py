"""民主评议党员: ratings entered by the recorder, stored once, listed per member and year."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyhub.core.errors import DomainError, InvalidInput
from studyhub.meetings.models import MeetingEvent, MeetingKind, MeetingRating, Rating
from studyhub.meetings.services import ratings, records
from tests.meetings.conftest import minutes, plan_lesson
from tests.meetings.test_compliance import local


def review(session, world, at, *, branch=None, by=None):
    by = by or world.secretary_a
    meeting = plan_lesson(
        session,
        world,
        kind=MeetingKind.DEMOCRATIC_REVIEW,
        title="2026年度民主评议党员",
        at=at,
        branch=branch,
        by=by,
        now=at - timedelta(days=7),
    )
    records.record_meeting(session, meeting, minutes(at), by=by.user, now=at + timedelta(hours=2))
    return meeting


def test_the_recorder_rates_members_with_optional_votes(session, world):
    at = local(2026, 12, 20, 14)
    meeting = review(session, world, at)
    entries = {
        world.member_a1.user_id: ratings.RatingEntry(
            Rating.EXCELLENT, {Rating.EXCELLENT: 4, Rating.QUALIFIED: 1}
        ),
        world.member_a2.user_id: ratings.RatingEntry(Rating.QUALIFIED),
        world.leader_a1.user_id: ratings.RatingEntry(Rating.BASICALLY_QUALIFIED),
    }
    now = at + timedelta(hours=3)

    assert ratings.rate_members(session, meeting, entries, by=world.committee_a.user, now=now) == 3
    # The same again changes nothing and adds nothing to the trail.
    assert ratings.rate_members(session, meeting, entries, by=world.committee_a.user, now=now) == 0

    stored = ratings.ratings_of(session, meeting)
    assert stored[world.member_a1.user_id].rating == Rating.EXCELLENT
    assert stored[world.member_a1.user_id].votes == {"excellent": 4, "qualified": 1}
    assert stored[world.member_a2.user_id].votes == {}
    trail = session.query(MeetingEvent).filter_by(meeting_id=meeting.id, action="rated").all()
    assert len(trail) == 1
    assert trail[0].detail["ratings"] == {
        "excellent": 1,
        "qualified": 1,
        "basically_qualified": 1,
    }


def test_ratings_for_a_year_give_the_latest_per_member_of_the_unit(session, world):
    first = review(session, world, local(2026, 1, 10, 14))
    second = review(session, world, local(2026, 12, 20, 14))
    other = review(
        session, world, local(2026, 12, 21, 14), branch=world.branch_b, by=world.secretary_b
    )
    last_year = review(session, world, local(2025, 12, 31, 23))
    by = world.secretary_a.user
    ratings.rate_members(
        session,
        first,
        {world.member_a1.user_id: ratings.RatingEntry(Rating.UNQUALIFIED)},
        by=by,
        now=local(2026, 1, 11, 9),
    )
    ratings.rate_members(
        session,
        second,
        {
            world.member_a1.user_id: ratings.RatingEntry(Rating.QUALIFIED),
            world.member_a2.user_id: ratings.RatingEntry(Rating.EXCELLENT),
        },
        by=by,
        now=local(2026, 12, 21, 9),
    )
    ratings.rate_members(
        session,
        other,
        {world.member_b.user_id: ratings.RatingEntry(Rating.QUALIFIED)},
        by=world.secretary_b.user,
        now=local(2026, 12, 22, 9),
    )
    ratings.rate_members(
        session,
        last_year,
        {world.secretary_a.user_id: ratings.RatingEntry(Rating.EXCELLENT)},
        by=by,
        now=local(2026, 1, 1, 9),
    )

    committee = ratings.ratings_for(session, world.committee, 2026)
    assert {u: r.rating for u, r in committee.items()} == {
        world.member_a1.user_id: Rating.QUALIFIED,  # the later meeting's
        world.member_a2.user_id: Rating.EXCELLENT,
        world.member_b.user_id: Rating.QUALIFIED,
    }
    assert committee[world.member_a1.user_id].meeting_id == second.id
    branch_a = ratings.ratings_for(session, world.branch_a, 2026)
    assert set(branch_a) == {world.member_a1.user_id, world.member_a2.user_id}
    assert set(ratings.ratings_for(session, world.branch_a, 2025)) == {world.secretary_a.user_id}


def test_only_the_roster_of_a_written_democratic_review_is_rated(session, world):
    at = local(2026, 12, 20, 14)
    meeting = review(session, world, at)
    by, now = world.secretary_a.user, at + timedelta(hours=3)
    with pytest.raises(InvalidInput):
        ratings.rate_members(
            session,
            meeting,
            {world.member_b.user_id: ratings.RatingEntry(Rating.EXCELLENT)},
            by=by,
            now=now,
        )
    with pytest.raises(InvalidInput):
        ratings.rate_members(
            session,
            meeting,
            {
                world.member_a1.user_id: ratings.RatingEntry(
                    Rating.EXCELLENT, {Rating.QUALIFIED: -1}
                )
            },  # noqa: E501
            by=by,
            now=now,
        )
    lesson = plan_lesson(session, world, at=at, now=at - timedelta(days=7))
    with pytest.raises(InvalidInput):
        ratings.rate_members(
            session,
            lesson,
            {world.member_a1.user_id: ratings.RatingEntry(Rating.EXCELLENT)},
            by=by,
            now=now,
        )
    records.submit_meeting(session, meeting, by=by, now=now)
    with pytest.raises(DomainError):
        ratings.rate_members(
            session,
            meeting,
            {world.member_a1.user_id: ratings.RatingEntry(Rating.EXCELLENT)},
            by=by,
            now=now,
        )
    assert session.query(MeetingRating).count() == 0


def test_the_ratings_page_saves_and_then_shows_them(session, world, client, login):
    at = local(2026, 11, 10, 14)
    meeting = review(session, world, at)
    login(world.secretary_a.user)
    url = f"/meetings/{meeting.id}/ratings"
    page = client.get(url).get_data(as_text=True)
    assert f'data-member="{world.member_a1.user_id}"' in page
    a1, a2 = f"m{world.member_a1.user_id}", f"m{world.member_a2.user_id}"
    bad = client.post(url, data={f"{a1}-rating": "excellent", f"{a1}-qualified": "-2"})
    assert bad.status_code == 200
    assert session.query(MeetingRating).count() == 0
    answer = client.post(
        url,
        data={f"{a1}-rating": "excellent", f"{a1}-excellent": "5", f"{a2}-rating": "qualified"},
    )
    assert answer.status_code == 302
    stored = ratings.ratings_of(session, meeting)
    assert stored[world.member_a1.user_id].votes == {"excellent": 5}
    assert stored[world.member_a2.user_id].rating == Rating.QUALIFIED
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=at + timedelta(hours=3))
    session.commit()
    page = client.get(url).get_data(as_text=True)
    assert 'data-rating="excellent"' in page and "Save the ratings" not in page
    login(world.member_a1.user)
    assert client.get(url).status_code == 403
