"""``studyhub demo``: a deterministic demo organisation, then a development server.

Later domains add their demo data here, through their own services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from studyhub.accounts.models import User
from studyhub.accounts.services import hash_password
from studyhub.core import clock
from studyhub.core.schema import drop_all_tables
from studyhub.extensions import db
from studyhub.meetings import queries as meeting_queries
from studyhub.meetings.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from studyhub.meetings.services import attendance as meeting_attendance
from studyhub.meetings.services import records as meeting_records
from studyhub.org import services as org
from studyhub.org.models import Member, MemberStatus, OrgUnit, Role, UnitKind
from studyhub.org.queries import groups_of
from studyhub.plans.services import plans as plan_setup
from studyhub.quizzes.demo_questions import QUESTIONS as DEMO_QUESTIONS
from studyhub.quizzes.models import (
    Attempt,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services import attempts as quiz_attempts
from studyhub.quizzes.services import bank as quiz_bank
from studyhub.quizzes.services import daily as daily_quiz
from studyhub.quizzes.services import quizzes as quiz_setup
from studyhub.readings.models import Reading
from studyhub.readings.services import history, imports, library, rota, tracking
from studyhub.scheduler.process import configure_logging, start_in_background

DEMO_DATA = Path(__file__).resolve().parent / "readings" / "data"
COMMITTEE = "市科技局机关党委"
DEMO_PASSWORD = "demo2026"
ADMIN_LOGIN = "admin"

# (general branch or None, branch, groups, member names)
BRANCHES: list[tuple[str | None, str, list[str], list[str]]] = [
    (
        "局机关党总支",
        "机关第一党支部",
        ["第一党小组", "第二党小组"],
        [
            "王建国",
            "李秀英",
            "张伟",
            "刘洋",
            "陈静",
            "杨帆",
            "赵磊",
            "黄丽娟",
            "周涛",
            "吴敏",
            "徐海燕",
            "孙志强",
            "马晓东",
            "朱婷",
            "胡斌",
        ],
    ),
    (
        "局机关党总支",
        "机关第二党支部",
        ["第一党小组", "第二党小组"],
        [
            "郭玉兰",
            "何俊",
            "高雪梅",
            "林志远",
            "罗红",
            "郑凯",
            "梁晓燕",
            "宋文杰",
            "谢芳",
            "韩冬",
            "唐明辉",
            "冯丽",
            "董建华",
            "萧雅琴",
        ],
    ),
    (
        None,
        "离退休干部党支部",
        ["第一党小组"],
        [
            "程德福",
            "曹桂英",
            "袁振华",
            "邓淑珍",
            "许国强",
            "傅秀兰",
            "沈长林",
            "曾凤英",
            "彭志诚",
            "吕玉珍",
            "苏永贵",
        ],
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    login: str


def load_demo(*, password_method: str) -> list[DemoLogin]:
    """Create the demo organisation unless it is there already; returns the logins."""
    now = clock.now_utc()
    session = db.session
    existing = session.scalar(select(OrgUnit).where(OrgUnit.name == COMMITTEE))
    if existing is not None:
        return demo_logins()
    password_hash = hash_password(DEMO_PASSWORD, method=password_method)
    committee = org.create_committee(session, COMMITTEE, now=now, timezone="Asia/Shanghai")
    general_branches: dict[str, OrgUnit] = {}
    serial = 0
    for general_name, branch_name, group_names, names in BRANCHES:
        parent = committee
        if general_name:
            if general_name not in general_branches:
                general_branches[general_name] = org.create_unit(
                    session, committee, kind=UnitKind.GENERAL_BRANCH, name=general_name, now=now
                )
            parent = general_branches[general_name]
        branch = org.create_unit(session, parent, kind=UnitKind.BRANCH, name=branch_name, now=now)
        groups = [
            org.create_unit(session, branch, kind=UnitKind.GROUP, name=g, now=now)
            for g in group_names
        ]
        for index, name in enumerate(names):
            serial += 1
            fields = org.MemberFields(
                name=name,
                phone=f"138{serial:08d}",
                member_no=f"KJ{serial:04d}",
                status=MemberStatus.PROBATIONARY if index == len(names) - 1 else MemberStatus.FULL,
                joined_on=date(1975 + (serial * 7) % 48, 1 + serial % 12, 1 + serial % 28),
                position="支部书记" if index == 0 else None,
            )
            member = org.add_member(
                session,
                branch,
                fields,
                group=groups[index % len(groups)],
                now=now,
                password_method=password_method,
                password_hash=password_hash,
            )
            member.user.must_change_password = False
            if index == 0:
                org.appoint(session, member.user, branch, Role.SECRETARY, by=None, now=now)
            elif index == 1:
                org.appoint(session, member.user, branch, Role.BRANCH_COMMITTEE, by=None, now=now)
            if serial == 2:
                org.appoint(session, member.user, committee, Role.STAFF, by=None, now=now)
    admin = User(
        name="系统管理员",
        member_no=ADMIN_LOGIN,
        password_hash=password_hash,
        must_change_password=False,
        is_admin=True,
        created_at=now,
    )
    session.add(admin)
    session.flush()
    _load_readings(session, committee, now)
    _load_lead_readers(session, committee, now)
    _load_quizzes(session, committee, now)
    _load_plans(session, committee, now)
    _load_meetings(session, committee, now)  # after the plans: the lesson links the current one
    return demo_logins()


# The demo readings, in the order they become readings of the day from yesterday on;
# the others are published in the library without a day.
DEMO_DAILY_FILES = (
    "01-sanhui-yike.md",
    "08-xianshang-xuexi.md",
    "02-zhibu-dahui.md",
    "04-fazhan-dangyuan.md",
    "06-zhuti-dangri.md",
    "10-zunyi-huiyi.md",
    "05-zuzhi-shenghuohui.md",
)


def _load_readings(session: Session, committee: OrgUnit, now: datetime) -> None:
    """Columns, ten readings (seven of them the readings of yesterday to five days on)
    and the shared 党史今天 set, through the same services as the import commands."""
    config = current_app.config
    timing = library.StudyTiming(
        fraction=config["READING_MIN_FRACTION"],
        floor=config["READING_MIN_SECONDS"],
        ceiling=config["READING_MAX_MIN_SECONDS"],
    )
    library.ensure_default_columns(session, committee)
    rows, problems = imports.read_markdown_folder(DEMO_DATA / "demo_readings")
    plan = imports.check_readings(session, committee, rows, problems, create_columns=False)
    imports.write_readings(
        session, plan, by_user_id=None, now=now, timing=timing, publish_undated=False
    )
    titles = {row.where: row.title for row in rows}
    by_title = {
        r.title: r
        for r in session.scalars(select(Reading).where(Reading.committee_id == committee.id))
    }
    today = clock.local_date(now, committee.timezone)
    for offset, name in enumerate(DEMO_DAILY_FILES, start=-1):
        library.schedule_daily(
            session,
            by_title[titles[name]],
            day=today + timedelta(days=offset),
            timezone=committee.timezone,
            now=now,
        )
    for name, title in titles.items():
        if name not in DEMO_DAILY_FILES:
            library.publish_now(by_title[title], now=now - timedelta(days=2))
    entries = history.read_history(DEMO_DATA / "history_demo.csv", this_year=today.year)
    history.import_history(session, entries, committee_id=None)
    session.flush()


def _load_lead_readers(session: Session, committee: OrgUnit, now: datetime) -> None:
    """Each branch's rota in roster order, with the two days before today already led.

    So today the third member of each branch leads (张伟 in 机关第一党支部).
    """
    branches = session.scalars(
        select(OrgUnit)
        .where(OrgUnit.committee_id == committee.id, OrgUnit.kind == UnitKind.BRANCH)
        .order_by(OrgUnit.id)
    ).all()
    for branch in branches:
        member_ids = session.scalars(
            select(Member.id).where(Member.branch_id == branch.id).order_by(Member.id)
        ).all()
        rota.set_rota(session, branch, member_ids)
        today = rota.branch_today(session, branch, now)
        for days_ago in (2, 1, 0):
            rota.assign_day(session, branch, today - timedelta(days=days_ago), now=now)


DEMO_BANK = "党的基本知识"
DEMO_EXAM = "党章党规和党史知识测试"
DEMO_PRACTICE = "党的基本知识练习"
# (type, how many, points each): 20 questions, 100 points
DEMO_EXAM_RULES = (
    (QuestionType.SINGLE, 8, 5),
    (QuestionType.MULTIPLE, 4, 5),
    (QuestionType.TRUEFALSE, 4, 5),
    (QuestionType.FILLIN, 4, 5),
)
# Members of 机关第一党支部 who have taken the exam (how likely each answers right), and one who
# is in the middle of it; the demo logins themselves have not.
DEMO_EXAM_TAKERS = {"刘洋": 0.9, "陈静": 0.75, "杨帆": 0.6, "赵磊": 0.5, "黄丽娟": 0.85}
DEMO_EXAM_OPEN = "周涛"
# 张伟 did the daily quiz on each of the last three days (a streak waiting for today).
DEMO_DAILY_MEMBER = "张伟"


def _load_quizzes(session: Session, committee: OrgUnit, now: datetime) -> None:
    """The bank "党的基本知识" (69 questions), an exam and a practice quiz for every branch,
    the daily quiz, a few exam attempts and three days of 张伟's daily quiz — all through
    the quiz services."""
    bank = quiz_bank.create_bank(
        session,
        committee,
        name=DEMO_BANK,
        description="党章、党的组织、三会一课、党费和党史",
        now=now,
    )
    for path, qtype, stem, options, answer, explanation in DEMO_QUESTIONS:
        category = quiz_bank.ensure_category(session, bank, path)
        quiz_bank.create_question(
            session,
            bank,
            quiz_bank.QuestionFields(
                qtype=QuestionType(qtype),
                stem=stem,
                options=options,
                answer=answer,
                explanation=explanation,
                category_id=category.id if category else None,
            ),
            by_user_id=None,
            now=now,
        )
    exam = quiz_setup.create_quiz(
        session,
        committee,
        quiz_setup.QuizFields(
            title=DEMO_EXAM,
            instructions="共20题，满分100分，60分及格。限时30分钟，可作答2次，取最高分。"
            "答案在测试结束后公布。",
            mode=QuizMode.EXAM,
            time_limit_seconds=30 * 60,
            opens_at=now - timedelta(days=3),
            closes_at=now + timedelta(days=14),
            attempts_allowed=2,
            shuffle_questions=True,
            shuffle_options=True,
        ),
        by_user_id=None,
        now=now - timedelta(days=3),
    )
    for qtype, count, points in DEMO_EXAM_RULES:
        quiz_setup.add_rule_slot(
            session,
            exam,
            bank_id=bank.id,
            category_id=None,
            include_subcategories=True,
            qtype=qtype,
            count=count,
            points=Decimal(points),
            now=now,
        )
    practice = quiz_setup.create_quiz(
        session,
        committee,
        quiz_setup.QuizFields(
            title=DEMO_PRACTICE,
            instructions="每次随机10题，答一题看一题的解析，不计成绩，可反复练习。",
            mode=QuizMode.PRACTICE,
            attempts_allowed=None,
            shuffle_options=True,
            review_correctness=ReviewTiming.IMMEDIATELY,
            review_answers=ReviewTiming.IMMEDIATELY,
            review_explanations=ReviewTiming.IMMEDIATELY,
        ),
        by_user_id=None,
        now=now - timedelta(days=3),
    )
    quiz_setup.add_rule_slot(
        session,
        practice,
        bank_id=bank.id,
        category_id=None,
        include_subcategories=True,
        qtype=None,
        count=10,
        points=Decimal(1),
        now=now,
    )
    for quiz in (exam, practice):
        quiz_setup.publish_quiz(session, quiz, now=now - timedelta(days=3))
        quiz_setup.assign_quiz(session, quiz, committee, now=now - timedelta(days=3))
    daily = daily_quiz.ensure_daily_quiz(session, committee, now=now - timedelta(days=3))
    members = {
        m.user.name: m
        for m in session.scalars(select(Member).where(Member.committee_id == committee.id))
    }
    rng = random.Random(2026)
    for serial, (name, skill) in enumerate(DEMO_EXAM_TAKERS.items(), start=1):
        at = now - timedelta(days=2, hours=serial)
        attempt = quiz_attempts.start_attempt(
            session, exam, user_id=members[name].user_id, now=at, seed=serial
        )
        _answer_demo_attempt(session, attempt, rng, skill, at)
        quiz_attempts.submit_attempt(session, attempt, now=at + timedelta(minutes=20))
    quiz_attempts.start_attempt(
        session, exam, user_id=members[DEMO_EXAM_OPEN].user_id, now=now, seed=99
    )
    for days_ago in (3, 2, 1):
        at = now - timedelta(days=days_ago)
        attempt = daily_quiz.start_daily(
            session, daily, user_id=members[DEMO_DAILY_MEMBER].user_id, now=at, seed=days_ago
        )
        for item in list(attempt.items):
            daily_quiz.answer_daily(
                session,
                attempt,
                position=item.position,
                response=_demo_response(item.version, right=rng.random() < 0.7, rng=rng),
                now=at,
            )
    session.flush()


def _answer_demo_attempt(
    session: Session, attempt: Attempt, rng: random.Random, skill: float, at: datetime
) -> None:
    for seq, item in enumerate(list(attempt.items), start=1):
        quiz_attempts.save_answer(
            session,
            attempt,
            position=item.position,
            response=_demo_response(item.version, right=rng.random() < skill, rng=rng),
            seq=seq,
            now=at + timedelta(minutes=seq // 2),
        )


def _demo_response(version: QuestionVersion, *, right: bool, rng: random.Random) -> object:
    """A response to ``version`` as a page posts it: the right answer, or a plausible wrong one."""
    qtype = QuestionType(version.question.qtype)
    keys = [option["key"] for option in version.options or []]
    answer = version.answer
    if qtype == QuestionType.TRUEFALSE:
        value = answer if right else not answer
        return "true" if value else "false"
    if qtype == QuestionType.SINGLE:
        return answer if right else rng.choice([k for k in keys if k != answer])
    if qtype == QuestionType.MULTIPLE:
        if right:
            return list(answer)
        wrong = [k for k in keys if k not in answer]
        return list(answer[:-1]) + wrong[:1] if wrong else list(answer[:-1])
    return [blank[0] if right else "不记得了" for blank in answer]


# The quarter's plan: its materials (the library's undated readings) and how far members are:
# name → (materials studied, exam skill or None). Members other journeys log in as (and 罗红,
# whom the plan's own journey uses) have no progress here; 赵磊 and 黄丽娟 took the exam above.
DEMO_PLAN_MATERIALS = ("党费交纳要点", "党员的八项义务和八项权利", "怎样写好领读心得")
DEMO_PLAN_PROGRESS: dict[str, tuple[int, float | None]] = {
    "李秀英": (3, 1.0),
    "赵磊": (3, None),
    "黄丽娟": (3, None),
    "吴敏": (3, 1.0),
    "周涛": (2, None),
    "徐海燕": (2, None),
    "马晓东": (1, None),
    "郑凯": (3, 0.95),
    "梁晓燕": (3, 0.2),  # fails the exam
    "宋文杰": (1, None),
    "谢芳": (1, None),
    "许国强": (3, 1.0),
    "傅秀兰": (1, None),
    "沈长林": (1, None),
}


def _load_plans(session: Session, committee: OrgUnit, now: datetime) -> None:
    """This quarter's plan for the whole committee with the demo exam, published, and
    members' progress spread over the branches (studies and attempts of the last two days,
    through the tracking and attempt services)."""
    today = clock.local_date(now, committee.timezone)
    year, quarter = plan_setup.quarter_of(today)
    quarter_end = date(year + quarter // 4, quarter % 4 * 3 + 1, 1) - timedelta(days=1)
    exam = session.scalars(
        select(Quiz).where(
            Quiz.committee_id == committee.id,
            Quiz.mode == QuizMode.EXAM,
            Quiz.published_at.is_not(None),
        )
    ).first()
    plan = plan_setup.create_plan(
        session,
        committee,
        plan_setup.PlanFields(
            title=plan_setup.default_title(year, quarter),
            year=year,
            quarter=quarter,
            starts_on=today - timedelta(days=14),
            due_on=max(today + timedelta(days=1), min(today + timedelta(days=10), quarter_end)),
            guidance_markdown=DEMO_PLAN_GUIDANCE,
            quiz_id=exam.id if exam is not None else None,
        ),
        by_user_id=None,
        now=now - timedelta(days=3),
    )
    readings = {
        r.title: r
        for r in session.scalars(
            select(Reading).where(
                Reading.committee_id == committee.id, Reading.title.in_(DEMO_PLAN_MATERIALS)
            )
        )
    }
    for title in DEMO_PLAN_MATERIALS:
        plan_setup.add_material(session, plan, readings[title].id, now=now - timedelta(days=3))
    plan_setup.set_targets(session, plan, [committee.id], now=now - timedelta(days=3))
    plan_setup.publish_plan(session, plan, now=now - timedelta(days=2))
    members = {
        m.user.name: m
        for m in session.scalars(select(Member).where(Member.committee_id == committee.id))
    }
    rng = random.Random(5)
    for serial, (name, (studied, skill)) in enumerate(DEMO_PLAN_PROGRESS.items()):
        user_id = members[name].user_id
        at = now - timedelta(hours=40) + timedelta(minutes=40 * serial)
        for title in DEMO_PLAN_MATERIALS[:studied]:
            reading = readings[title]
            tracking.open_reading(session, reading, user_id=user_id, now=at)
            at += timedelta(minutes=12)
            tracking.mark_studied(session, reading, user_id=user_id, now=at)
        if skill is not None and exam is not None:
            attempt = quiz_attempts.start_attempt(
                session, exam, user_id=user_id, now=at, seed=100 + serial
            )
            _answer_demo_attempt(session, attempt, rng, skill, at)
            quiz_attempts.submit_attempt(session, attempt, now=at + timedelta(minutes=20))
    session.flush()


DEMO_PLAN_GUIDANCE = """本季度围绕**学习贯彻党章党规、严格党的组织生活**开展主题学习：

1. 认真学习本计划的三篇学习材料，了解党员的权利和义务、党费交纳和领读心得的要求；
2. 各支部结合“三会一课”组织一次专题党课，交流学习体会；
3. 完成“党章党规和党史知识测试”，60分及格，可作答两次。
"""


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


def _load_meetings(session: Session, committee: OrgUnit, now: datetime) -> None:
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


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("system admin", "系统管理员", ADMIN_LOGIN),
        DemoLogin("committee staff", "李秀英", "13800000002"),
        DemoLogin("secretary, 机关第一党支部", "王建国", "13800000001"),
        DemoLogin("secretary, 机关第二党支部", "郭玉兰", "13800000016"),
        DemoLogin("secretary, 离退休干部党支部", "程德福", "13800000030"),
        DemoLogin("member, 机关第一党支部", "张伟", "13800000003"),
    ]


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only create the database and load the demo.")
@click.option("--reset", is_flag=True, help="Delete every table first and start from scratch.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, reset: bool) -> None:
    """Create or upgrade the database, load the demo data, print the logins and serve."""
    if reset:
        click.echo("Dropping every table…")
        drop_all_tables(db.engine)
    upgrade()
    logins = load_demo(password_method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.role:<32} {login.name:<6} {login.login}")
    if no_serve:
        return
    url = f"http://{host}:{port}/"
    click.echo(f"\nstudyhub is running at {url}  (Ctrl+C stops it)")
    app = current_app._get_current_object()
    # The scheduler runs beside the server here, for convenience only; in
    # production it is its own process (``studyhub scheduler``).
    configure_logging()
    scheduler, scheduler_thread = start_in_background(app)
    try:
        # Not app.run(): Flask ignores it inside a CLI command (FLASK_RUN_FROM_CLI).
        run_simple(host, port, app, threaded=True)
    finally:
        scheduler.stop()
        scheduler_thread.join(timeout=30)
