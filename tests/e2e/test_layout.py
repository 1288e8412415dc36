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
    'button, a.button, .mainnav a, .brand, label.check, ' +
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
    assert page.locator(".mainnav a").count() >= 3
    # The header is two rows at most (the brand, then a menu that scrolls sideways).
    assert page.locator("header.topbar").bounding_box()["height"] <= 2 * MIN_TAP_HEIGHT + 30
    assert page.locator("header form.logout button").is_visible()
    assert small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"home-{live_server.database}.png", full_page=True)

    # Every request, stylesheet included, went to our own server (no CDN).
    assert hosts == {urlsplit(live_server.url).netloc}
