"""A secretary copies the branch's share link on a phone: one tap, the link is on the clipboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, LiveServer, log_in

pytestmark = pytest.mark.e2e

SECRETARY = "13800000001"  # 王建国, secretary of 机关第一党支部


def test_the_copy_button_puts_the_link_on_the_clipboard(browser: Browser, live_server: LiveServer):
    context = browser.new_context(**PHONE, base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    try:
        log_in(page, SECRETARY, DEMO_PASSWORD)
        page.goto("/plans/")
        page.goto("/plans/1/share")
        item = page.locator("#share-links li[data-share]").first
        link = item.locator("input[readonly]").input_value()
        assert "/plans/1?branch=" in link
        item.locator(".copy-link").tap()
        expect(item.locator(".share-status")).to_have_text("链接已复制，请粘贴到微信群。")
        assert page.evaluate("navigator.clipboard.readText()") == link
        # The og: card of the page a pasted link opens.
        assert page.locator('meta[property="og:title"]').get_attribute("content")
    finally:
        context.close()
