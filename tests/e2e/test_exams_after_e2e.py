"""After-the-exam journeys on a phone (360×740): staff give one member more time, who then
gets the longer countdown; a marker marks three essays from the marking queue."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.org.models import OrgUnit
from studyhub.quizzes.models import Attempt, QuestionType, Quiz, QuizMode, ReviewTiming
from studyhub.quizzes.services import attempts, quizzes
from studyhub.quizzes.services import bank as banks
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

BRANCH = "机关第二党支部"
STAFF_PHONE = "13800000002"  # 李秀英, committee staff
OVERRIDE_PHONE = "13800000027"  # 冯丽, 机关第二党支部: no other journey uses this member
ESSAY_PHONES = ("13800000026", "13800000028", "13800000029")  # 唐明辉, 董建华, 萧雅琴
PHONE_WIDTH = 360


def _fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page scrolls sideways: {width}px"


def _exam(live_server: LiveServer, title: str, questions: list[dict[str, Any]], **settings):
    """A published exam of ``questions`` for 机关第二党支部 (made once per database)."""
    with live_server.app.app_context():
        session = db.session
        now = clock.now_utc()
        quiz = session.scalars(select(Quiz).where(Quiz.title == title)).first()
        if quiz is not None:
            return quiz.id
        committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
        branch = session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        bank, _created = banks.bank_by_name(session, committee, title, create=True, now=now)
        values: dict[str, Any] = {
            "title": title,
            "mode": QuizMode.EXAM,
            "time_limit_seconds": 600,
            "attempts_allowed": 1,
            "review_score": ReviewTiming.IMMEDIATELY,
            "review_correctness": ReviewTiming.IMMEDIATELY,
            "review_answers": ReviewTiming.IMMEDIATELY,
            "review_explanations": ReviewTiming.IMMEDIATELY,
        }
        values.update(settings)
        quiz = quizzes.create_quiz(
            session, committee, quizzes.QuizFields(**values), by_user_id=None, now=now
        )
        for fields in questions:
            question = banks.create_question(
                session, bank, banks.QuestionFields(**fields), by_user_id=None, now=now
            )
            quizzes.add_question_slot(
                session, quiz, question_id=question.id, points=Decimal(10), actor_id=None, now=now
            )
        quizzes.publish_quiz(session, quiz, actor_id=None, now=now)
        quizzes.assign_quiz(session, quiz, branch, actor_id=None, now=now)
        session.commit()
        return quiz.id


def test_a_member_given_more_time_gets_the_longer_countdown(page: Page, live_server: LiveServer):
    quiz_id = _exam(
        live_server,
        "例外时限考试（手机）",
        [{"qtype": QuestionType.TRUEFALSE, "stem": "党员应当按期交纳党费。", "answer": True}],
    )
    # Staff give 冯丽 25 minutes instead of 10, from their phone.
    log_in(page, STAFF_PHONE, DEMO_PASSWORD)
    page.goto(f"/quizzes/{quiz_id}/manage")
    with page.expect_navigation():
        page.click("#overrides-link")
    _fits_the_phone(page)
    page.fill("#override-form input[name=member]", OVERRIDE_PHONE)
    page.fill("#override-form input[name=time_limit_minutes]", "25")
    with page.expect_navigation():
        page.click("#override-form button[type=submit]")
    expect(page.locator("#overrides")).to_contain_text("冯丽")
    page.context.clear_cookies()

    log_in(page, OVERRIDE_PHONE, DEMO_PASSWORD)
    page.goto(f"/quizzes/{quiz_id}")
    expect(page.locator("#override-note")).to_be_visible()
    expect(page.locator("#time-limit")).to_contain_text("25")
    _fits_the_phone(page)
    with page.expect_navigation():
        page.click("#start-button")
    expect(page.locator("#countdown-time")).to_have_text(re.compile(r"^(25:00|24:5\d)$"))
    with live_server.app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.phone == OVERRIDE_PHONE)).one()
        attempt = db.session.scalars(
            select(Attempt).where(Attempt.quiz_id == quiz_id, Attempt.user_id == user_id)
        ).one()
        seconds = (attempt.deadline_at - attempt.started_at).total_seconds()
    assert seconds == 1500


ESSAY = {
    "qtype": QuestionType.ESSAY,
    "stem": "结合工作实际，简述如何发挥党员先锋模范作用。",
    "answer": None,
    "model_answer": "立足岗位、带头攻坚、联系群众。",
    "rubric": [{"criterion": "联系实际", "points": 2}, {"criterion": "观点明确", "points": 2}],
}


def _essays_written(live_server: LiveServer, quiz_id: int) -> None:
    """Three members answer the essay and submit (as the exam page would save it)."""
    with live_server.app.app_context():
        session = db.session
        quiz = session.get_one(Quiz, quiz_id)
        now = clock.now_utc()
        for n, phone in enumerate(ESSAY_PHONES):
            user_id = session.scalars(select(User.id).where(User.phone == phone)).one()
            if session.scalar(
                select(Attempt.id).where(Attempt.quiz_id == quiz_id, Attempt.user_id == user_id)
            ):
                continue
            attempt = attempts.start_attempt(session, quiz, user_id=user_id, now=now, seed=n)
            attempts.save_answer(
                session,
                attempt,
                position=1,
                response=f"第{n + 1}位党员：立足岗位，带头攻坚。",
                seq=1,
                now=now,
            )
            attempts.submit_attempt(session, attempt, now=now)
        session.commit()


def test_a_marker_marks_three_essays_on_a_phone(page: Page, live_server: LiveServer):
    quiz_id = _exam(live_server, "简答题考试（手机批阅）", [ESSAY])
    _essays_written(live_server, quiz_id)
    log_in(page, STAFF_PHONE, DEMO_PASSWORD)
    page.goto(f"/quizzes/{quiz_id}/marking")
    expect(page.locator("#waiting-count")).to_contain_text("3")
    with page.expect_navigation():
        page.click("#start-marking")
    seen = set()
    for marks in (("2", "2"), ("1", "2"), ("0.5", "1")):
        expect(page.locator("#essay-answer")).to_contain_text("立足岗位")
        expect(page.locator("#model-answer")).to_contain_text("带头攻坚")
        seen.add(page.locator("#essay-answer").inner_text())
        _fits_the_phone(page)
        inputs = page.locator("#mark-form input[name=criterion]")
        for index, value in enumerate(marks):
            inputs.nth(index).fill(value)
        page.fill("#mark-form textarea[name=feedback]", "结合实际不够具体。")
        with page.expect_navigation():
            page.click("#save-mark")
    expect(page.locator("#all-marked")).to_be_visible()
    assert len(seen) == 3  # three different members' answers
    with live_server.app.app_context():
        marked = db.session.execute(
            select(Attempt.is_marking_pending, Attempt.percent)
            .where(Attempt.quiz_id == quiz_id)
            .order_by(Attempt.id)
        ).all()
    assert [pending for pending, _ in marked] == [False, False, False]
    assert sorted(percent for _, percent in marked) == [Decimal("37.50"), 75, 100]
