"""The demo shows 组织生活会, 民主评议 ratings, 补学, a committee-wide lesson and notices."""

from __future__ import annotations

from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.demo import COMMITTEE, load_demo
from studyhub.demo.meeting_extras import JOINT_TITLE
from studyhub.meetings import notices
from studyhub.meetings.models import MakeupTask, Meeting, MeetingKind, Rating
from studyhub.meetings.services import ratings
from studyhub.notify.models import Message
from studyhub.org.models import OrgUnit


def test_the_demo_has_ratings_makeup_a_joint_lesson_and_notices(app, session):
    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
    year = clock.local_date(clock.now_utc(), committee.timezone).year

    rated = ratings.ratings_for(session, committee, year)
    kinds = {r.rating for r in rated.values()}
    assert len(rated) > 20 and {Rating.EXCELLENT, Rating.QUALIFIED} <= kinds
    assert session.scalar(
        select(func.count(Meeting.id)).where(Meeting.kind == MeetingKind.ORG_LIFE)
    ) == session.scalar(
        select(func.count(Meeting.id)).where(Meeting.kind == MeetingKind.DEMOCRATIC_REVIEW)
    )
    tasks = session.scalars(select(MakeupTask)).all()
    assert tasks and any(t.completed_at for t in tasks) and any(not t.completed_at for t in tasks)
    lesson = session.scalars(select(Meeting).where(Meeting.title == JOINT_TITLE)).one()
    assert len(lesson.participants) >= 2
    invited = session.scalar(
        select(func.count(Message.id)).where(
            Message.kind == notices.INVITATION,
            Message.params["meeting_id"].as_integer() == lesson.id,
        )
    )
    assert invited > 30
    assert session.scalar(
        select(func.count(Message.id)).where(Message.kind == notices.RECORDS_WAITING)
    )
