"""A member on a phone follows the branch's share link to the quarter's plan, logs in, lands on
the plan, studies its first material and sees the plan's progress move to 1 of n; and another
member goes the whole way: every material studied, the plan's test taken and passed, the plan
done."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.org.models import Member, OrgUnit
from studyhub.plans.models import PlanMaterial, StudyPlan
from studyhub.quizzes.models import Attempt, AttemptItem, AttemptState, QuestionType
from studyhub.readings.models import Reading, ReadReceipt
from tests.e2e.conftest import LiveServer, wait_until
from tests.e2e.test_dashboard_e2e import right_answer

pytestmark = pytest.mark.e2e

MEMBER_PHONE = "13800000020"  # 罗红, 机关第二党支部: no other journey uses this member
FINISHER_PHONE = "13800000025"  # 韩冬, 机关第二党支部: no other journey (nor the demo) uses him
PHONE_WIDTH = 360
MIN_SECONDS = 3  # the materials' minimum time, kept short for the test


def demo_plan(live_server: LiveServer, phone: str = MEMBER_PHONE) -> tuple[int, int, int, int]:
    """(plan id, the member's branch id, first material's id, how many materials); the first
    material is made short to study."""
    with live_server.app.app_context():
        session = db.session
        committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
        plan = session.scalars(
            select(StudyPlan).where(
                StudyPlan.committee_id == committee.id, StudyPlan.published_at.is_not(None)
            )
        ).one()
        material_ids = session.scalars(
            select(PlanMaterial.reading_id)
            .where(PlanMaterial.plan_id == plan.id)
            .order_by(PlanMaterial.position)
        ).all()
        branch_id = session.scalar(
            select(Member.branch_id)
            .join(User, User.id == Member.user_id)
            .where(User.phone == phone)
        )
        session.get(Reading, material_ids[0]).min_seconds = MIN_SECONDS
        session.commit()
        return plan.id, branch_id, material_ids[0], len(material_ids)


def material_ids(live_server: LiveServer, plan_id: int) -> list[int]:
    """The plan's materials in order, each made short to study."""
    with live_server.app.app_context():
        session = db.session
        ids = session.scalars(
            select(PlanMaterial.reading_id)
            .where(PlanMaterial.plan_id == plan_id)
            .order_by(PlanMaterial.position)
        ).all()
        for reading_id in ids:
            session.get(Reading, reading_id).min_seconds = MIN_SECONDS
        session.commit()
        return list(ids)


def studied(live_server: LiveServer, reading_id: int, phone: str = MEMBER_PHONE) -> bool:
    with live_server.app.app_context():
        receipt = db.session.scalars(
            select(ReadReceipt)
            .join(User, User.id == ReadReceipt.user_id)
            .where(ReadReceipt.reading_id == reading_id, User.phone == phone)
        ).first()
        return receipt is not None and receipt.studied_at is not None


def test_member_follows_the_share_link_and_studies_the_first_material(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    plan_id, branch_id, first_id, total = demo_plan(live_server)
    link = f"/plans/{plan_id}?branch={branch_id}"
    assert not studied(live_server, first_id)

    # The link pasted into the WeChat group: not logged in yet, so the login form first.
    page.goto(link)
    assert urlsplit(page.url).path == "/login"
    assert parse_qs(urlsplit(page.url).query)["next"] == [link]
    page.fill("input[name=identifier]", MEMBER_PHONE)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # Lands on the plan, for the branch, with nothing studied yet.
    assert urlsplit(page.url).path == f"/plans/{plan_id}"
    expect(page.locator("#shared-branch")).to_have_text("机关第二党支部")
    expect(page.locator("#materials-progress")).to_contain_text(f"0/{total}")
    expect(page.locator("#materials li")).to_have_count(total)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"plan-before-{live_server.database}.png", full_page=True)

    # The next step is the first material: open it and read to its end.
    with page.expect_navigation():
        page.locator("#next-step a").click()
    assert urlsplit(page.url).path == f"/readings/{first_id}"
    page.locator("#study").scroll_into_view_if_needed()
    expect(page.locator("#studied-note")).to_be_visible(timeout=MIN_SECONDS * 1000 + 8000)
    assert studied(live_server, first_id)

    # Back on the plan: one material of n studied, the first marked, the next one offered.
    page.goto(f"/plans/{plan_id}")
    expect(page.locator("#materials-progress")).to_contain_text(f"1/{total}")
    expect(page.locator(f"#materials li[data-reading='{first_id}'] .studied-mark")).to_be_visible()
    expect(page.locator("#next-step a")).not_to_have_attribute("href", f"/readings/{first_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"plan-after-{live_server.database}.png", full_page=True)

    # The home page's "To do" shows the plan with its progress.
    page.goto("/")
    expect(page.locator("#tasks")).to_have_count(1)
    expect(page.locator(f"#tasks li[data-plan='{plan_id}']")).to_contain_text(f"1/{total}")


def right_answers(live_server: LiveServer, attempt_id: int) -> list[tuple[int, str, object]]:
    """(position, question type, right response) of each item of the attempt, from the
    versions frozen in it."""
    with live_server.app.app_context():
        items = db.session.scalars(
            select(AttemptItem)
            .where(AttemptItem.attempt_id == attempt_id)
            .order_by(AttemptItem.position)
        ).all()
        return [
            (item.position, item.version.question.qtype, right_answer(item.version))
            for item in items
        ]


def attempt_of(live_server: LiveServer, attempt_id: int) -> tuple[Attempt, list]:
    with live_server.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        responses = db.session.scalars(
            select(AttemptItem.response)
            .where(AttemptItem.attempt_id == attempt_id)
            .order_by(AttemptItem.position)
        ).all()
        db.session.expunge(attempt)
        return attempt, list(responses)


def answer(page: Page, position: int, qtype: str, response: object) -> None:
    """Give ``response`` to question ``position`` as a person would, and wait until the page
    says the server has it ("已保存")."""
    screen = page.locator(f"#q{position}")
    expect(screen).to_be_visible()
    if qtype == QuestionType.FILLIN:
        blanks = screen.locator("input[name=response]")
        expect(blanks).to_have_count(len(response))
        for index, text in enumerate(response):
            blanks.nth(index).fill(text)
        blanks.last.blur()  # the change event sends the answer at once
    elif qtype == QuestionType.MULTIPLE:
        for key in response:
            screen.locator(f"input[name=response][value='{key}']").check()
    else:
        screen.locator(f"input[name=response][value='{response}']").check()
    wait_until(page, "window.studyhubAttempt.pending() === 0")
    saved = page.get_attribute("#attempt", "data-msg-saved")
    expect(page.locator("#save-status")).to_contain_text(saved)
    expect(page.locator(f".nav-item[data-position='{position}']")).to_have_class(
        "nav-item is-answered"
    )


def test_member_studies_every_material_and_passes_the_test(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    plan_id, branch_id, _first_id, total = demo_plan(live_server, FINISHER_PHONE)
    materials = material_ids(live_server, plan_id)
    assert len(materials) == total
    assert not any(studied(live_server, m, FINISHER_PHONE) for m in materials)
    link = f"/plans/{plan_id}?branch={branch_id}"

    # From the share link, through the login form, to the plan.
    page.goto(link)
    assert urlsplit(page.url).path == "/login"
    page.fill("input[name=identifier]", FINISHER_PHONE)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert urlsplit(page.url).path == f"/plans/{plan_id}"
    expect(page.locator("#materials-progress")).to_contain_text(f"0/{total}")
    expect(page.locator("#test-progress .test-status")).to_have_class("test-status is-not_started")

    # Each material in turn, as the plan's next step offers it.
    for done, reading_id in enumerate(materials):
        expect(page.locator("#next-step a")).to_have_attribute("href", f"/readings/{reading_id}")
        with page.expect_navigation():
            page.locator("#next-step a").click()
        page.locator("#study").scroll_into_view_if_needed()
        expect(page.locator("#studied-note")).to_be_visible(timeout=MIN_SECONDS * 1000 + 8000)
        assert studied(live_server, reading_id, FINISHER_PHONE)
        page.goto(f"/plans/{plan_id}")
        expect(page.locator("#materials-progress")).to_contain_text(f"{done + 1}/{total}")
        expect(
            page.locator(f"#materials li[data-reading='{reading_id}'] .studied-mark")
        ).to_be_visible()
    expect(page.locator("#materials .studied-mark")).to_have_count(total)
    expect(page.locator("#plan-done")).to_have_count(0)

    # Every material studied: the next step is the test, the same page as "#start-test".
    start_test = page.locator("#start-test")
    expect(start_test).to_be_visible()
    quiz_href = start_test.get_attribute("href")
    expect(page.locator("#next-step a")).to_have_attribute("href", quiz_href)
    with page.expect_navigation():
        page.locator("#next-step a").click()
    assert urlsplit(page.url).path == quiz_href
    expect(page.locator("#instructions")).to_be_visible()
    with page.expect_navigation():
        page.click("#start-button")
    attempt_id = int(page.get_attribute("#attempt", "data-attempt"))
    answers = right_answers(live_server, attempt_id)
    expect(page.locator(".question-screen")).to_have_count(len(answers))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    # One question per screen, each answered right and saved before moving on.
    for position, qtype, response in answers:
        answer(page, position, qtype, response)
        if position < len(answers):
            page.click(f"#q{position} .next-button")
            expect(page.locator(f"#q{position}")).to_be_hidden()
    _attempt, saved = attempt_of(live_server, attempt_id)
    assert all(response is not None for response in saved)

    # Review and submit: nothing left unanswered; the result says passed, full marks.
    with page.expect_navigation():
        page.click("#finish-link")
    expect(page.locator("#unanswered-list")).to_have_count(0)
    expect(page.locator("#unanswered .ok")).to_contain_text("所有题目均已作答")
    with page.expect_navigation():
        page.click("#submit-button")
    assert urlsplit(page.url).path == f"/quizzes/attempts/{attempt_id}/result"
    expect(page.locator("#passed")).to_be_visible()
    expect(page.locator("#passed")).to_contain_text("通过")
    expect(page.locator("#summary .score")).to_contain_text("(100%)")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"plan-test-{live_server.database}.png", full_page=True)
    attempt, _saved = attempt_of(live_server, attempt_id)
    assert attempt.state == AttemptState.SUBMITTED and attempt.is_passed

    # Back on the plan, from the result page's link: done, the test passed, nothing left to do.
    with page.expect_navigation():
        page.locator(f"#result-actions a.related-link[href='/plans/{plan_id}']").click()
    assert urlsplit(page.url).path == f"/plans/{plan_id}"
    expect(page.locator("#plan-done")).to_be_visible()
    expect(page.locator("#materials-progress")).to_contain_text(f"{total}/{total}")
    passed = page.locator("#test-progress .test-status")
    expect(passed).to_have_class("test-status is-passed")
    expect(passed).to_contain_text("通过")
    expect(passed).to_contain_text("100")
    expect(page.locator("#start-test")).to_have_count(0)
    expect(page.locator("#next-step a")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"plan-done-{live_server.database}.png", full_page=True)

    # The home page's "To do" no longer lists it.
    page.goto("/")
    expect(page.locator(f"#tasks li[data-plan='{plan_id}']")).to_have_count(0)
