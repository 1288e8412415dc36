"""The demo's year of 三会一课 per branch, with attendance, review and a few gaps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.meetings import queries as meeting_queries
from studyhub.meetings.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from studyhub.meetings.services import attendance as meeting_attendance
from studyhub.meetings.services import records as meeting_records
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.org.queries import groups_of

# The demo year of 三会一课: topics by kind of meeting, reasons for leave, and the gaps.
DEMO_MEETING_TOPICS: dict[MeetingKind, tuple[str, ...]] = {
    MeetingKind.COMMITTEE_MEETING: (
        "研究部署本月党建工作",
        "讨论发展党员工作计划",
        "研究党费收缴和使用情况",
        "分析党员思想状况",
        "研究主题党日活动安排",
        "研究年度民主评议党员工作方案",
    ),
    MeetingKind.GROUP_MEETING: (
        "学习《中国共产党章程》",
        "交流学习体会",
        "学习《中国共产党纪律处分条例》",
        "开展谈心谈话",
    ),
    MeetingKind.GENERAL_MEETING: (
        "传达学习上级会议精神",
        "讨论接收预备党员",
        "通报支部工作情况",
        "开展民主评议党员",
    ),
    MeetingKind.THEME_DAY: ("主题党日：参观红色教育基地", "主题党日：志愿服务进社区"),
    MeetingKind.LESSON: (
        "书记讲党课：坚定理想信念",
        "党课：发扬斗争精神",
        "党课：党的光辉历程",
        "党课：全面从严治党",
    ),
}
DEMO_LEAVE_REASONS = ("出差", "外出培训", "病假", "家中有事")
# Gaps the compliance calendar shows: (branch, kind, periods ago), a period being a month
# for the monthly kinds and a quarter for the quarterly ones (general meeting, lesson).
DEMO_MISSING_MEETINGS = {
    ("离退休干部党支部", MeetingKind.COMMITTEE_MEETING, 3),
    ("离退休干部党支部", MeetingKind.COMMITTEE_MEETING, 7),
    ("离退休干部党支部", MeetingKind.LESSON, 1),
    ("机关第二党支部", MeetingKind.GROUP_MEETING, 2),
}
DEMO_QUARTERLY_KINDS = {MeetingKind.GENERAL_MEETING, MeetingKind.LESSON}


def load_meetings(session: Session, committee: OrgUnit, now: datetime) -> None:
    """A year of 三会一课 for every branch through the meeting services: committee and group
    meetings monthly, a general meeting and a lesson each quarter, with check-ins, leave,
    minutes and review. A few are missing (the compliance gap), last month's are still with
    the secretary or the committee, this month's lie ahead, and this quarter's lesson three
    days ago links the current study plan (when there is one) with its evidence."""
    rng = random.Random(6)
    zone = ZoneInfo(committee.timezone)
    today = clock.local_date(now, committee.timezone)
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
        plan = session.scalars(meeting_queries.linkable_plans(branch).limit(1)).first()
        groups = session.scalars(groups_of(branch.id)).all()
        schedule: list[tuple[MeetingKind, OrgUnit | None, datetime, int]] = []
        for ago in range(11, -1, -1):
            year, month = divmod(today.year * 12 + today.month - 1 - ago, 12)
            month += 1

            def on(day: int, hour: int, minute: int, y: int = year, m: int = month) -> datetime:
                return datetime(y, m, day, hour, minute, tzinfo=zone)

            schedule.append((MeetingKind.COMMITTEE_MEETING, None, on(8, 9, 30), ago))
            schedule += [(MeetingKind.GROUP_MEETING, g, on(15, 16, 0), ago) for g in groups]
            if month % 3 == 2:  # the middle month of each quarter
                schedule.append((MeetingKind.GENERAL_MEETING, None, on(20, 14, 30), ago))
                if (year, (month - 1) // 3) != (today.year, (today.month - 1) // 3):
                    schedule.append((MeetingKind.LESSON, None, on(18, 14, 30), ago))
        lesson_day = today - timedelta(days=3)
        schedule.append(
            (MeetingKind.LESSON, None, datetime.combine(lesson_day, time(14, 30), tzinfo=zone), 0)
        )
        # Ahead: a theme Party day next week and next month's committee meeting.
        ahead = today + timedelta(days=6)
        schedule.append(
            (MeetingKind.THEME_DAY, None, datetime.combine(ahead, time(9, 0), tzinfo=zone), -1)
        )
        year, month = divmod(today.year * 12 + today.month, 12)
        schedule.append(
            (
                MeetingKind.COMMITTEE_MEETING,
                None,
                datetime(year, month + 1, 8, 9, 30, tzinfo=zone),
                -1,
            )
        )
        for number, (kind, group, local_at, ago) in enumerate(schedule):
            periods_ago = ago
            if kind in DEMO_QUARTERLY_KINDS:
                periods_ago = (today.year * 12 + today.month - 1) // 3 - (
                    local_at.year * 12 + local_at.month - 1
                ) // 3
            if (branch.name, kind, periods_ago) in DEMO_MISSING_MEETINGS:
                continue
            at = local_at.astimezone(UTC)
            is_current_lesson = kind == MeetingKind.LESSON and ago == 0
            topics = DEMO_MEETING_TOPICS[kind]
            fields = meeting_records.MeetingFields(
                kind=kind,
                title=(plan.title if is_current_lesson and plan else topics[number % len(topics)]),
                planned_at=at,
                group=group,
                place="机关三楼会议室" if kind != MeetingKind.GROUP_MEETING else "小组活动室",
                host_name=secretary.name,
                recorder_name=recorder.name,
                lecturer_name=secretary.name,
                plan=plan if is_current_lesson else None,
            )
            meeting = meeting_records.plan_meeting(
                session, branch, fields, by=secretary, now=min(at - timedelta(days=7), now)
            )
            if at > now:
                continue  # still to come
            _demo_attendance(session, meeting, secretary, rng, at)
            text = (
                f"## {fields.title}\n\n{secretary.name}主持会议，传达学习了有关精神，"
                "与会党员结合实际交流了体会。"
            )
            record = meeting_records.RecordFields(
                started_at=at,
                ended_at=at + timedelta(hours=1, minutes=30),
                minutes_markdown=text,
                decisions="按会议要求抓好落实，下次会议通报进展。",
            )
            meeting_records.record_meeting(
                session, meeting, record, by=recorder, now=at + timedelta(hours=3)
            )
            if ago == 1 and branch.name == "离退休干部党支部" and not is_current_lesson:
                continue  # recorded, not yet submitted
            meeting_records.submit_meeting(
                session, meeting, by=secretary, now=at + timedelta(days=1)
            )
            if ago == 1 and branch.name == "机关第二党支部":
                continue  # waiting for review
            if ago == 1 and kind == MeetingKind.COMMITTEE_MEETING:
                meeting_records.return_meeting(
                    session,
                    meeting,
                    reason="请补充会议讨论情况和参会人员发言要点。",
                    by=reviewer,
                    now=at + timedelta(days=2),
                )
                continue
            if not is_current_lesson:
                meeting_records.approve_meeting(
                    session, meeting, by=reviewer, now=at + timedelta(days=2)
                )
    session.flush()


def _demo_attendance(
    session: Session, meeting: Meeting, secretary: User, rng: random.Random, at: datetime
) -> None:
    """Leave asked and approved the day before, then check-in at the meeting: most on time,
    a few late, some absent."""
    members = session.scalars(meeting_queries.roster_members(meeting)).all()
    excused = {m for m in members if rng.random() < 0.07}
    for user_id in sorted(excused):
        user = session.get(User, user_id)
        leave = meeting_attendance.request_leave(
            session,
            meeting,
            user,
            reason=rng.choice(DEMO_LEAVE_REASONS),
            now=at - timedelta(days=1),
        )
        meeting_attendance.decide_leave(
            session, leave, meeting, approve=True, by=secretary, now=at - timedelta(hours=20)
        )
    meeting_attendance.open_checkin(session, meeting, by=secretary, now=at - timedelta(minutes=15))
    # The scans, as check_in() would mark them, one statement per minute of arrival
    # (a thousand single check-ins would make the demo slow to load).
    arrivals: dict[int, list[int]] = {}
    for user_id in members:
        if user_id not in excused and rng.random() >= 0.08:
            arrivals.setdefault(rng.choice((-12, -8, -5, -2, 0, 3, 15)), []).append(user_id)
    for minutes, user_ids in arrivals.items():
        session.execute(
            update(Attendance)
            .where(Attendance.meeting_id == meeting.id, Attendance.user_id.in_(user_ids))
            .values(
                status=AttendanceStatus.LATE if minutes > 10 else AttendanceStatus.PRESENT,
                checked_in_at=at + timedelta(minutes=minutes),
                method="qr",
                updated_at=at + timedelta(minutes=minutes),
            )
        )
    meeting_attendance.close_checkin(session, meeting, by=secretary, now=at + timedelta(minutes=30))
