"""The days ahead: what a member finds today, on any day the generated data is used.

Benchmarks reuse generated data (``bench/run.py --reuse-data``) days after it was
made, and every day a member's pages need a reading of the day, the daily quiz
and an open exam. So this step, run last, adds readings of the day for the
:data:`DAYS_AHEAD` days after the generation day (each published at the start of
its day, so it shows on that day and no earlier), the committee's daily quiz over
the bench bank (no dates: always open), and an exam of :data:`EXAM_QUESTIONS`
questions open from the day before generation until :data:`DAYS_AHEAD` days after
it, with unlimited attempts so repeated runs on the same data can start new ones.
Earlier steps never see these rows (the plan's test is the latest closed exam).
Their ``clear`` is the quizzes' and plans' steps', which delete every quiz and
reading of the committee.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from studyhub.benchdata.plans import reading_row
from studyhub.benchdata.quizzes import BANK_NAME
from studyhub.core.clock import local_date
from studyhub.org.models import OrgUnit
from studyhub.quizzes.models import (
    Bank,
    GradingMethod,
    Quiz,
    QuizAssignment,
    QuizMode,
    QuizSlot,
    ReviewTiming,
)
from studyhub.readings.models import Reading
from studyhub.readings.services.library import start_of_day

DAYS_AHEAD = 60
EXAM_QUESTIONS = 50
EXAM_TITLE = "基准测试进行中的考试"
DAILY_TITLE = "每日答题"


class Gen(Protocol):
    """What the step needs of ``studyhub.benchdata.generation.Generation``."""

    session: Session
    committee: OrgUnit
    seed: int
    now: datetime

    def rng(self, label: str) -> random.Random: ...


def size(gen: Gen) -> int:
    return DAYS_AHEAD + 2


def days_ahead(today: date) -> list[date]:
    """The :data:`DAYS_AHEAD` days after ``today``."""
    return [today + timedelta(days=n) for n in range(1, DAYS_AHEAD + 1)]


def _quiz_row(gen: Gen, **fields) -> dict:
    published = gen.now - timedelta(days=1)
    return {
        "committee_id": gen.committee.id,
        "instructions": "",
        "time_limit_seconds": None,
        "opens_at": None,
        "closes_at": None,
        "attempts_allowed": None,
        "grading_method": GradingMethod.HIGHEST,
        "pass_percent": Decimal(60),
        "shuffle_questions": False,
        "shuffle_options": True,
        "multiple_partial_credit": False,
        "review_score": ReviewTiming.IMMEDIATELY,
        "review_correctness": ReviewTiming.IMMEDIATELY,
        "review_answers": ReviewTiming.IMMEDIATELY,
        "review_explanations": ReviewTiming.IMMEDIATELY,
        "daily_question_count": 5,
        "published_at": published,
        "created_at": published,
        "updated_at": published,
        **fields,
    }


def _insert_quizzes(gen: Gen, bank_id: int) -> None:
    """The daily quiz (one question a slot, as the daily quiz's settings make it) and the
    open exam (one slot of :data:`EXAM_QUESTIONS` questions), assigned to the committee."""
    conn = gen.session.connection()
    insert_quiz = insert(Quiz).returning(Quiz.id, sort_by_parameter_order=True)
    daily_id, exam_id = (
        conn.execute(
            insert_quiz,
            [
                _quiz_row(gen, title=DAILY_TITLE, mode=QuizMode.DAILY),
                _quiz_row(
                    gen,
                    title=EXAM_TITLE,
                    mode=QuizMode.EXAM,
                    time_limit_seconds=60 * 60,
                    opens_at=gen.now - timedelta(days=1),
                    closes_at=gen.now + timedelta(days=DAYS_AHEAD),
                    shuffle_questions=True,
                    review_correctness=ReviewTiming.AFTER_CLOSE,
                    review_answers=ReviewTiming.AFTER_CLOSE,
                    review_explanations=ReviewTiming.AFTER_CLOSE,
                ),
            ],
        )
        .scalars()
        .all()
    )
    slot = {"bank_id": bank_id, "include_subcategories": True, "position": 1}
    conn.execute(
        insert(QuizSlot),
        [
            {**slot, "quiz_id": daily_id, "count": 1, "points": Decimal(1)},
            {**slot, "quiz_id": exam_id, "count": EXAM_QUESTIONS, "points": Decimal(2)},
        ],
    )
    conn.execute(
        insert(QuizAssignment),
        [{"quiz_id": exam_id, "unit_id": gen.committee.id, "assigned_at": gen.now}],
    )


def run(gen: Gen, advance: Callable[[int], None]) -> None:
    """Readings of the days ahead, the daily quiz and the open exam (see the docstring)."""
    timezone = gen.committee.timezone
    days = days_ahead(local_date(gen.now, timezone))
    gen.session.connection().execute(
        insert(Reading),
        [reading_row(gen, f"每日一读·{d.isoformat()}", start_of_day(d, timezone), d) for d in days],
    )
    advance(len(days))
    bank_id = gen.session.scalar(
        select(Bank.id).where(Bank.committee_id == gen.committee.id, Bank.name == BANK_NAME)
    )
    _insert_quizzes(gen, bank_id)
    advance(2)
