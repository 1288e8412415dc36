"""Builders for the quiz and attempt tests: an organisation, a bank of each type, quizzes.

Questions are made through the question bank's own service, so versions are
what the bank makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.org.models import Member, OrgUnit, Role, UnitKind
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    Bank,
    Category,
    Question,
    QuestionType,
    Quiz,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services import attempts, quizzes
from studyhub.quizzes.services import bank as banks
from tests.conftest import NOW

# The right and a wrong answer of each question in ``World.questions``, as a page posts them.
RIGHT = {"single": "B", "multiple": ["A", "B", "C"], "truefalse": "true", "fillin": ["工人阶级"]}
WRONG = {"single": "A", "multiple": ["A", "D"], "truefalse": "false", "fillin": ["农民"]}
# Text that appears only where the right answers or explanations are shown.
RIGHT_OPTION = "一九三五年召开"
EXPLANATION = "遵义会议解析文字"
ACCEPTED = "工人阶级"


@dataclass
class World:
    committee: OrgUnit
    general: OrgUnit  # a general branch above ``branch``
    branch: OrgUnit
    other_branch: OrgUnit  # same committee, not assigned
    staff: Member
    member: Member
    neighbour: Member  # a second member of ``branch``
    outsider: Member  # in ``other_branch``
    stranger: Member  # another committee
    stranger_staff: Member
    bank: Bank
    questions: dict[str, Question] = field(default_factory=dict)


def add_question(session: Session, bank: Bank, qtype: str, **kwargs: Any) -> Question:
    values: dict[str, Any] = {
        "single": {
            "qtype": QuestionType.SINGLE,
            "stem": "遵义会议是哪一年召开的？",
            "options": ["一九三四年召开", RIGHT_OPTION, "一九三六年召开"],
            "answer": "B",
            "explanation": EXPLANATION,
        },
        "multiple": {
            "qtype": QuestionType.MULTIPLE,
            "stem": "下列属于“四个意识”的有？",
            "options": ["政治意识", "大局意识", "核心意识", "娱乐意识"],
            "answer": ["A", "B", "C"],
            "explanation": "四个意识：政治意识、大局意识、核心意识、看齐意识。",
        },
        "truefalse": {
            "qtype": QuestionType.TRUEFALSE,
            "stem": "党员有权参加党的有关会议。",
            "answer": True,
            "explanation": "见党章第四条。",
        },
        "fillin": {
            "qtype": QuestionType.FILLIN,
            "stem": "中国共产党是中国____的先锋队。",
            "answer": [[ACCEPTED]],
            "explanation": "见党章总纲。",
        },
    }[qtype]
    values.update(kwargs)
    return banks.create_question(
        session, bank, banks.QuestionFields(**values), by_user_id=None, now=NOW
    )


def numbered(session: Session, bank: Bank, n: int, *, category: Category | None = None) -> Question:
    """A single-choice question whose right option is B, unique by ``n``."""
    return banks.create_question(
        session,
        bank,
        banks.QuestionFields(
            qtype=QuestionType.SINGLE,
            stem=f"第{n}题：下列哪一项正确？",
            options=[f"甲{n}", f"乙{n}", f"丙{n}", f"丁{n}"],
            answer="B",
            category_id=category.id if category else None,
        ),
        by_user_id=None,
        now=NOW,
    )


@pytest.fixture
def world(session, make) -> World:
    committee = make.committee("考试党委")
    general = make.unit(committee, UnitKind.GENERAL_BRANCH, "机关党总支")
    branch = make.unit(general, UnitKind.BRANCH, "第一支部")
    other_branch = make.branch(committee, "第二支部")
    other_committee = make.committee("别的党委")
    bank = banks.create_bank(session, committee, name="考试题库", now=NOW)
    world = World(
        committee=committee,
        general=general,
        branch=branch,
        other_branch=other_branch,
        staff=make.member(branch, name="组织干事", role=Role.STAFF, role_unit=committee),
        member=make.member(branch, name="答题党员"),
        neighbour=make.member(branch, name="邻座党员"),
        outsider=make.member(other_branch, name="未分配党员"),
        stranger=make.member(make.branch(other_committee), name="外委党员"),
        stranger_staff=make.member(
            make.branch(other_committee),
            name="外委干事",
            role=Role.STAFF,
            role_unit=other_committee,
        ),
        bank=bank,
    )
    for qtype in ("single", "multiple", "truefalse", "fillin"):
        world.questions[qtype] = add_question(session, bank, qtype)
    # Committed (to the test's savepoint) so that a view rolling back an error keeps it.
    session.commit()
    return world


def make_quiz(
    session: Session,
    world: World,
    *,
    questions: list[Question] | None = None,
    points: Decimal = Decimal(1),
    rules: list[dict[str, Any]] | None = None,
    publish: bool = True,
    assign_to: OrgUnit | None = None,
    **settings: Any,
) -> Quiz:
    """A quiz of ``world``'s committee with fixed questions (default: one of each type)."""
    values: dict[str, Any] = {
        "title": "党章党史知识测试",
        "instructions": "请认真作答。",
        "mode": QuizMode.EXAM,
        "time_limit_seconds": 600,
        "attempts_allowed": 2,
        "review_score": ReviewTiming.IMMEDIATELY,
        "review_correctness": ReviewTiming.AFTER_CLOSE,
        "review_answers": ReviewTiming.AFTER_CLOSE,
        "review_explanations": ReviewTiming.AFTER_CLOSE,
    }
    values.update(settings)
    quiz = quizzes.create_quiz(
        session, world.committee, quizzes.QuizFields(**values), by_user_id=None, now=NOW
    )
    if questions is None and rules is None:
        questions = [world.questions[t] for t in ("single", "multiple", "truefalse", "fillin")]
    for question in questions or []:
        quizzes.add_question_slot(
            session, quiz, question_id=question.id, points=points, actor_id=None, now=NOW
        )
    for rule in rules or []:
        args: dict[str, Any] = {
            "bank_id": world.bank.id,
            "category_id": None,
            "include_subcategories": True,
            "qtype": None,
            "count": 1,
            "points": points,
        }
        args.update(rule)
        quizzes.add_rule_slot(session, quiz, actor_id=None, now=NOW, **args)
    if publish:
        quizzes.publish_quiz(session, quiz, actor_id=None, now=NOW)
        quizzes.assign_quiz(session, quiz, assign_to or world.branch, actor_id=None, now=NOW)
    session.commit()
    return quiz


def start(
    session: Session, quiz: Quiz, member: Member, *, at: datetime = NOW, seed: int = 7
) -> Attempt:
    return attempts.start_attempt(session, quiz, user_id=member.user_id, now=at, seed=seed)


def items_of(session: Session, attempt: Attempt) -> list[AttemptItem]:
    return list(
        session.scalars(
            select(AttemptItem)
            .where(AttemptItem.attempt_id == attempt.id)
            .order_by(AttemptItem.position)
            .execution_options(populate_existing=True)
        )
    )


def position_of(session: Session, attempt: Attempt, question: Question) -> int:
    return next(i.position for i in items_of(session, attempt) if i.question_id == question.id)


def answer_all(
    session: Session,
    world: World,
    attempt: Attempt,
    answers: dict[str, Any],
    *,
    at: datetime = NOW,
    seq: int = 1,
) -> None:
    """Save ``answers`` (by question type name) for the world's four questions."""
    for qtype, response in answers.items():
        attempts.save_answer(
            session,
            attempt,
            position=position_of(session, attempt, world.questions[qtype]),
            response=response,
            seq=seq,
            now=at,
        )


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)
