"""The evening post to branch group chats: who has not studied today's reading."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from studyhub.core.clock import local_date
from studyhub.notify import services as notify
from studyhub.notify.models import ChannelDelivery, ChannelKind
from studyhub.readings.services import reminders, tracking
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading


def add_robot(session, branch):
    notify.save_channel(
        session,
        branch.id,
        ChannelKind.WECOM,
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        secret=None,
        is_active=True,
        by_user_id=None,
        now=NOW,
    )


def test_each_branch_with_a_robot_hears_once_how_many_have_not_studied(session, make):
    committee = make.committee()
    told, quiet, done = (make.branch(committee) for _ in range(3))
    members = [make.member(told) for _ in range(3)]
    make.member(quiet)
    finished = make.member(done)
    add_robot(session, told)
    add_robot(session, done)
    today = local_date(NOW, committee.timezone)
    reading = make_reading(session, committee, title="初心", daily_on=today, min_seconds=0)
    tracking.open_reading(session, reading, user_id=members[0].user_id, now=NOW)
    tracking.mark_studied(session, reading, user_id=members[0].user_id, now=NOW)
    tracking.open_reading(session, reading, user_id=finished.user_id, now=NOW)
    tracking.mark_studied(session, reading, user_id=finished.user_id, now=NOW)

    assert reminders.post_not_studied(session, now=NOW + timedelta(hours=1)) == 1
    assert reminders.post_not_studied(session, now=NOW + timedelta(hours=2)) == 0
    [post] = session.scalars(select(ChannelDelivery)).all()
    assert post.text.startswith("2 名党员尚未学习今天的材料《初心》")
    assert post.link == f"/readings/{reading.id}"
