"""On a phone at 360×740: a branch editor (宣传委员) writes a reading for the committee's
channel; committee staff approve it from the review queue and it is published."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from studyhub.demo import DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.readings.models import Reading
from studyhub.readings.services import publishing
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

COMMITTEE = "市科技局机关党委"
BRANCH = "机关第二党支部"
EDITOR_PHONE = "13800000017"  # 何俊, the branch's editor in the demo
STAFF_PHONE = "13800000002"  # 李秀英
TITLE = "支部学习心得：调查研究是基本功（浏览器测试）"


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def the_reading(live_server: LiveServer) -> Reading:
    with live_server.app.app_context():
        reading = db.session.scalars(select(Reading).where(Reading.title == TITLE)).one()
        db.session.expunge(reading)
        return reading


def test_an_editor_submits_and_staff_approve(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    log_in(page, EDITOR_PHONE, DEMO_PASSWORD)
    page.goto("/")
    with page.expect_navigation():
        page.locator("#branch-publish a", has_text=BRANCH).click()
    fits(page)
    with page.expect_navigation():
        page.click("#new-branch-reading")
    page.fill("#title", TITLE)
    page.fill("#body_markdown", "深入基层、深入群众，才能把情况摸清、把问题找准。" * 5)
    page.select_option("#audience", "committee")
    fits(page)
    with page.expect_navigation():
        page.click("#branch-reading-form button[type=submit]")
    expect(page.locator("#branch-drafts")).to_contain_text(TITLE)
    expect(page.locator("#branch-drafts")).to_contain_text("等待党委审核")
    fits(page)
    assert the_reading(live_server).review_state == publishing.SUBMITTED

    page.context.clear_cookies()
    log_in(page, STAFF_PHONE, DEMO_PASSWORD)
    committee_id = live_server.unit_ids[COMMITTEE]
    page.goto(f"/library/{committee_id}/review")
    submission = page.locator("section.submission", has_text=TITLE)
    expect(submission).to_contain_text(BRANCH)
    fits(page)
    with page.expect_navigation():
        submission.locator("button", has_text="审核通过并发布").click()
    expect(page.locator("main")).not_to_contain_text(TITLE)
    fits(page)
    page.screenshot(
        path=screenshot_dir / f"branch-publishing-{live_server.database}.png", full_page=True
    )
    reading = the_reading(live_server)
    assert reading.review_state == publishing.APPROVED and reading.published_at is not None
    page.goto(f"/readings/{reading.id}")
    expect(page.locator("h1")).to_contain_text(TITLE)
    fits(page)
