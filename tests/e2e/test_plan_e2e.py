"""A member on a phone follows the branch's share link to the quarter's plan, logs in, lands on
the plan, studies its first material and sees the plan's progress move to 1 of n."""

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
from studyhub.readings.models import Reading, ReadReceipt
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

MEMBER_PHONE = "13800000020"  # 罗红, 机关第二党支部: no other journey uses this member
PHONE_WIDTH = 360
MIN_SECONDS = 3  # the first material's minimum time, kept short for the test


def demo_plan(live_server: LiveServer) -> tuple[int, int, int, int]:
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
            .where(User.phone == MEMBER_PHONE)
        )
        session.get(Reading, material_ids[0]).min_seconds = MIN_SECONDS
        session.commit()
        return plan.id, branch_id, material_ids[0], len(material_ids)


def studied(live_server: LiveServer, reading_id: int) -> bool:
    with live_server.app.app_context():
        receipt = db.session.scalars(
            select(ReadReceipt)
            .join(User, User.id == ReadReceipt.user_id)
            .where(ReadReceipt.reading_id == reading_id, User.phone == MEMBER_PHONE)
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
