"""Generated data still has today's reading, daily quiz and open exam days after it was made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhub.accounts.services import hash_password
from studyhub.benchdata import ahead, generation
from studyhub.benchdata import run as generator
from studyhub.core.clock import local_date
from studyhub.quizzes.models import Quiz, QuizMode, QuizSlot
from studyhub.quizzes.services import daily
from studyhub.readings.models import Reading
from tests.conftest import NOW


@pytest.fixture
def gen(app, session):
    password_hash = hash_password(generation.PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
    return generator.generate(
        session, members=40, branches=2, seed=12, now=NOW, password_hash=password_hash
    )


def _todays_readings(session, committee, now) -> list[Reading]:
    today = local_date(now, committee.timezone)
    return list(
        session.scalars(
            select(Reading).where(
                Reading.committee_id == committee.id,
                Reading.daily_on == today,
                Reading.published_at <= now,
            )
        )
    )


@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=1), timedelta(days=45)])
def test_a_reading_a_daily_quiz_and_an_open_exam_on_later_days(session, gen, later):
    now = NOW + later
    assert len(_todays_readings(session, gen.committee, now)) == 1

    quiz = daily.daily_quiz_of(session, gen.committee.id)
    assert quiz is not None
    assert session.scalar(select(Quiz.id).where(Quiz.id == quiz.id, Quiz.published_at <= now))
    assert session.scalar(select(func.count()).where(QuizSlot.quiz_id == quiz.id)) == 1

    exam = session.scalars(
        select(Quiz).where(
            Quiz.committee_id == gen.committee.id,
            Quiz.mode == QuizMode.EXAM,
            Quiz.published_at <= now,
            Quiz.opens_at <= now,
            Quiz.closes_at > now,
        )
    ).one()
    assert exam.title == ahead.EXAM_TITLE
    assert exam.slots[0].count == ahead.EXAM_QUESTIONS


def test_no_reading_of_a_later_day_shows_before_its_day(session, gen):
    tomorrow = local_date(NOW, gen.committee.timezone) + timedelta(days=1)
    shown_early = session.scalar(
        select(func.count()).where(
            Reading.committee_id == gen.committee.id,
            Reading.daily_on >= tomorrow,
            Reading.published_at <= NOW,
        )
    )
    assert shown_early == 0
