"""Retention: old detail events go, everything the scores and dashboards count stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from studyhub.quizzes.models import Bank, MistakeCard, MistakeReview, Question, QuestionType
from studyhub.readings.models import ReadReceipt
from studyhub.reports.services import closing
from studyhub.scheduler.registry import find_job
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import AFTER_Q4, IN_Q4, Q4
from tests.reports.test_erasure import figures

LATER = AFTER_Q4 + timedelta(days=400)
CONFIG = {"RETENTION_DAYS_READ_EVENTS": 365, "RETENTION_DAYS_REVIEW_EVENTS": 365}


def _opened(session, member, reading, when) -> ReadReceipt:
    """A receipt of a reading opened and read a while, never studied."""
    receipt = ReadReceipt(
        reading_id=reading.id,
        user_id=member.user_id,
        opened_at=when,
        last_seen_at=when + timedelta(minutes=1),
        seconds_spent=60,
    )
    session.add(receipt)
    session.flush()
    return receipt


def _reviews(session, q4, *when):
    bank = Bank(committee_id=q4.committee.id, name="题库", created_at=IN_Q4)
    session.add(bank)
    session.flush()
    question = Question(
        bank_id=bank.id,
        qtype=QuestionType.SINGLE,
        fingerprint="f" * 64,
        created_at=IN_Q4,
        updated_at=IN_Q4,
    )
    session.add(question)
    session.flush()
    card = MistakeCard(
        user_id=q4.a1.user_id,
        question_id=question.id,
        due_at=IN_Q4,
        added_at=IN_Q4,
        review_count=len(when),
    )
    session.add(card)
    session.flush()
    for moment in when:
        session.add(MistakeReview(card_id=card.id, rating=3, is_correct=True, reviewed_at=moment))
    session.flush()
    return card


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_old_unstudied_receipts_and_reviews_go_and_the_figures_stay(session, q4):
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a1, found, at(2026, 10, 5, 3))
    helpers.study(session, q4.b1, q4.dailies[0], at(2026, 10, 6, 3))
    helpers.attempt(session, q4.a1, q4.test, percent=80, at=at(2026, 11, 2))
    old = [_opened(session, q4.a2, r, at(2026, 10, 7, 3)) for r in q4.materials]
    recent = _opened(session, q4.b1, q4.dailies[1], LATER - timedelta(days=30))
    card = _reviews(session, q4, at(2026, 10, 8), at(2026, 10, 20), LATER - timedelta(days=2))
    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    receipts_before = _count(session, ReadReceipt)
    before = figures(session, q4)

    read_job = find_job("readings.purge_old_read_events", CONFIG)
    review_job = find_job("quizzes.purge_old_reviews", CONFIG)
    # Off by default: nothing goes.
    assert read_job.function(session, LATER, {}) == 0
    assert review_job.function(session, LATER, {}) == 0
    assert _count(session, ReadReceipt) == receipts_before

    assert read_job.function(session, LATER, CONFIG) == len(old)
    assert review_job.function(session, LATER, CONFIG) == 2
    assert read_job.function(session, LATER, CONFIG) == 0  # a second run: nothing more
    assert review_job.function(session, LATER, CONFIG) == 0
    session.expire_all()

    assert _count(session, ReadReceipt) == receipts_before - len(old)
    assert session.get(ReadReceipt, recent.id) is not None
    assert all(session.get(ReadReceipt, r.id) is None for r in old)
    remaining = session.scalars(select(MistakeReview.card_id)).all()
    assert remaining == [card.id]
    assert session.get(MistakeCard, card.id).review_count == 3
    assert figures(session, q4) == before
