"""The demo's live lessons: one on now (today) with the shipped recording, and last week's
with its replay, comments at their time, the attendance written and 补学 open."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.live.models import LiveLesson
from studyhub.live.services import comments, lessons, watching
from studyhub.live.services.attendance import write_attendance
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.web.storage import current_storage

VIDEO = Path(__file__).parent / "data" / "live-lesson.mp4"
TODAY_COMMENTS = ["老师讲得很透彻！", "学习了，受益匪浅。", "我们支部在会议室集体收看。"]
PAST_COMMENTS = [
    (60, "开始了"),
    (300, "这一段讲得好"),
    (1500, "认真学习，抓好落实"),
    (3000, "感谢老师"),
]
RETIRED_BRANCH = "离退休干部党支部"
LIMIT = comments.RateLimit(min_gap_seconds=0, per_minute=60)


def _schedule(
    session: Session,
    committee: OrgUnit,
    branches: list[OrgUnit],
    staff: User,
    *,
    title: str,
    starts_at: datetime,
    minutes: int,
    now: datetime,
    makeup_until: datetime | None = None,
) -> LiveLesson:
    fields = lessons.LessonFields(
        title=title,
        lecturer_name="王建国",
        description="以直播形式面向全体党员讲授专题党课，各支部可在会议室集体收看并扫码签到。",
        starts_at=starts_at,
        planned_end_at=starts_at + timedelta(minutes=minutes),
        branches=branches,
        makeup_until=makeup_until,
    )
    lesson = lessons.schedule_lesson(session, committee, fields, by=staff, now=now)
    data = VIDEO.read_bytes()
    key, mime = lessons.video_key(lesson, data)
    current_storage().save(key, data)
    lessons.attach_video(session, lesson, key=key, mime=mime, now=now)
    return lesson


def load_live(session: Session, committee: OrgUnit, now: datetime) -> None:
    staff = session.scalars(select(User).where(User.phone == "13800000002")).one()
    branches = list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.committee_id == committee.id, OrgUnit.kind == UnitKind.BRANCH)
            .order_by(OrgUnit.id)
        )
    )
    members = list(
        session.scalars(
            select(Member).where(Member.committee_id == committee.id).order_by(Member.id)
        )
    )
    # Last week's lesson: watched, commented, written into the records; 补学 open a week.
    # Not for the retired members' branch: its missing 党课 of last quarter is the demo's
    # compliance gap, and a week ago may be last quarter.
    past_start = now - timedelta(days=7)
    past = _schedule(
        session,
        committee,
        [b for b in branches if b.name != RETIRED_BRANCH],
        staff,
        title="党的创新理论专题党课（回放）",
        starts_at=past_start,
        minutes=60,
        now=past_start - timedelta(days=2),
        makeup_until=now + timedelta(days=7),
    )
    for (offset, text), member in zip(PAST_COMMENTS, members[2:], strict=False):
        comments.post_comment(
            session,
            past,
            member=member,
            text=text,
            now=past_start + timedelta(seconds=offset),
            limit=LIMIT,
        )
    invited = {i.branch_id for i in past.invitations}
    for index, member in enumerate(m for m in members if m.branch_id in invited):
        if index % 4 == 3:
            continue  # a quarter did not watch: they may make it up by replay
        seconds = 3600 if index % 4 else 1800  # some watched too little
        for done in range(0, seconds + 1, 900):  # a report every 15 minutes
            watching.record_watch(
                session,
                past,
                member=member,
                seconds=900 if done else 0,
                is_playing=True,
                is_visible=True,
                now=past_start + timedelta(seconds=done),
            )
    write_attendance(session, past, now=past_start + timedelta(minutes=62))
    # Today's lesson, on now.
    today = _schedule(
        session,
        committee,
        branches,
        staff,
        title="学习贯彻全会精神直播党课",
        starts_at=now - timedelta(minutes=10),
        minutes=120,
        now=now - timedelta(days=1),
    )
    for minute, (text, member) in enumerate(zip(TODAY_COMMENTS, members[3:], strict=False)):
        comments.post_comment(
            session,
            today,
            member=member,
            text=text,
            now=now - timedelta(minutes=8 - 2 * minute),
            limit=LIMIT,
        )
