"""A member on a phone does the daily quiz: five questions, feedback after each, points, and
the one answered wrong waits in the mistake book until it is reviewed."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.demo import DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.points import services as points
from studyhub.points.models import PointEntry
from studyhub.quizzes import queries
from studyhub.quizzes.models import Attempt, AttemptState, MistakeCard, QuestionType
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

MEMBER_PHONE = "13800000012"  # 孙志强, 机关第一党支部: no other journey uses this member
PHONE_WIDTH = 360


def _user_id(live_server: LiveServer) -> int:
    with live_server.app.app_context():
        return db.session.scalars(select(User.id).where(User.phone == MEMBER_PHONE)).one()


def _answers(live_server: LiveServer, user_id: int) -> tuple[int, list[tuple[str, object]]]:
    """Today's daily attempt and, per question, (type, right answer) — read from the database."""
    with live_server.app.app_context():
        attempt = db.session.scalars(
            select(Attempt).where(Attempt.user_id == user_id, Attempt.daily_on.is_not(None))
        ).one()
        items = db.session.scalars(queries.attempt_items(attempt.id)).unique()
        return attempt.id, [(i.version.question.qtype, i.version.answer) for i in items]


def _give(page: Page, qtype: str, answer: object, *, right: bool, form: str = "") -> None:
    """Answer the question on screen, rightly or not, as a person taps and types.

    In the daily quiz a single-choice or true/false answer is one tap (the page sends it at
    once); the others — and every answer in ``form`` (the mistake book's review) — are
    chosen or typed, then confirmed.
    """
    if form:
        _choose(page, qtype, answer, right=right)
        page.click(f"{form} button[type=submit]")
        return
    if qtype == QuestionType.TRUEFALSE:
        value = answer if right else not answer
        with page.expect_navigation():
            page.click(f"input[name=response][value={'true' if value else 'false'}]")
        return
    if qtype == QuestionType.SINGLE:
        keys = page.locator("input[name=response]").evaluate_all("els => els.map(e => e.value)")
        key = answer if right else next(k for k in keys if k != answer)
        with page.expect_navigation():
            page.click(f"input[name=response][value={key}]")
        return
    _choose(page, qtype, answer, right=right)
    with page.expect_navigation():
        page.click("#answer-form button[type=submit]")


def _choose(page: Page, qtype: str, answer: object, *, right: bool) -> None:
    """Choose or type the answer without sending it."""
    if qtype == QuestionType.TRUEFALSE:
        value = answer if right else not answer
        page.check(f"input[name=response][value={'true' if value else 'false'}]")
    elif qtype == QuestionType.SINGLE:
        keys = page.locator("input[name=response]").evaluate_all("els => els.map(e => e.value)")
        key = answer if right else next(k for k in keys if k != answer)
        page.check(f"input[name=response][value={key}]")
    elif qtype == QuestionType.MULTIPLE:
        chosen = list(answer) if right else list(answer)[:-1] or ["A"]
        if not right and chosen == list(answer):
            chosen = []
        for key in chosen:
            page.check(f"input[name=response][value={key}]")
        if not chosen:  # a wrong answer that is not empty: every option
            for box in page.locator("input[name=response]").all():
                box.check()
    else:
        for index, accepted in enumerate(answer):
            page.locator("input[name=response]").nth(index).fill(accepted[0] if right else "不知道")


def _state(live_server: LiveServer, user_id: int) -> tuple[AttemptState, int, int]:
    """(today's attempt state, daily-quiz points, mistake cards) from the database."""
    with live_server.app.app_context():
        state = db.session.scalars(
            select(Attempt.state).where(Attempt.user_id == user_id, Attempt.daily_on.is_not(None))
        ).one()
        earned = sum(
            db.session.scalars(
                select(PointEntry.points).where(
                    PointEntry.user_id == user_id, PointEntry.kind == points.DAILY_QUIZ
                )
            )
        )
        cards = len(
            db.session.scalars(select(MistakeCard.id).where(MistakeCard.user_id == user_id)).all()
        )
        return state, earned, cards


def _fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page scrolls sideways: {width}px"


def test_member_does_the_daily_quiz_and_sees_points(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    user_id = _user_id(live_server)
    log_in(page, MEMBER_PHONE, DEMO_PASSWORD)

    # Home: the daily quiz waits; nothing in the mistake book yet.
    panel = page.locator("#daily-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#mistakes-due strong")).to_have_count(0)
    with page.expect_navigation():
        page.click("#daily-go")  # one tap: straight to the first question
    expect(page.locator("#daily-position")).to_be_visible()
    attempt_id, answers = _answers(live_server, user_id)
    assert len(answers) == 5

    for position, (qtype, answer) in enumerate(answers, start=1):
        assert page.url.split("?")[0] == f"{live_server.url}/quizzes/daily/{attempt_id}/{position}"
        expect(page.locator("#answer-form .explanation")).to_have_count(0)  # nothing before
        _fits_the_phone(page)
        right = position != 3
        _give(page, qtype, answer, right=right)
        if right and position < len(answers):
            # Straight on to the next question, this one's verdict folded above it.
            verdict = page.locator("#previous-answer summary .verdict")
            expect(verdict).to_have_class("verdict is-right")
        elif not right:
            # A wrong answer stays: the right answer and the explanation, then "next".
            expect(page.locator(".feedback .verdict")).to_have_class("verdict is-wrong")
            page.screenshot(path=str(screenshot_dir / "daily-quiz-feedback.png"), full_page=True)
            with page.expect_navigation():
                page.click("#next")

    # The day's result: four right, four points, the first day in a row.
    expect(page.locator("#daily-result")).to_be_visible()
    expect(page.locator(".daily-score")).to_contain_text("4")
    expect(page.locator("#daily-points")).to_contain_text("4")
    expect(page.locator("#daily-streak")).to_contain_text("1")
    _fits_the_phone(page)
    page.screenshot(path=str(screenshot_dir / "daily-quiz-result.png"), full_page=True)
    assert _state(live_server, user_id) == (AttemptState.SUBMITTED, 4, 1)

    # Home: done today, points shown, the wrong one due in the mistake book.
    page.click("a.brand")
    expect(page.locator("#daily-done")).to_be_visible()
    expect(page.locator("#daily-panel-points")).to_contain_text("4")
    expect(page.locator("#mistakes-due strong")).to_contain_text("1")

    # Review it: the right answer this time.
    page.click("#mistakes-due a")
    page.click("#start-review")
    qtype, answer = answers[2]
    _give(page, qtype, answer, right=True, form="#review-form")
    expect(page.locator(".verdict")).to_have_class("verdict is-right")
    expect(page.locator("#next-review")).to_be_visible()
    _fits_the_phone(page)

    # A second go the same day is the same attempt: nothing more to earn.
    page.goto("/quizzes/daily")
    expect(page.locator("#daily-result")).to_be_visible()
    assert _state(live_server, user_id) == (AttemptState.SUBMITTED, 4, 1)
