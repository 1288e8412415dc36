"""The demo's 组织生活会 and 民主评议党员 with ratings, a committee-wide 党课 ahead, 补学 for
those who missed this quarter's lesson, and the notices the jobs would have sent."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.meetings import notices
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    MakeupTask,
    Meeting,
    MeetingKind,
    MeetingState,
    Rating,
)
from studyhub.meetings.services import joint, makeup, ratings
from studyhub.meetings.services import records as meeting_records
from studyhub.org.models import Member, OrgUnit, UnitKind

JOINT_HOST = "机关第一党支部"
JOINT_TITLE = "党委书记讲党课：以高质量党建引领科技创新"
# Of those rated at each branch's 民主评议: a few 优秀 (with the votes), one 基本合格.
EXCELLENT_SHARE = 0.2


def load_meeting_extras(session: Session, committee: OrgUnit, now: datetime) -> None:
    rng = random.Random(18)
    zone = ZoneInfo(committee.timezone)
    today = clock.local_date(now, committee.timezone)
    year = today.year if today.month > 1 else today.year - 1
    reviewer = session.scalars(select(User).where(User.phone == "13800000002")).one()
    branches = session.scalars(
        select(OrgUnit)
        .where(OrgUnit.committee_id == committee.id, OrgUnit.kind == UnitKind.BRANCH)
        .order_by(OrgUnit.id)
    ).all()
    for branch in branches:
        leaders = session.scalars(
            select(Member).where(Member.branch_id == branch.id).order_by(Member.id).limit(2)
        ).all()
        secretary, recorder = leaders[0].user, leaders[1].user
        for kind, title, day in (
            (MeetingKind.ORG_LIFE, f"{year - 1}年度组织生活会：对照检查、批评与自我批评", 10),
            (MeetingKind.DEMOCRATIC_REVIEW, f"{year - 1}年度民主评议党员", 17),
        ):
            at = datetime(year, 1, day, 14, 30, tzinfo=zone).astimezone(UTC)
            if at > now:
                continue
            meeting = _held(session, branch, kind, title, at, secretary, recorder)
            if kind == MeetingKind.DEMOCRATIC_REVIEW:
                _rate(session, meeting, recorder, rng, at)
            meeting_records.submit_meeting(
                session, meeting, by=secretary, now=at + timedelta(days=1)
            )
            meeting_records.approve_meeting(
                session, meeting, by=reviewer, now=at + timedelta(days=2)
            )
        _assign_makeup(session, branch, secretary, now, rng)
    _joint_lesson(session, committee, branches, reviewer, now, zone)
    # The notices the jobs would have sent by now: invitations to what lies ahead, the
    # reminders due, and the staff's digest of records waiting for review.
    notices.send_event_notices(session, now=now)
    notices.send_reminders(session, now=now)
    notices.send_review_digest(session, now=now)
    session.flush()


def _held(session, branch, kind, title, at, secretary, recorder) -> Meeting:
    meeting = meeting_records.plan_meeting(
        session,
        branch,
        meeting_records.MeetingFields(
            kind=kind,
            title=title,
            planned_at=at,
            place="机关三楼会议室",
            host_name=secretary.name,
            recorder_name=recorder.name,
        ),
        by=secretary,
        now=at - timedelta(days=10),
    )
    meeting_records.record_meeting(
        session,
        meeting,
        meeting_records.RecordFields(
            started_at=at,
            ended_at=at + timedelta(hours=2),
            minutes_markdown=(
                f"## {title}\n\n{secretary.name}代表支部委员会作对照检查，"
                "党员逐一发言，开展批评与自我批评。"
            ),
            decisions="形成问题清单和整改措施，限期整改。",
        ),
        by=recorder,
        now=at + timedelta(hours=3),
    )
    rows = session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
    for n, row in enumerate(rows):
        row.status = AttendanceStatus.PRESENT if n % 9 else AttendanceStatus.EXCUSED
        row.reason = None if n % 9 else "出差"
    session.flush()
    return meeting


def _rate(session, meeting: Meeting, recorder: User, rng: random.Random, at: datetime) -> None:
    members = session.scalars(
        select(Attendance.user_id)
        .where(Attendance.meeting_id == meeting.id)
        .order_by(Attendance.user_id)
    ).all()
    voters = len(members)
    entries = {}
    for n, user_id in enumerate(members):
        if rng.random() < EXCELLENT_SHARE:
            yes = rng.randint(voters * 2 // 3, voters)
            entries[user_id] = ratings.RatingEntry(
                Rating.EXCELLENT, {Rating.EXCELLENT: yes, Rating.QUALIFIED: voters - yes}
            )
        elif n == len(members) - 1 and voters > 8:
            entries[user_id] = ratings.RatingEntry(Rating.BASICALLY_QUALIFIED)
        else:
            entries[user_id] = ratings.RatingEntry(Rating.QUALIFIED)
    ratings.rate_members(session, meeting, entries, by=recorder, now=at + timedelta(hours=4))


def _assign_makeup(session, branch, secretary, now: datetime, rng: random.Random) -> None:
    """补学 for those who missed the branch's latest lesson; some have done it."""
    lesson = session.scalars(
        select(Meeting)
        .where(
            Meeting.branch_id == branch.id,
            Meeting.kind == MeetingKind.LESSON,
            Meeting.state != MeetingState.PLANNED,
            Meeting.state != MeetingState.CANCELLED,
        )
        .order_by(Meeting.planned_at.desc())
        .limit(1)
    ).first()
    if lesson is None:
        return
    held_at = clock.as_utc(lesson.planned_at)
    assigned = min(held_at + timedelta(hours=6), now)
    makeup.assign_makeup(
        session,
        lesson,
        due_at=now + timedelta(days=14),
        quiz=None,
        by=secretary,
        now=assigned,
    )
    tasks = session.scalars(
        select(MakeupTask).where(MakeupTask.meeting_id == lesson.id).order_by(MakeupTask.id)
    ).all()
    for task in tasks[: len(tasks) // 2]:
        user = session.get(User, task.user_id)
        makeup.complete_makeup(
            session, task, user, now=min(assigned + timedelta(hours=rng.randint(2, 40)), now)
        )


def _joint_lesson(session, committee, branches, reviewer, now: datetime, zone) -> None:
    """A committee-wide 党课 next week, hosted by the first branch."""
    host = next(b for b in branches if b.name == JOINT_HOST)
    at = datetime.combine(
        clock.local_date(now, committee.timezone) + timedelta(days=8),
        datetime.min.time().replace(hour=15),
        tzinfo=zone,
    ).astimezone(UTC)
    secretary = session.scalars(
        select(Member).where(Member.branch_id == host.id).order_by(Member.id).limit(1)
    ).one()
    meeting = meeting_records.plan_meeting(
        session,
        host,
        meeting_records.MeetingFields(
            kind=MeetingKind.LESSON,
            title=JOINT_TITLE,
            planned_at=at,
            place="局机关大礼堂",
            host_name=secretary.user.name,
            lecturer_name="党委书记",
        ),
        by=secretary.user,
        now=now - timedelta(hours=2),
    )
    joint.whole_committee(session, meeting, by=reviewer, now=now - timedelta(hours=1))
