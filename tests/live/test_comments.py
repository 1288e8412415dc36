"""Live comments: limits, the keyword filter, time stamps, hide and pin, and the feed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyhub.core.errors import Closed, InvalidInput
from studyhub.live.services import comments, lessons
from tests.live.conftest import ENDS, STARTS

LIMIT = comments.RateLimit(min_gap_seconds=3, per_minute=6)


def post(session, lesson, member, text="讲得好！", *, at, words=()):
    return comments.post_comment(
        session, lesson, member=member, text=text, now=at, limit=LIMIT, blocked_words=words
    )


def test_a_comment_is_stamped_with_its_time_into_the_lesson(session, world, lesson):
    comment = post(
        session, lesson, world.member_a1, "  学习了\n全会精神  ", at=STARTS + timedelta(seconds=95)
    )
    assert comment.offset_seconds == 95
    assert comment.body == "学习了 全会精神"
    assert comment.seq == 1 and lesson.seq == 1


def test_length_empty_and_closed(session, world, lesson):
    with pytest.raises(InvalidInput, match="at most 100"):
        post(session, lesson, world.member_a1, "长" * 101, at=STARTS)
    with pytest.raises(InvalidInput, match="Write a comment"):
        post(session, lesson, world.member_a1, " \n ", at=STARTS)
    with pytest.raises(Closed):
        post(session, lesson, world.member_a1, at=STARTS - timedelta(seconds=1))
    lessons.end_lesson(session, lesson, now=STARTS + timedelta(minutes=30))
    with pytest.raises(Closed):
        post(session, lesson, world.member_a1, at=STARTS + timedelta(minutes=31))
    assert lesson.seq == 0


def test_rate_limits(session, world, lesson):
    at = STARTS + timedelta(minutes=1)
    post(session, lesson, world.member_a1, at=at)
    with pytest.raises(InvalidInput, match="too fast"):
        post(session, lesson, world.member_a1, at=at + timedelta(seconds=2))
    for i in range(1, 6):
        post(session, lesson, world.member_a1, at=at + timedelta(seconds=4 * i))
    with pytest.raises(InvalidInput, match="too fast"):
        post(session, lesson, world.member_a1, at=at + timedelta(seconds=40))
    # Another member is not held up; a minute later the first may post again.
    post(session, lesson, world.member_a2, at=at + timedelta(seconds=40))
    post(session, lesson, world.member_a1, at=at + timedelta(seconds=61))


def test_the_keyword_filter_refuses_and_stores_nothing(session, world, lesson):
    with pytest.raises(InvalidInput, match="not allowed"):
        post(session, lesson, world.member_a1, "加我 微 信 赚钱", at=STARTS, words=["微信", "赌博"])
    assert lesson.seq == 0
    post(session, lesson, world.member_a1, "学习心得", at=STARTS, words=["微信"])


def test_hide_for_everyone_moderators_still_see_it(session, world, lesson):
    first = post(session, lesson, world.member_a1, "第一条", at=STARTS)
    second = post(session, lesson, world.member_b, "第二条", at=STARTS + timedelta(seconds=5))
    member_view = comments.feed(session, lesson, since_seq=0, moderator=False)
    assert [c["body"] for c in member_view["comments"]] == ["第一条", "第二条"]
    seen = member_view["seq"]
    comments.hide_comment(
        session, lesson, first.id, by=world.staff.user, now=STARTS + timedelta(seconds=9)
    )
    # A viewer that has both learns the first is hidden (without its text).
    changed = comments.feed(session, lesson, since_seq=seen, moderator=False)
    assert changed["comments"] == [{"id": first.id, "hidden": True}]
    # A viewer that joins now never gets it; a moderator sees it, marked.
    fresh = comments.feed(session, lesson, since_seq=0, moderator=False)
    assert [c["id"] for c in fresh["comments"]] == [second.id]
    moderator = comments.feed(session, lesson, since_seq=0, moderator=True)
    assert [(c["id"], c["hidden"]) for c in moderator["comments"]] == [
        (second.id, False),
        (first.id, True),
    ]
    # Hiding twice changes nothing.
    seq = lesson.seq
    comments.hide_comment(session, lesson, first.id, by=world.staff.user, now=STARTS)
    assert lesson.seq == seq


def test_one_pinned_comment(session, world, lesson):
    first = post(session, lesson, world.member_a1, "第一条", at=STARTS)
    second = post(session, lesson, world.member_b, "第二条", at=STARTS + timedelta(seconds=5))
    comments.pin_comment(session, lesson, first.id, now=STARTS)
    comments.pin_comment(session, lesson, second.id, now=STARTS)
    pinned = {
        c["id"]: c["pinned"]
        for c in comments.feed(session, lesson, since_seq=0, moderator=False)["comments"]
    }
    assert pinned == {first.id: False, second.id: True}
    comments.hide_comment(session, lesson, second.id, by=world.staff.user, now=STARTS)
    with pytest.raises(InvalidInput):
        comments.pin_comment(session, lesson, second.id, now=STARTS)


def test_an_up_to_date_viewer_reads_nothing(session, world, lesson, count_queries):
    post(session, lesson, world.member_a1, at=STARTS)
    with count_queries() as statements:
        body = comments.feed(session, lesson, since_seq=lesson.seq, moderator=False)
    assert body == {"seq": 1, "comments": []}
    assert statements == []


def test_blocked_word_ignores_case_and_spaces():
    assert comments.blocked_word("Buy NOW 微 信", ["buynow"]) == "buynow"
    assert comments.blocked_word("学习", ["", "微信"]) is None


def test_offsets_never_negative(lesson):
    assert comments.offset_of(lesson, STARTS - timedelta(seconds=3)) == 0
    assert comments.offset_of(lesson, ENDS) == 3600
