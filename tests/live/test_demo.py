"""The demo has a lesson on now with its recording and comments, and last week's replay."""

from __future__ import annotations

from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.demo import load_demo
from studyhub.live.models import LiveComment, LiveLesson
from studyhub.live.services import comments, watching
from studyhub.meetings.models import Attendance, AttendanceStatus


def test_the_demo_lessons(app, session):
    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    now = clock.now_utc()
    past, today = session.scalars(select(LiveLesson).order_by(LiveLesson.starts_at)).all()
    assert comments.is_on(today, now) and today.video_key
    assert len(today.invitations) >= 3
    assert (
        session.scalar(select(func.count(LiveComment.id)).where(LiveComment.lesson_id == today.id))
        == 3
    )
    assert watching.is_replay_time(past, now) and past.attendance_written_at is not None
    assert clock.as_utc(past.makeup_until) > now
    meeting_ids = [i.meeting_id for i in past.invitations]
    present = session.scalar(
        select(func.count(Attendance.id)).where(
            Attendance.meeting_id.in_(meeting_ids),
            Attendance.status == AttendanceStatus.PRESENT,
            Attendance.method == "live",
        )
    )
    assert present > 0
