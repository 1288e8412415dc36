"""The language switch on a phone: 我的 → English, and the tab bar and home speak English;
back to 中文, and they speak Chinese again. The choice is the user's, not the browser's
(the phone asks for zh-CN throughout)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

MEMBER_PHONE = "13800000022"  # 梁晓燕, a plain member
CJK = re.compile(r"[\u4e00-\u9fff]")


def tab_labels(page: Page) -> list[str]:
    """The visible label of every tab (the icon and the hidden unread count left out)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('nav.tabbar > a')).map(a => {
            const copy = a.cloneNode(true);
            copy.querySelectorAll('[aria-hidden], .visually-hidden').forEach(e => e.remove());
            return copy.textContent.trim();
        })"""
    )


def choose(page: Page, locale: str) -> None:
    """Tap 我的 / Me in the tab bar, then the language's button."""
    with page.expect_navigation():
        page.locator("#tab-account").click()
    assert urlsplit(page.url).path == "/account"
    with page.expect_navigation():
        page.locator(f"#language button[name=locale][value={locale}]").click()
    assert urlsplit(page.url).path == "/account"
    expect(page.locator(f"#language button[value={locale}]")).to_have_attribute(
        "aria-pressed", "true"
    )


def go_home(page: Page) -> None:
    with page.expect_navigation():
        page.locator("nav.tabbar > a[href='/']").click()
    assert urlsplit(page.url).path == "/"


def test_the_language_switch_turns_the_tab_bar_and_home_to_english_and_back(page: Page):
    log_in(page, MEMBER_PHONE, DEMO_PASSWORD)
    assert tab_labels(page) == ["今天", "学习", "答题", "消息", "我的"]
    assert page.locator("html").get_attribute("lang").startswith("zh")

    choose(page, "en")
    try:
        assert "The language is saved." in page.inner_text("main")
        assert tab_labels(page) == ["Today", "Study", "Quiz", "Inbox", "Me"]
        assert page.locator("html").get_attribute("lang") == "en"

        go_home(page)
        assert page.inner_text("main h1").startswith("Hello, ")
        assert page.inner_text("#today-reading h2").strip() == "Today's reading"
        assert page.inner_text("#daily-panel h2").strip() == "Daily quiz"
        assert not CJK.search(page.inner_text("#daily-go"))
        assert not CJK.search(" ".join(tab_labels(page)))
        # A second visit keeps the choice: it is stored, not a one-page answer.
        page.reload()
        assert tab_labels(page) == ["Today", "Study", "Quiz", "Inbox", "Me"]
    finally:
        choose(page, "zh")

    assert "语言已保存。" in page.inner_text("main")
    assert tab_labels(page) == ["今天", "学习", "答题", "消息", "我的"]
    go_home(page)
    assert page.inner_text("main h1").startswith("您好，")
    assert page.inner_text("#today-reading h2").strip() == "每日一读"
    assert page.locator("html").get_attribute("lang").startswith("zh")
