"""The member's day on a phone, counted in taps: from the branch's share link, logged out,
through today's reading and the daily quiz (five questions, one of them multiple choice).

Every tap counts: a click, choosing an option, typing into a field (the login's account,
password and button are 3). The issue's budget is 12 taps, the goal 10. The same journey
at 200% text finds no page wider than the phone and no control off screen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.org.models import Member, OrgUnit
from studyhub.plans.models import StudyPlan
from studyhub.quizzes import queries
from studyhub.quizzes.models import Attempt, QuestionType, QuestionVersion
from studyhub.quizzes.services import daily
from studyhub.quizzes.views import daily as daily_views
from tests.e2e.conftest import PHONE, LiveServer
from tests.e2e.overflow import TEXT_200, overflow_problems
from tests.e2e.test_readings_e2e import todays_reading

pytestmark = pytest.mark.e2e

# 机关第二党支部 members no other journey uses: one at normal text size, one at 200%.
PHONES = {100: "13800000023", 200: "13800000024"}
TAP_BUDGET = 12
ONE_TAP = {QuestionType.SINGLE, QuestionType.TRUEFALSE}
# The multiple-choice question drawn has two right options (as most of the demo's do): two
# taps to choose them, one to confirm.
MULTIPLE_RIGHT_OPTIONS = 2


@dataclass
class Taps:
    """The person's hand: every tap goes through here and is counted."""

    page: Page
    check_fit: bool
    count: int = 0
    pages: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def arrived(self) -> None:
        self.page.wait_for_load_state()
        url = self.page.url
        self.pages.append(url)
        if self.check_fit:
            found = overflow_problems(self.page)
            if found:
                self.problems[url] = found

    def tap(self, selector: str, *, navigates: bool = True) -> None:
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                self.page.click(selector)
            self.arrived()
        else:
            self.page.click(selector)

    def choose(self, selector: str, *, navigates: bool) -> None:
        self.count += 1
        if navigates:  # a click: check() would verify the new page and tap it again
            with self.page.expect_navigation():
                self.page.click(selector)
            self.arrived()
        else:
            self.page.check(selector)

    def type(self, selector: str, text: str) -> None:
        self.count += 1
        self.page.fill(selector, text)


def _setup(live_server: LiveServer, phone: str) -> tuple[str, int, list[tuple[str, object]]]:
    """(the share link, a seed whose draw has exactly one multiple-choice question, the
    drawn questions' (type, answer) in order), with today's reading made short."""
    todays_reading(live_server)
    with live_server.app.app_context():
        session = db.session
        committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
        user, branch_id = session.execute(
            select(User, Member.branch_id)
            .join(Member, Member.user_id == User.id)
            .where(User.phone == phone)
        ).one()
        plan = session.scalars(
            select(StudyPlan).where(
                StudyPlan.committee_id == committee.id, StudyPlan.published_at.is_not(None)
            )
        ).one()
        now = clock.now_utc()
        quiz = daily.ensure_daily_quiz(session, committee, now=now)
        session.commit()
        assert session.scalars(select(Attempt.id).where(Attempt.user_id == user.id)).first() is None
        today = daily.today_of(session, quiz, now)
        for seed in range(1000):
            drawn = daily.draw_daily(
                session, quiz, user_id=user.id, today=today, rng=random.Random(seed)
            )
            versions = [session.get(QuestionVersion, d.version_id) for d in drawn]
            kinds = [v.question.qtype for v in versions]
            multiple = [v.answer for v in versions if v.question.qtype == QuestionType.MULTIPLE]
            if (
                len(kinds) == 5
                and len(multiple) == 1
                and len(multiple[0]) == MULTIPLE_RIGHT_OPTIONS
                and all(k in ONE_TAP | {QuestionType.MULTIPLE} for k in kinds)
            ):
                break
        else:
            pytest.fail("no draw of the demo's daily quiz has one two-answer multiple choice")
        session.rollback()
        return f"/plans/{plan.id}?branch={branch_id}", seed, user.id


def _answers(live_server: LiveServer, user_id: int) -> list[tuple[str, object]]:
    with live_server.app.app_context():
        attempt = db.session.scalars(
            select(Attempt).where(Attempt.user_id == user_id, Attempt.daily_on.is_not(None))
        ).one()
        items = db.session.scalars(queries.attempt_items(attempt.id)).unique()
        return [(i.version.question.qtype, i.version.answer) for i in items]


@pytest.mark.parametrize("text_size", [100, 200])
def test_the_days_study_from_the_share_link_in_twelve_taps(
    browser: Browser, live_server: LiveServer, monkeypatch, text_size: int
):
    link, seed, user_id = _setup(live_server, PHONES[text_size])
    # The server draws with this seed: four one-tap questions and one multiple choice.
    monkeypatch.setattr(daily_views, "secrets", SimpleNamespace(randbelow=lambda _n: seed))
    context = browser.new_context(**PHONE, base_url=live_server.url)
    context.set_default_timeout(15_000)
    if text_size == 200:
        context.add_init_script(TEXT_200)
    page = context.new_page()
    hand = Taps(page, check_fit=text_size == 200)
    try:
        # The link from the branch's WeChat group, logged out: the login form first.
        page.goto(link)
        hand.arrived()
        root_size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
        assert root_size == ("32px" if text_size == 200 else "16px")
        hand.type("input[name=identifier]", PHONES[text_size])
        hand.type("input[name=password]", DEMO_PASSWORD)
        hand.tap("main form button[type=submit]")
        assert page.url.endswith(link)

        # The plan page's next step: today's reading.
        hand.tap("#todays-reading-go")
        page.locator("#reading-end").scroll_into_view_if_needed()
        expect(page.locator("#studied-note")).to_be_visible()
        next_step = page.locator("#next-steps .next-step")
        expect(next_step).to_be_visible()
        expect(next_step).to_have_text("下一步：每日答题")
        if hand.check_fit:
            found = overflow_problems(page)
            if found:
                hand.problems[page.url + " (studied)"] = found

        # The daily quiz starts at once.
        hand.tap("#next-steps .next-step")
        answers = _answers(live_server, user_id)
        assert [a[0] for a in answers].count(QuestionType.MULTIPLE) == 1
        for position, (qtype, answer) in enumerate(answers, start=1):
            expect(page.locator("#daily-position")).to_contain_text(f"第{position}题")
            last = position == len(answers)
            if qtype == QuestionType.TRUEFALSE:
                value = "true" if answer else "false"
                hand.choose(f"input[name=response][value={value}]", navigates=True)
            elif qtype == QuestionType.SINGLE:
                hand.choose(f"input[name=response][value={answer}]", navigates=True)
            else:
                for key in answer:
                    hand.choose(f"input[name=response][value={key}]", navigates=False)
                hand.tap("#answer-form button[type=submit]")
            if not last:
                expect(page.locator("#previous-answer summary .verdict")).to_have_class(
                    "verdict is-right"
                )

        # Today's result, and home says the day is done.
        expect(page.locator("#daily-result")).to_be_visible()
        expect(page.locator(".daily-score")).to_contain_text("5")
        page.goto("/")
        hand.arrived()
        expect(page.locator("#daily-done")).to_be_visible()
    finally:
        context.close()

    multiple = next(a for q, a in answers if q == QuestionType.MULTIPLE)
    # 3 (login) + 1 (today's reading) + 1 (next: the daily quiz) + 4 one-tap questions
    # + the multiple choice's options and its confirm.
    assert hand.count == 3 + 1 + 1 + 4 + len(multiple) + 1
    assert hand.count <= TAP_BUDGET, f"{hand.count} taps"
    assert hand.problems == {}, hand.problems
    assert len(hand.pages) >= 9
