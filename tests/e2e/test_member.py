"""A member on a phone: logging in, a wrong password, a newcomer without a password."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import NEWCOMER_NAME, NEWCOMER_PASSWORD, NEWCOMER_PHONE, log_in

pytestmark = pytest.mark.e2e

MEMBER_PHONE = "13800000003"
MEMBER_NAME = "张伟"
PHONE_WIDTH = 360


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def test_member_logs_in_and_sees_today(page: Page):
    log_in(page, MEMBER_PHONE, DEMO_PASSWORD)

    assert path_of(page) == "/"
    assert MEMBER_NAME in page.inner_text("main h1")
    assert page.locator("#today-reading").is_visible()
    assert page.locator("#today-reading h2").inner_text().strip()
    assert page.locator("#tasks").is_visible()
    assert page.locator("#tasks h2").inner_text().strip()
    # A plain member gets neither the branch nor the organisation pages in the menu.
    assert page.locator(".mainnav a[href^='/org/']").count() == 0
    assert page.locator("#work").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_the_days_essentials_fit_one_phone_screen(page: Page):
    """The prompt, today's reading with the streak, 党史今天, what is due and the daily quiz's
    entry are all within the first 740 px of the home page, above the tab bar, without
    scrolling."""
    log_in(page, "13800000022", DEMO_PASSWORD)  # 梁晓燕: not today's lead reader

    # Even with the live lesson's banner and an unread message above them: each one line,
    # a tappable link of at least 44 px.
    for selector in ("#unread-panel a.unread-first", "#live-banner a.live-join"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None, selector
        assert box["height"] >= 44, f"{selector} is a small target"
        assert box["height"] < 2 * 44, f"{selector} takes more than one line"
    # Above the tab bar, which covers the bottom of the screen.
    screen = page.locator("nav.tabbar").bounding_box()["y"]
    assert screen < page.viewport_size["height"]
    for selector in ("#recharge", "#today-reading", "#streak", "#this-day", "#tasks", "#daily-go"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] + box["height"] <= screen, f"{selector} ends below the first screen"


def test_wrong_password_shows_the_error_and_stays_on_login(page: Page):
    log_in(page, MEMBER_PHONE, "not-the-password")

    assert path_of(page) == "/login"
    assert page.locator("#login-error").is_visible()
    assert page.locator("#login-error").inner_text().strip()
    assert page.input_value("input[name=identifier]") == MEMBER_PHONE
    assert page.input_value("input[name=password]") == ""
    # Still logged out: the home page sends the phone back to the login form.
    page.goto("/")
    assert path_of(page) == "/login"
    assert page.locator("#login-error").count() == 0


def test_newcomer_has_no_first_password_and_is_told_to_ask_for_a_code(page: Page):
    # The phone's last six digits were the first password of older versions: no longer.
    log_in(page, NEWCOMER_PHONE, NEWCOMER_PASSWORD)
    assert path_of(page) == "/login"
    assert page.locator("#login-error").is_visible()
    page.goto("/")
    assert path_of(page) == "/login"

    # The login page says what to do, and leads to the activation page.
    hint = page.locator("#forgot-password")
    assert hint.is_visible()
    with page.expect_navigation():
        hint.locator("a").click()
    assert path_of(page) == "/activate"
    assert page.locator("#activate input[name=code]").is_visible()
    assert NEWCOMER_NAME not in page.inner_text("body")
