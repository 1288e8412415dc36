"""The closed loop, the secretary's part: on a phone, the secretary of 机关第一党支部 opens the
branch's dashboard from the home page, sees a member's row change once that member has
studied the quarter's material and passed the test, reminds another member, and that member
finds the reminder in the inbox.

The studying member's part goes through the services on the live app's database (the
member's own journey in the browser is ``test_plan_e2e``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.org.models import OrgUnit
from studyhub.plans.models import PlanMaterial, StudyPlan
from studyhub.quizzes.models import QuestionType, QuestionVersion, Quiz
from studyhub.quizzes.services import attempts
from studyhub.readings.models import Reading
from studyhub.readings.services import tracking
from tests.e2e.conftest import PHONE, LiveServer, log_in

pytestmark = pytest.mark.e2e

SECRETARY_PHONE = "13800000001"  # 王建国, secretary of 机关第一党支部
STUDENT_PHONE = "13800000015"  # 胡斌, same branch: no other journey uses this member
REMINDED_PHONE = "13800000014"  # 朱婷, same branch: no other journey studies or reminds
PHONE_WIDTH = 360


def user_id(live_server: LiveServer, phone: str) -> int:
    with live_server.app.app_context():
        return db.session.scalars(select(User.id).where(User.phone == phone)).one()


def demo_plan(live_server: LiveServer) -> tuple[int, str]:
    with live_server.app.app_context():
        committee = db.session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
        plan = db.session.scalars(
            select(StudyPlan).where(
                StudyPlan.committee_id == committee.id, StudyPlan.published_at.is_not(None)
            )
        ).one()
        return plan.id, plan.title


def right_answer(version: QuestionVersion) -> object:
    """The right response to ``version``, as the test page posts it."""
    qtype = QuestionType(version.question.qtype)
    if qtype == QuestionType.TRUEFALSE:
        return "true" if version.answer else "false"
    if qtype == QuestionType.FILLIN:
        return [blank[0] for blank in version.answer]
    if qtype == QuestionType.MULTIPLE:
        return list(version.answer)
    return version.answer


def study_and_pass(live_server: LiveServer, phone: str, plan_id: int) -> None:
    """The member studies every material of the plan and passes its test (services)."""
    member_id = user_id(live_server, phone)
    with live_server.app.app_context():
        session = db.session
        plan = session.get(StudyPlan, plan_id)
        now = clock.now_utc()
        readings = session.scalars(
            select(Reading)
            .join(PlanMaterial, PlanMaterial.reading_id == Reading.id)
            .where(PlanMaterial.plan_id == plan.id)
            .order_by(PlanMaterial.position)
        ).all()
        at = now - timedelta(hours=2)
        for reading in readings:
            tracking.open_reading(session, reading, user_id=member_id, now=at)
            at += timedelta(minutes=20)
            tracking.mark_studied(session, reading, user_id=member_id, now=at)
        quiz = session.get(Quiz, plan.quiz_id)
        attempt = attempts.start_attempt(session, quiz, user_id=member_id, now=at, seed=11)
        for seq, item in enumerate(list(attempt.items), start=1):
            attempts.save_answer(
                session,
                attempt,
                position=item.position,
                response=right_answer(item.version),
                seq=seq,
                now=at + timedelta(seconds=seq),
            )
        attempts.submit_attempt(session, attempt, now=at + timedelta(minutes=5))
        session.commit()


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_secretary_sees_a_row_change_and_reminds_a_member(
    browser: Browser, page: Page, live_server: LiveServer, screenshot_dir: Path
):
    plan_id, plan_title = demo_plan(live_server)
    student = user_id(live_server, STUDENT_PHONE)
    reminded = user_id(live_server, REMINDED_PHONE)
    branch_id = live_server.unit_ids["机关第一党支部"]

    # From the home page's panel to the branch's dashboard.
    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
    panel = page.locator("#branch-dashboard-panel")
    expect(panel).to_contain_text(plan_title)
    expect(panel).to_contain_text("%")
    with page.expect_navigation():
        panel.locator(f"a[href='/reports/branches/{branch_id}/dashboard']").click()
    assert urlsplit(page.url).path == f"/reports/branches/{branch_id}/dashboard"

    row = page.locator(f"#member-table tr[data-user='{student}']")
    expect(row).to_have_attribute("data-status", "not_started")
    expect(row.locator(".materials")).to_have_text("0/3")
    expect(row.locator(".best")).to_have_text("–")
    done_before = int(page.locator("#completion-count").get_attribute("data-done"))
    assert fits_the_phone(page)
    page.screenshot(
        path=screenshot_dir / f"dashboard-before-{live_server.database}.png", full_page=True
    )

    # The member studies the three materials and passes the test; the row changes.
    study_and_pass(live_server, STUDENT_PHONE, plan_id)
    page.reload()
    row = page.locator(f"#member-table tr[data-user='{student}']")
    expect(row).to_have_attribute("data-status", "done")
    expect(row.locator(".materials")).to_have_text("3/3")
    expect(row.locator(".best")).to_have_text("100.00%")
    expect(row.locator("button.remind")).to_have_count(0)
    assert int(page.locator("#completion-count").get_attribute("data-done")) == done_before + 1

    # Remind another member, who has not started: the row says so, once a day.
    other = page.locator(f"#member-table tr[data-user='{reminded}']")
    expect(other.locator(".last-reminded")).to_have_count(0)
    with page.expect_navigation():
        other.locator("button.remind").click()
    other = page.locator(f"#member-table tr[data-user='{reminded}']")
    expect(other.locator(".last-reminded")).to_be_visible()
    expect(other.locator(".reminded-today")).to_be_visible()
    expect(other.locator("button.remind")).to_have_count(0)
    expect(page.locator(".flash-success")).to_be_visible()
    assert fits_the_phone(page)
    page.screenshot(
        path=screenshot_dir / f"dashboard-after-{live_server.database}.png", full_page=True
    )

    # The printable page lists the branch with the day it was printed.
    page.goto(f"/reports/branches/{branch_id}/dashboard/print?plan={plan_id}")
    expect(page.locator(f"#sheet-table tr[data-user='{student}']")).to_be_visible()
    expect(page.locator("#printed-at")).to_contain_text(str(clock.now_utc().year))

    # The reminded member logs in on their own phone and finds the reminder.
    context = browser.new_context(**PHONE, base_url=live_server.url)
    try:
        member_page = context.new_page()
        log_in(member_page, REMINDED_PHONE, DEMO_PASSWORD)
        member_page.goto("/inbox")
        expect(member_page.locator("main")).to_contain_text(plan_title)
        with member_page.expect_navigation():
            member_page.locator("main a", has_text=plan_title).first.click()
        expect(member_page.locator("main")).to_contain_text(plan_title)
        assert fits_the_phone(member_page)
    finally:
        context.close()
