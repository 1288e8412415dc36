"""Fixtures and builders for the question-bank tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from studyhub.org.models import Member, OrgUnit, Role
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    Bank,
    Question,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services.bank import QuestionFields
from tests.conftest import NOW


@dataclass
class Org:
    committee: OrgUnit
    branch: OrgUnit
    staff: Member
    member: Member
    secretary: Member
    other_committee: OrgUnit
    other_staff: Member


@pytest.fixture
def org(make) -> Org:
    committee = make.committee("题库党委")
    branch = make.branch(committee, "第一支部")
    other = make.committee("别的党委")
    return Org(
        committee=committee,
        branch=branch,
        staff=make.member(branch, name="组织干事", role=Role.STAFF, role_unit=committee),
        member=make.member(branch, name="普通党员"),
        secretary=make.member(branch, name="支部书记", role=Role.SECRETARY),
        other_committee=other,
        other_staff=make.member(
            make.branch(other, "外支部"), name="外干事", role=Role.STAFF, role_unit=other
        ),
    )


@pytest.fixture
def bank(session, org: Org) -> Bank:
    return bank_service.create_bank(session, org.committee, name="党史题库", now=NOW)


def single(stem: str = "遵义会议是哪一年召开的？", **kwargs: Any) -> QuestionFields:
    values: dict[str, Any] = {
        "qtype": QuestionType.SINGLE,
        "stem": stem,
        "options": ["1934年", "1935年", "1936年"],
        "answer": "B",
    }
    values.update(kwargs)
    return QuestionFields(**values)


def multiple(stem: str = "下列属于“四个意识”的有？", **kwargs: Any) -> QuestionFields:
    values: dict[str, Any] = {
        "qtype": QuestionType.MULTIPLE,
        "stem": stem,
        "options": ["政治意识", "大局意识", "核心意识", "娱乐意识"],
        "answer": ["A", "B", "C"],
    }
    values.update(kwargs)
    return QuestionFields(**values)


def truefalse(stem: str = "党员有权参加党的有关会议。", **kwargs: Any) -> QuestionFields:
    values: dict[str, Any] = {"qtype": QuestionType.TRUEFALSE, "stem": stem, "answer": True}
    values.update(kwargs)
    return QuestionFields(**values)


def fillin(stem: str = "中国共产党是中国____的先锋队。", **kwargs: Any) -> QuestionFields:
    values: dict[str, Any] = {
        "qtype": QuestionType.FILLIN,
        "stem": stem,
        "answer": [["工人阶级"]],
    }
    values.update(kwargs)
    return QuestionFields(**values)


def add(session, bank: Bank, fields: QuestionFields, user_id: int | None = None) -> Question:
    return bank_service.create_question(session, bank, fields, by_user_id=user_id, now=NOW)


def versions_of(session, question: Question) -> list[QuestionVersion]:
    return list(
        session.scalars(
            select(QuestionVersion)
            .where(QuestionVersion.question_id == question.id)
            .order_by(QuestionVersion.number)
        )
    )


def use_in_attempt(session, bank: Bank, question: Question, user_id: int) -> AttemptItem:
    """An attempt that was given the question's current version (rows made directly)."""
    quiz = Quiz(
        committee_id=bank.committee_id,
        title="测试",
        mode=QuizMode.EXAM,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(quiz)
    session.flush()
    attempt = Attempt(quiz_id=quiz.id, user_id=user_id, number=1, seed=1, started_at=NOW)
    session.add(attempt)
    session.flush()
    item = AttemptItem(
        attempt_id=attempt.id,
        position=1,
        slot_position=1,
        question_id=question.id,
        version_id=question.current_version_id,
        points=Decimal(1),
    )
    session.add(item)
    session.flush()
    return item


def count_questions(session, bank: Bank) -> int:
    return session.scalar(select(func.count(Question.id)).where(Question.bank_id == bank.id))


@pytest.fixture
def english_messages(app):
    """Messages in English (the msgids) outside requests, where the default is Chinese."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield
