"""The phone layout: big enough tap targets, no sideways scrolling, nothing from other hosts."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

MIN_TAP_HEIGHT = 40
PHONE_WIDTH = 360
SECRETARY_PHONE = "13800000001"  # has the fullest menu a branch user gets

TAP_TARGETS = """
() => Array.from(document.querySelectorAll(
    'button, a.button, .tabbar a, .brand, label.check, ' +
    'input:not([type=hidden]):not([type=checkbox]), select'
  ))
  .filter(el => el.offsetParent !== null)
  .map(el => ({
    what: el.outerHTML.slice(0, 80),
    height: el.getBoundingClientRect().height,
  }))
"""


def small_targets(page: Page) -> list[dict]:
    targets = page.evaluate(TAP_TARGETS)
    assert targets, "no tap targets found on " + page.url
    return [t for t in targets if t["height"] < MIN_TAP_HEIGHT]


def test_tap_targets_and_width_on_login_and_home(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto("/login")
    assert page.locator("main form button[type=submit]").count() == 1
    assert small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"login-{live_server.database}.png", full_page=True)

    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
    assert urlsplit(page.url).path == "/"
    # The tab bar: five destinations side by side at the bottom of the screen, none cut off,
    # the account menu (with logging out) the last of them.
    tabs = page.locator(".tabbar a")
    assert tabs.count() == 5
    boxes = [tabs.nth(i).bounding_box() for i in range(5)]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE_WIDTH + 0.5 for b in boxes)
    assert all(b["y"] + b["height"] <= 740 + 0.5 and b["y"] > 740 / 2 for b in boxes)
    assert "我的" in tabs.nth(4).inner_text()
    # The header is one row.
    assert page.locator("header.topbar").bounding_box()["height"] <= MIN_TAP_HEIGHT + 30
    with page.expect_navigation():
        tabs.nth(4).click()
    assert page.locator("#logout").is_visible()
    page.go_back()
    assert small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"home-{live_server.database}.png", full_page=True)

    # Every request, stylesheet included, went to our own server (no CDN).
    assert hosts == {urlsplit(live_server.url).netloc}
