"""``studyhub gen-data --attempts``: a bank, exams and submitted attempts for benchmarks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from studyhub.accounts.services import hash_password
from studyhub.benchdata import generation
from studyhub.benchdata import quizzes as benchdata
from studyhub.benchdata import run as generator
from studyhub.quizzes.models import Attempt, AttemptItem, Bank, Question, Quiz, QuizMode
from studyhub.quizzes.services import stats
from tests.conftest import NOW


@pytest.fixture
def password_hash(app) -> str:
    return hash_password(generation.PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])


def _count(session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery()))


def test_attempts_spread_over_exams_taken_once_per_member(session, password_hash):
    progress: list[tuple[str, int, int]] = []
    gen = generator.generate(
        session,
        members=60,
        branches=3,
        seed=11,
        now=NOW,
        password_hash=password_hash,
        attempts=150,
        on_progress=lambda *args: progress.append(args),
    )
    committee = gen.committee

    bank = session.scalars(select(Bank).where(Bank.committee_id == committee.id)).one()
    assert _count(session, select(Question.id).where(Question.bank_id == bank.id)) == 500
    assert (
        session.scalar(
            select(func.count(Question.id)).where(
                Question.bank_id == bank.id, Question.current_version_id.is_(None)
            )
        )
        == 0
    )
    exams = list(
        session.scalars(
            select(Quiz).where(Quiz.committee_id == committee.id, Quiz.closes_at <= NOW)
        )
    )
    assert [q.mode for q in exams] == [QuizMode.EXAM] * 3  # 150 attempts of 60 members
    per_exam = dict(
        session.execute(
            select(Attempt.quiz_id, func.count(Attempt.id))
            .where(Attempt.quiz_id.in_([q.id for q in exams]))
            .group_by(Attempt.quiz_id)
        ).all()
    )
    assert sorted(per_exam.values()) == [30, 60, 60]
    items = session.scalar(
        select(func.count(AttemptItem.id))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.quiz_id.in_([q.id for q in exams]))
    )
    assert items == 150 * benchdata.ITEMS_PER_ATTEMPT
    # Scores add up, and each attempt's items are different questions.
    bad = session.execute(
        select(Attempt.id)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(Attempt.quiz_id.in_([q.id for q in exams]))
        .group_by(Attempt.id, Attempt.score)
        .having(
            (func.sum(AttemptItem.score) != Attempt.score)
            | (func.count(func.distinct(AttemptItem.question_id)) != benchdata.ITEMS_PER_ATTEMPT)
        )
    ).all()
    assert bad == []
    assert ("Quizzes", 650, 650) in progress

    # The item analysis runs on it, and able members do better: discrimination is positive.
    result = stats.quiz_statistics(session, exams[0])
    assert result.summary.n == 60
    indices = [
        q.stats.discrimination_index
        for q in result.questions
        if q.stats.discrimination_index is not None
    ]
    assert indices and sum(indices) / len(indices) > 0


def test_replace_removes_the_quiz_data(session, password_hash):
    generator.generate(
        session, members=20, branches=2, seed=12, now=NOW, password_hash=password_hash, attempts=20
    )
    gen = generator.generate(
        session,
        members=20,
        branches=2,
        seed=12,
        now=NOW,
        password_hash=password_hash,
        attempts=0,
        replace=True,
    )
    # Only the days-ahead step's daily quiz and open exam, made again.
    assert _count(session, select(Quiz.id).where(Quiz.committee_id == gen.committee.id)) == 2
    assert _count(session, select(Quiz.id).where(Quiz.closes_at <= NOW)) == 0
    assert _count(session, select(Bank.id).where(Bank.committee_id == gen.committee.id)) == 1
    assert _count(session, select(Attempt.id)) == 0
