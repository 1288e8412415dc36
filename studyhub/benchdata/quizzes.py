"""Synthetic quiz data for ``studyhub gen-data``: a bank, exams and submitted attempts.

The generated committee gets a bank of :data:`QUESTIONS` questions of every
type, and — when attempts are asked for — closed exams of
:data:`ITEMS_PER_ATTEMPT` questions drawn from it, with submitted, graded
attempts and their items: each exam is taken once by up to every member, so
``attempts`` over ``members`` gives the number of exams (1,000,000 attempts of
100,000 members: ten exams). Whether a member answers a question right
follows the member's ability and the question's difficulty (a logistic
model), so item analysis finds real spread in the figures.

Rows go in with Core ``insert()`` in batches of :data:`ATTEMPT_BATCH`
attempts, so memory stays flat; the members' user ids are the one list held.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Bank,
    GradingMethod,
    MistakeCard,
    MistakeReview,
    Question,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizAssignment,
    QuizMode,
    QuizSlot,
    ReviewTiming,
)

BANK_NAME = "基准题库"
QUESTIONS = 500
ITEMS_PER_ATTEMPT = 10
POINTS = Decimal(10)
ATTEMPT_BATCH = 1000
QUESTION_BATCH = 500
KEYS = "ABCD"
# Every tenth question a fill-in, two in ten true/false or multiple choice, half single choice.
TYPE_CYCLE = (
    QuestionType.SINGLE,
    QuestionType.TRUEFALSE,
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.SINGLE,
    QuestionType.TRUEFALSE,
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.SINGLE,
    QuestionType.FILLIN,
)
TOPICS = ("党章", "党史", "党的组织", "党的纪律", "理论学习")


class Gen(Protocol):
    """What the step needs of ``studyhub.benchdata.generation.Generation``."""

    session: Session
    committee: OrgUnit
    seed: int
    members: int
    attempts: int
    now: datetime

    def rng(self, label: str) -> random.Random: ...


def exams_for(attempts: int, members: int) -> int:
    return math.ceil(attempts / members) if attempts and members else 0


def size(gen: Gen) -> int:
    """The step's work for the progress bar: the questions, then the attempts."""
    return QUESTIONS + gen.attempts


# -- the bank --------------------------------------------------------------------------------


def _question_content(n: int, qtype: QuestionType) -> tuple[str, list[dict[str, str]], Any]:
    topic = TOPICS[n % len(TOPICS)]
    stem = f"<p>第{n + 1}题（{topic}）：关于{topic}的下列说法，哪一项正确？</p>"
    if qtype == QuestionType.TRUEFALSE:
        return f"<p>第{n + 1}题（{topic}）：这一关于{topic}的说法是正确的。</p>", [], n % 2 == 0
    if qtype == QuestionType.FILLIN:
        return f"<p>第{n + 1}题（{topic}）：填写______。</p>", [], [[f"答案{n + 1}"]]
    options = [{"key": k, "html": f"{topic}说法{n + 1}{k}"} for k in KEYS]
    if qtype == QuestionType.MULTIPLE:
        return stem, options, ["A", "C"] if n % 3 else ["B", "C", "D"]
    return stem, options, KEYS[n % 4]


def _insert_bank(gen: Gen, advance: Callable[[int], None]) -> list[tuple[int, int, Any, float]]:
    """The bank's questions; returns (question id, version id, content, difficulty) of each."""
    session, now = gen.session, gen.now
    conn = session.connection()
    bank_id = conn.execute(
        insert(Bank).returning(Bank.id),
        [
            {
                "committee_id": gen.committee.id,
                "name": BANK_NAME,
                "description": "",
                "created_at": now,
            }
        ],
    ).scalar_one()
    rng = gen.rng("quiz-bank")
    questions: list[tuple[int, int, Any, float]] = []
    for start in range(0, QUESTIONS, QUESTION_BATCH):
        numbers = range(start, min(QUESTIONS, start + QUESTION_BATCH))
        types = [TYPE_CYCLE[n % len(TYPE_CYCLE)] for n in numbers]
        question_ids = (
            conn.execute(
                insert(Question).returning(Question.id, sort_by_parameter_order=True),
                [
                    {
                        "bank_id": bank_id,
                        "qtype": qtype,
                        "title": None,
                        "difficulty": 1 + n % 5,
                        "fingerprint": f"gen-{gen.seed}-{n}",
                        "is_retired": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n, qtype in zip(numbers, types, strict=True)
                ],
            )
            .scalars()
            .all()
        )
        contents = [_question_content(n, qtype) for n, qtype in zip(numbers, types, strict=True)]
        version_ids = (
            conn.execute(
                insert(QuestionVersion).returning(QuestionVersion.id, sort_by_parameter_order=True),
                [
                    {
                        "question_id": qid,
                        "number": 1,
                        "stem_html": stem,
                        "options": options,
                        "answer": answer,
                        "explanation_html": "<p>解析。</p>",
                        "created_at": now,
                    }
                    for qid, (stem, options, answer) in zip(question_ids, contents, strict=True)
                ],
            )
            .scalars()
            .all()
        )
        conn.execute(
            update(Question.__table__)
            .where(Question.__table__.c.id == bindparam("qid"))
            .values(current_version_id=bindparam("vid")),
            [{"qid": q, "vid": v} for q, v in zip(question_ids, version_ids, strict=True)],
        )
        for qid, vid, content, qtype in zip(
            question_ids, version_ids, contents, types, strict=True
        ):
            questions.append((qid, vid, (qtype, content[2]), rng.uniform(-1.5, 1.5)))
        advance(len(question_ids))
    return questions


# -- exams and attempts ----------------------------------------------------------------------


def _create_exam(gen: Gen, bank_id: int, number: int) -> int:
    now = gen.now
    conn = gen.session.connection()
    closes = now - timedelta(days=7 * number + 1)
    quiz_id = conn.execute(
        insert(Quiz).returning(Quiz.id),
        [
            {
                "committee_id": gen.committee.id,
                "title": f"基准测试第{number}次考试",
                "instructions": "",
                "mode": QuizMode.EXAM,
                "time_limit_seconds": 30 * 60,
                "opens_at": closes - timedelta(days=6),
                "closes_at": closes,
                "attempts_allowed": 1,
                "grading_method": GradingMethod.HIGHEST,
                "pass_percent": Decimal(60),
                "shuffle_questions": True,
                "shuffle_options": False,
                "multiple_partial_credit": False,
                "review_score": ReviewTiming.IMMEDIATELY,
                "review_correctness": ReviewTiming.AFTER_CLOSE,
                "review_answers": ReviewTiming.AFTER_CLOSE,
                "review_explanations": ReviewTiming.AFTER_CLOSE,
                "daily_question_count": 5,
                "published_at": closes - timedelta(days=7),
                "created_at": closes - timedelta(days=7),
                "updated_at": closes - timedelta(days=7),
            }
        ],
    ).scalar_one()
    conn.execute(
        insert(QuizSlot),
        [
            {
                "quiz_id": quiz_id,
                "position": 1,
                "bank_id": bank_id,
                "include_subcategories": True,
                "count": ITEMS_PER_ATTEMPT,
                "points": POINTS,
            }
        ],
    )
    conn.execute(
        insert(QuizAssignment),
        [{"quiz_id": quiz_id, "unit_id": gen.committee.id, "assigned_at": closes - timedelta(7)}],
    )
    return quiz_id


def _response(qtype: QuestionType, answer: Any, right: bool, rng: random.Random) -> Any:
    if qtype == QuestionType.TRUEFALSE:
        return answer if right else not answer
    if qtype == QuestionType.SINGLE:
        return answer if right else rng.choice([k for k in KEYS if k != answer])
    if qtype == QuestionType.MULTIPLE:
        return list(answer) if right else ["A", "B"]
    return [answer[0][0]] if right else ["不知道"]


def _ability(user_id: int, seed: int) -> float:
    """A member's fixed ability, from -1.5 to 2 (most members know most answers)."""
    return ((user_id * 2654435761 + seed * 97) % 10_000) / 10_000 * 3.5 - 1.5


def _insert_attempts(
    gen: Gen,
    quiz_id: int,
    exam_number: int,
    user_ids: list[int],
    questions: list[tuple[int, int, Any, float]],
    advance: Callable[[int], None],
) -> None:
    conn = gen.session.connection()
    rng = gen.rng(f"quiz-attempts-{exam_number}")
    closes = gen.now - timedelta(days=7 * exam_number + 1)
    max_score = POINTS * ITEMS_PER_ATTEMPT
    insert_attempts = insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True)
    for start in range(0, len(user_ids), ATTEMPT_BATCH):
        batch = user_ids[start : start + ATTEMPT_BATCH]
        attempt_rows = []
        item_rows: list[list[dict[str, Any]]] = []
        for user_id in batch:
            started = closes - timedelta(days=rng.uniform(0.1, 6))
            submitted = started + timedelta(minutes=rng.uniform(5, 29))
            ability = _ability(user_id, gen.seed)
            items = []
            score = Decimal(0)
            for position, index in enumerate(
                rng.sample(range(len(questions)), ITEMS_PER_ATTEMPT), 1
            ):
                qid, vid, (qtype, answer), difficulty = questions[index]
                right = rng.random() < 1 / (1 + math.exp(-1.7 * (ability - difficulty)))
                points = POINTS if right else Decimal(0)
                score += points
                items.append(
                    {
                        "position": position,
                        "slot_position": 1,
                        "question_id": qid,
                        "version_id": vid,
                        "points": POINTS,
                        "option_order": list(KEYS)
                        if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE)
                        else [],
                        "response": _response(qtype, answer, right, rng),
                        "response_seq": 1,
                        "saved_at": submitted,
                        "is_flagged": False,
                        "score": points,
                        "is_correct": right,
                    }
                )
            percent = (score * 100 / max_score).quantize(Decimal("0.01"))
            attempt_rows.append(
                {
                    "quiz_id": quiz_id,
                    "user_id": user_id,
                    "number": 1,
                    "daily_on": None,
                    "state": AttemptState.SUBMITTED,
                    "seed": rng.randrange(2**31),
                    "started_at": started,
                    "deadline_at": started + timedelta(minutes=30),
                    "submitted_at": submitted,
                    "is_auto_submitted": False,
                    "score": score,
                    "max_score": max_score,
                    "percent": percent,
                    "is_passed": percent >= 60,
                }
            )
            item_rows.append(items)
        attempt_ids = conn.execute(insert_attempts, attempt_rows).scalars().all()
        conn.execute(
            insert(AttemptItem),
            [
                {**item, "attempt_id": attempt_id}
                for attempt_id, items in zip(attempt_ids, item_rows, strict=True)
                for item in items
            ],
        )
        advance(len(batch))


def run(gen: Gen, advance: Callable[[int], None]) -> None:
    """The bank, then the exams with their attempts (see the module's docstring)."""
    questions = _insert_bank(gen, advance)
    if not gen.attempts:
        return
    bank_id = gen.session.scalar(
        select(Bank.id).where(Bank.committee_id == gen.committee.id, Bank.name == BANK_NAME)
    )
    user_ids = list(
        gen.session.scalars(
            select(Member.user_id)
            .where(Member.committee_id == gen.committee.id)
            .order_by(Member.id)
        )
    )
    left = gen.attempts
    for number in range(1, exams_for(gen.attempts, len(user_ids)) + 1):
        quiz_id = _create_exam(gen, bank_id, number)
        takers = gen.rng(f"quiz-takers-{number}").sample(user_ids, min(left, len(user_ids)))
        takers.sort()
        _insert_attempts(gen, quiz_id, number, takers, questions, advance)
        left -= len(takers)


def clear(session: Session, committee: OrgUnit, seed: int) -> None:
    """Delete the committee's quizzes, attempts, mistake cards and banks (for ``--replace``)."""
    quizzes = select(Quiz.id).where(Quiz.committee_id == committee.id)
    attempts = select(Attempt.id).where(Attempt.quiz_id.in_(quizzes))
    banks = select(Bank.id).where(Bank.committee_id == committee.id)
    questions = select(Question.id).where(Question.bank_id.in_(banks))
    cards = select(MistakeCard.id).where(MistakeCard.question_id.in_(questions))
    for stmt in (
        delete(AttemptItem).where(AttemptItem.attempt_id.in_(attempts)),
        delete(Attempt).where(Attempt.quiz_id.in_(quizzes)),
        delete(QuizAssignment).where(QuizAssignment.quiz_id.in_(quizzes)),
        delete(QuizSlot).where(QuizSlot.quiz_id.in_(quizzes)),
        delete(Quiz).where(Quiz.committee_id == committee.id),
        delete(MistakeReview).where(MistakeReview.card_id.in_(cards)),
        delete(MistakeCard).where(MistakeCard.question_id.in_(questions)),
        update(Question).where(Question.bank_id.in_(banks)).values(current_version_id=None),
        delete(QuestionVersion).where(QuestionVersion.question_id.in_(questions)),
        delete(Question).where(Question.bank_id.in_(banks)),
        delete(Bank).where(Bank.committee_id == committee.id),
    ):
        session.execute(stmt.execution_options(synchronize_session=False))
