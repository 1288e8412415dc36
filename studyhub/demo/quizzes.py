"""The demo's question bank, exam, practice quiz and daily quiz, with attempts.

The bank "党的基本知识" is ``data/questions.json``: questions on the Party
Constitution, organisation and history, written for the demo from the
中国共产党章程 (as amended in 2022), the 《中国共产党支部工作条例（试行）》 (2018),
the 2008 规定 on Party dues and well-established dates of Party history. Each
entry has a category path, a type, a stem, options, an answer and an
explanation in Markdown; fill-in blanks are written "______".
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes.models import (
    Attempt,
    QuestionType,
    QuestionVersion,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services import attempts as quiz_attempts
from studyhub.quizzes.services import bank as quiz_bank
from studyhub.quizzes.services import daily as daily_quiz
from studyhub.quizzes.services import quizzes as quiz_setup

QUESTIONS_FILE = Path(__file__).resolve().parent / "data" / "questions.json"
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


def demo_questions() -> list[dict[str, Any]]:
    """The demo bank's questions, as written in ``data/questions.json``."""
    return json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))


def load_quizzes(session: Session, committee: OrgUnit, now: datetime) -> None:
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
    for question in demo_questions():
        category = quiz_bank.ensure_category(session, bank, question["category"])
        quiz_bank.create_question(
            session,
            bank,
            quiz_bank.QuestionFields(
                qtype=QuestionType(question["type"]),
                stem=question["stem"],
                options=question["options"],
                answer=question["answer"],
                explanation=question["explanation"],
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
            actor_id=None,
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
        actor_id=None,
        now=now,
    )
    for quiz in (exam, practice):
        quiz_setup.publish_quiz(session, quiz, actor_id=None, now=now - timedelta(days=3))
        quiz_setup.assign_quiz(session, quiz, committee, actor_id=None, now=now - timedelta(days=3))
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
        answer_demo_attempt(session, attempt, rng, skill, at)
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


def answer_demo_attempt(
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
