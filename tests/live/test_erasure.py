"""Erasing a departed member: their live comments become the placeholder text; their name in
others' comments of the committee's lessons is replaced; the figures stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from studyhub.core.scrub import ERASED_TEXT
from studyhub.live.models import LiveComment
from studyhub.live.services import comments
from studyhub.org import erasure
from studyhub.org import services as org
from tests.live.conftest import STARTS

LIMIT = comments.RateLimit(min_gap_seconds=0, per_minute=60)


def test_erasing_a_member_scrubs_their_live_comments(session, world, lesson):
    name = world.member_a2.user.name
    mine = comments.post_comment(
        session, lesson, member=world.member_a2, text="我的心得", now=STARTS, limit=LIMIT
    )
    theirs = comments.post_comment(
        session,
        lesson,
        member=world.member_b,
        text=f"同意{name}的看法",
        now=STARTS + timedelta(seconds=5),
        limit=LIMIT,
    )
    later = STARTS + timedelta(days=1)
    org.set_member_active(world.member_a2, is_active=False, actor_id=None, now=later)
    session.flush()
    erasure.erase_member(session, world.member_a2, actor_id=None, now=later)
    assert session.get(LiveComment, mine.id).body == ERASED_TEXT[:200]
    assert session.get(LiveComment, theirs.id).body == f"同意已注销党员 #{world.member_a2.id}的看法"
    assert session.scalar(select(func.count(LiveComment.id))) == 2
