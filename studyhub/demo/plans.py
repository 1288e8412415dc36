"""The demo's study plan for the current quarter, with progress across the branches."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core import clock
from studyhub.demo.quizzes import answer_demo_attempt
from studyhub.org.models import Member, OrgUnit
from studyhub.plans.services import plans as plan_setup
from studyhub.quizzes.models import (
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import attempts as quiz_attempts
from studyhub.readings.models import Reading
from studyhub.readings.services import tracking

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


def load_plans(session: Session, committee: OrgUnit, now: datetime) -> None:
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
            answer_demo_attempt(session, attempt, rng, skill, at)
            quiz_attempts.submit_attempt(session, attempt, now=at + timedelta(minutes=20))
    session.flush()


DEMO_PLAN_GUIDANCE = """本季度围绕**学习贯彻党章党规、严格党的组织生活**开展主题学习：

1. 认真学习本计划的三篇学习材料，了解党员的权利和义务、党费交纳和领读心得的要求；
2. 各支部结合“三会一课”组织一次专题党课，交流学习体会；
3. 完成“党章党规和党史知识测试”，60分及格，可作答两次。
"""
