"""A member takes a timed exam on a phone: answers saved as given, the connection lost and
back without losing an answer, every answer there after a reload, submit, review; and an
attempt whose time runs out is submitted with its saved answers (by the page, and by the
scheduler's job when the page is gone)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.org.models import OrgUnit
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Question,
    QuestionType,
    Quiz,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services import bank as banks
from studyhub.quizzes.services import quizzes
from studyhub.scheduler.registry import find_job
from studyhub.scheduler.runner import run_job
from tests.e2e.conftest import PHONE, LiveServer, log_in, wait_until

pytestmark = pytest.mark.e2e

BRANCH = "机关第二党支部"
EXAM_PHONE = "13800000018"  # 高雪梅, 机关第二党支部: no other journey uses this member
TIMEOUT_PHONE = "13800000019"  # 林志远, 机关第二党支部: nor this one
PHONE_WIDTH = 360
BANK = "浏览器测试题库"
EXPLANATION = "遵义会议在党的历史上是一个生死攸关的转折点。"
QUESTIONS: list[dict[str, Any]] = [
    {
        "qtype": QuestionType.SINGLE,
        "stem": "遵义会议是哪一年召开的？",
        "options": ["1934年", "1935年", "1936年"],
        "answer": "B",
        "explanation": EXPLANATION,
    },
    {
        "qtype": QuestionType.MULTIPLE,
        "stem": "“三会一课”中的“三会”包括哪些？",
        "options": ["支部党员大会", "支部委员会", "党小组会", "职工代表大会"],
        "answer": ["A", "B", "C"],
    },
    {"qtype": QuestionType.TRUEFALSE, "stem": "党员应当按期交纳党费。", "answer": True},
    {
        "qtype": QuestionType.FILLIN,
        "stem": "中国共产党是中国____的先锋队，同时是中国人民和中华民族的先锋队。",
        "answer": [["工人阶级"]],
    },
    {
        "qtype": QuestionType.SINGLE,
        "stem": "党的最高领导机关是？",
        "options": ["党的全国代表大会和它所产生的中央委员会", "中央政治局", "中央书记处"],
        "answer": "A",
    },
]


@dataclass(frozen=True)
class Exam:
    quiz_id: int
    user_id: int


def _exam(live_server: LiveServer, title: str, phone: str, **settings: Any) -> Exam:
    """A published exam of the five questions for 机关第二党支部 (made once per database)."""
    with live_server.app.app_context():
        session = db.session
        now = clock.now_utc()
        committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
        branch = session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        user_id = session.scalars(select(User.id).where(User.phone == phone)).one()
        quiz = session.scalars(select(Quiz).where(Quiz.title == title)).first()
        if quiz is None:
            bank, created = banks.bank_by_name(session, committee, BANK, create=True, now=now)
            if created:
                for fields in QUESTIONS:
                    banks.create_question(
                        session, bank, banks.QuestionFields(**fields), by_user_id=None, now=now
                    )
            ids = session.scalars(
                select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id)
            ).all()
            values: dict[str, Any] = {
                "title": title,
                "instructions": "闭卷作答，答案随时保存。",
                "mode": QuizMode.EXAM,
                "time_limit_seconds": 1800,
                "attempts_allowed": 3,
                "review_score": ReviewTiming.IMMEDIATELY,
                "review_correctness": ReviewTiming.IMMEDIATELY,
                "review_answers": ReviewTiming.IMMEDIATELY,
                "review_explanations": ReviewTiming.IMMEDIATELY,
            }
            values.update(settings)
            quiz = quizzes.create_quiz(
                session, committee, quizzes.QuizFields(**values), by_user_id=None, now=now
            )
            for question_id in ids:
                quizzes.add_question_slot(
                    session,
                    quiz,
                    question_id=question_id,
                    points=Decimal(20),
                    actor_id=None,
                    now=now,
                )
            quizzes.publish_quiz(session, quiz, actor_id=None, now=now)
            quizzes.assign_quiz(session, quiz, branch, actor_id=None, now=now)
            session.commit()
        return Exam(quiz_id=quiz.id, user_id=user_id)


def _attempt(live_server: LiveServer, exam: Exam, number: int = 1) -> tuple[Attempt, list]:
    """The member's attempt and its items' (position, response), read from the database."""
    with live_server.app.app_context():
        attempt = db.session.scalars(
            select(Attempt).where(
                Attempt.quiz_id == exam.quiz_id,
                Attempt.user_id == exam.user_id,
                Attempt.number == number,
            )
        ).one()
        items = db.session.execute(
            select(AttemptItem.position, AttemptItem.response)
            .where(AttemptItem.attempt_id == attempt.id)
            .order_by(AttemptItem.position)
        ).all()
        db.session.expunge(attempt)
        return attempt, [tuple(row) for row in items]


def _fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page scrolls sideways: {width}px"


def _saved(page: Page) -> None:
    """Wait until the page says the server confirmed the save ("已保存")."""
    saved = page.get_attribute("#attempt", "data-msg-saved")
    expect(page.locator("#save-status")).to_contain_text(saved)


def _pending(page: Page) -> int:
    return page.evaluate("window.studyhubAttempt.pending()")


def test_member_takes_an_exam_offline_and_back_and_keeps_every_answer(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    exam = _exam(live_server, "支部党章党史考试（手机）", EXAM_PHONE)
    log_in(page, EXAM_PHONE, DEMO_PASSWORD)
    page.goto(f"/quizzes/{exam.quiz_id}")
    expect(page.locator("#instructions")).to_contain_text("闭卷作答")
    _fits_the_phone(page)
    with page.expect_navigation():
        page.click("#start-button")
    expect(page.locator("#q1")).to_be_visible()
    expect(page.locator("#q2")).to_be_hidden()  # one question per screen
    expect(page.locator("#countdown-time")).to_have_text(re.compile(r"^(30:00|29:5\d)$"))
    expect(page.locator("#save-status")).to_have_text("")
    _fits_the_phone(page)
    page.screenshot(path=str(screenshot_dir / f"exam-q1-{live_server.database}.png"))

    # Online: each answer is saved when given, "已保存" only after the server says so.
    page.check("#q1 input[value=B]")
    _saved(page)
    expect(page.locator(".nav-item[data-position='1']")).to_have_class("nav-item is-answered")
    page.click("#q1 .next-button")
    expect(page.locator("#q2")).to_be_visible()
    for key in "ABC":
        page.check(f"#q2 input[value={key}]")
    _saved(page)
    page.click("#q2 .next-button")

    # The connection drops; two more answers are given.
    page.context.set_offline(True)
    page.check("#q3 input[value=true]")
    expect(page.locator("#save-status")).to_have_class("save-status is-queued")
    page.click("#q3 .next-button")
    page.fill("#q4 input[name=response]", "工人阶级")
    page.locator("#q4 input[name=response]").blur()
    page.check("#q4 input[name=flagged]")
    wait_until(page, "window.studyhubAttempt.pending() >= 3")
    page.screenshot(path=str(screenshot_dir / f"exam-offline-{live_server.database}.png"))
    _attempt_now, items = _attempt(live_server, exam)
    assert items[2][1] is None and items[3][1] is None  # not on the server yet

    # Back online: the queue is sent, and the page says so.
    page.context.set_offline(False)
    wait_until(page, "window.studyhubAttempt.pending() === 0", timeout=15_000)
    _saved(page)
    _attempt_now, items = _attempt(live_server, exam)
    assert [response for _position, response in items] == [
        "B",
        ["A", "B", "C"],
        True,
        ["工人阶级"],
        None,
    ]

    # Reopened: every answer comes from the server, the flag too.
    page.goto(f"/quizzes/attempts/{_attempt_now.id}?q=1")
    assert _pending(page) == 0
    expect(page.locator("#q1 input[value=B]")).to_be_checked()
    page.click(".nav-item[data-position='2']")
    for key in "ABC":
        expect(page.locator(f"#q2 input[value={key}]")).to_be_checked()
    expect(page.locator("#q2 input[value=D]")).not_to_be_checked()
    page.click(".nav-item[data-position='3']")
    expect(page.locator("#q3 input[value=true]")).to_be_checked()
    page.click(".nav-item[data-position='4']")
    expect(page.locator("#q4 input[name=response]")).to_have_value("工人阶级")
    expect(page.locator(".nav-item[data-position='4']")).to_have_class(
        "nav-item is-answered is-flagged"
    )
    expect(page.locator(".nav-item[data-position='5']")).to_have_class("nav-item")

    # Submit: the unanswered question first, then confirm; the review follows.
    with page.expect_navigation():
        page.click("#finish-link")
    expect(page.locator("#unanswered-list .nav-item")).to_have_text(["5"])
    expect(page.locator("#flagged-list .nav-item")).to_have_text(["4"])
    _fits_the_phone(page)
    page.screenshot(path=str(screenshot_dir / f"exam-submit-{live_server.database}.png"))
    with page.expect_navigation():
        page.click("#submit-button")
    expect(page.locator("#summary .score")).to_contain_text("80")
    expect(page.locator("#passed")).to_be_visible()
    expect(page.locator(".review-item")).to_have_count(5)
    expect(page.locator("#q1 .explanation")).to_contain_text(EXPLANATION)
    expect(page.locator("#q5 .right-answer")).to_contain_text("党的全国代表大会")
    _fits_the_phone(page)
    page.screenshot(
        path=str(screenshot_dir / f"exam-review-{live_server.database}.png"), full_page=True
    )
    attempt, _items = _attempt(live_server, exam)
    assert attempt.state == AttemptState.SUBMITTED and not attempt.is_auto_submitted
    assert attempt.score == 80


@pytest.fixture
def short_grace(live_server: LiveServer) -> Iterator[None]:
    """A one-second grace on the live server, so the job's turn comes quickly."""
    config = live_server.app.config
    before = config["QUIZ_GRACE_SECONDS"]
    config["QUIZ_GRACE_SECONDS"] = 1
    try:
        yield
    finally:
        config["QUIZ_GRACE_SECONDS"] = before


def test_an_attempt_whose_time_runs_out_is_submitted_with_its_saved_answers(
    page: Page, live_server: LiveServer, short_grace: None
):
    exam = _exam(live_server, "限时测验（浏览器）", TIMEOUT_PHONE, time_limit_seconds=5)
    log_in(page, TIMEOUT_PHONE, DEMO_PASSWORD)

    # The page open: at zero it sends what it has and submits by itself.
    page.goto(f"/quizzes/{exam.quiz_id}")
    with page.expect_navigation():
        page.click("#start-button")
    page.check("#q1 input[value=B]")
    _saved(page)
    page.wait_for_url("**/quizzes/attempts/*/result", timeout=15_000)
    expect(page.locator("#summary")).to_contain_text("20 / 100")
    attempt, items = _attempt(live_server, exam, 1)
    assert attempt.state == AttemptState.SUBMITTED and attempt.is_auto_submitted
    assert items[0][1] == "B" and all(response is None for _p, response in items[1:])

    # The page gone (the phone locked): the scheduler's job submits it after the grace.
    page.goto(f"/quizzes/{exam.quiz_id}")
    with page.expect_navigation():
        page.click("#start-button")
    page.click(".nav-item[data-position='3']")
    page.check("#q3 input[value=true]")
    _saved(page)
    page.goto("/")
    second, _items = _attempt(live_server, exam, 2)
    assert second.state == AttemptState.IN_PROGRESS
    wait = (clock.as_utc(second.deadline_at) - clock.now_utc()) + timedelta(seconds=1.5)
    time.sleep(max(0.0, wait.total_seconds()))
    job = find_job("quizzes.submit_expired_attempts", live_server.app.config)
    assert run_job(live_server.app, job).result >= 1
    assert run_job(live_server.app, job).result == 0
    second, items = _attempt(live_server, exam, 2)
    assert second.state == AttemptState.SUBMITTED and second.is_auto_submitted
    assert second.score == 20 and items[2][1] is True
    page.goto(f"/quizzes/attempts/{second.id}/result")
    expect(page.locator("#summary")).to_contain_text("20 / 100")
    expect(page.locator("#q3 .verdict")).to_be_visible()


NO_SCRIPT_PHONE = "13800000021"  # 郑凯, 机关第二党支部: no other journey uses this member


def test_without_javascript_each_screen_posts_its_answer(browser: Browser, live_server: LiveServer):
    exam = _exam(live_server, "支部党章党史考试（无脚本）", NO_SCRIPT_PHONE)
    context = browser.new_context(**PHONE, base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, NO_SCRIPT_PHONE, DEMO_PASSWORD)
        page.goto(f"/quizzes/{exam.quiz_id}")
        with page.expect_navigation():
            page.click("#start-button")
        expect(page.locator("#countdown-time")).to_be_visible()  # the server's time, static
        page.check("#q1 input[value=B]")
        with page.expect_navigation():
            page.click("#q1 .next-button")
        assert page.url.endswith("?q=2#q2")
        expect(page.locator("#q1")).to_be_hidden()
        page.check("#q2 input[value=A]")
        page.check("#q2 input[name=flagged]")
        with page.expect_navigation():
            page.click("#q2 .next-button")
        with page.expect_navigation():
            page.click(".nav-item[data-position='4']")
        page.fill("#q4 input[name=response]", "工人阶级")
        with page.expect_navigation():
            page.press("#q4 input[name=response]", "Enter")  # the form's first button: next
        expect(page.locator("#q5")).to_be_visible()
        with page.expect_navigation():
            page.click("#q5 .finish-button")  # nothing given: saves nothing, goes to submit
        expect(page.locator("#unanswered-list .nav-item")).to_have_text(["3", "5"])
        expect(page.locator("#flagged-list .nav-item")).to_have_text(["2"])
        with page.expect_navigation():
            page.click("#submit-button")
        expect(page.locator("#summary .score")).to_contain_text("40")
        attempt, items = _attempt(live_server, exam)
        assert [response for _position, response in items] == [
            "B",
            ["A"],
            None,
            ["工人阶级"],
            None,
        ]
        assert attempt.state == AttemptState.SUBMITTED and attempt.score == 40
    finally:
        context.close()
