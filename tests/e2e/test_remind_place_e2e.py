"""A secretary reminds a member far down a list: the page comes back there, result in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, LiveServer, log_in

pytestmark = pytest.mark.e2e

SECRETARY = "13800000001"  # 王建国, secretary of 机关第一党支部
BRANCH = "机关第一党支部"

IN_VIEW = """
(selector) => {
  const el = document.querySelector(selector);
  if (!el) return false;
  const box = el.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}
"""


def remind_last(page: Page) -> None:
    buttons = page.locator("button.remind")
    assert buttons.count() > 0
    with page.expect_navigation():
        buttons.last.tap()


@pytest.mark.parametrize("where", ["study", "dashboard"])
def test_a_reminder_keeps_the_secretarys_place(
    browser: Browser, live_server: LiveServer, where: str
):
    branch_id = live_server.unit_ids[BRANCH]
    url = {
        "study": f"/readings/branches/{branch_id}/study",
        "dashboard": f"/reports/branches/{branch_id}/dashboard",
    }[where]
    context = browser.new_context(**PHONE, base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, SECRETARY, DEMO_PASSWORD)
        page.goto(url)
        remind_last(page)
        assert "acted=" in page.url and "#" in page.url
        page.wait_for_timeout(300)
        assert page.evaluate("window.scrollY") > 0  # still down by the row
        assert page.evaluate(IN_VIEW, "tr.acted .flash"), "the result is not on screen"
    finally:
        context.close()
