"""Compliance on a phone: the demo branch's year shows its gap; staff see the branches that
owe meetings first; neither page scrolls sideways at 360 px."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360
RETIRED_SECRETARY = "13800000030"  # 离退休干部党支部: the demo leaves meetings out
STAFF = "13800000002"


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_secretary_sees_the_gap_in_the_year(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    log_in(page, RETIRED_SECRETARY, DEMO_PASSWORD)
    page.goto("/meetings/compliance")
    branch_id = live_server.unit_ids["离退休干部党支部"]
    assert urlsplit(page.url).path == f"/meetings/branches/{branch_id}/compliance"
    grid = page.locator("#compliance-grid")
    assert grid.is_visible()
    assert page.locator("#compliance-grid td.st-missing").count() >= 2
    assert page.locator("#compliance-grid td.st-met").count() >= 10
    assert page_width(page) <= PHONE_WIDTH
    # The grid may scroll inside its box, never the page.
    box = page.locator(".grid-scroll").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE_WIDTH
    page.screenshot(
        path=screenshot_dir / f"compliance-branch-{live_server.database}.png", full_page=True
    )
    other = live_server.unit_ids["机关第一党支部"]
    response = page.goto(f"/meetings/branches/{other}/compliance")
    assert response is not None and response.status == 403


def test_staff_see_every_branch_with_the_gaps_first(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    log_in(page, STAFF, DEMO_PASSWORD)
    page.goto("/meetings/compliance")
    assert "/compliance" in page.url and "/units/" in page.url
    rows = page.locator(".branch-status")
    assert rows.count() >= 3
    first_open = rows.first.get_attribute("class") or ""
    last_open = rows.last.get_attribute("class") or ""
    assert not ("has-gaps" not in first_open and "has-gaps" in last_open)
    assert page_width(page) <= PHONE_WIDTH
    page.screenshot(
        path=screenshot_dir / f"compliance-committee-{live_server.database}.png", full_page=True
    )
    page.click("#frequencies-link")
    # the five kinds, 组织生活会 and 民主评议党员
    assert page.locator("fieldset.frequency").count() == 7
    assert page_width(page) <= PHONE_WIDTH
