"""Help on a phone: from the login page to the members' help, and from the menu."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360
MIN_TAP_HEIGHT = 40
MEMBER_PHONE = "13800000003"  # 张伟, a member of 机关第一党支部


def test_the_login_page_leads_to_the_members_help(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    page.goto("/login")
    with page.expect_navigation():
        page.click("#login-help a")
    assert urlsplit(page.url).path == "/help/member"
    assert page.locator("main h1").inner_text() == "党员帮助"
    topics = page.locator(".help-toc li").all_inner_texts()
    assert topics[:6] == [
        "登录与激活账号",
        "每日一读",
        "每日答题",
        "测试与考试",
        "错题本",
        "学习积分与季度得分",
    ]
    # A topic of the contents scrolls to its section, which explains in Chinese.
    page.click(".help-toc a[href='#exams']")
    assert page.locator("#exams").is_visible()
    assert "网络恢复后自动发送" in page.locator("#exams").inner_text()
    # Readable on the phone: no sideways scrolling, links big enough to tap.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    heights = page.eval_on_selector_all(
        ".help-parts a, .help-toc a, .topbar a",
        "links => links.map(a => a.getBoundingClientRect().height)",
    )
    assert heights and min(heights) >= MIN_TAP_HEIGHT
    page.screenshot(path=screenshot_dir / f"help-member-{live_server.database}.png", full_page=True)


def test_the_menu_leads_to_help_for_a_logged_in_member(page: Page, live_server: LiveServer):
    log_in(page, MEMBER_PHONE, DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("header a.toplink[href='/help/']")
    assert urlsplit(page.url).path == "/help/"
    # Help belongs to the account menu's pages: its tab (我的) is the current one.
    assert "我的" in page.locator(".tabbar a[aria-current=page]").inner_text()
    with page.expect_navigation():
        page.click("#help-secretary h2 a")
    assert page.locator("main h1").inner_text() == "支部书记帮助"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
