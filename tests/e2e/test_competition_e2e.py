"""A member of a branch taking part in the demo's 比学习 competition opens its leaderboard on a
phone: the branch's own row marked and named, the others anonymised, no member names, and
the page fits 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, LiveServer, log_in
from tests.e2e.overflow import overflow_problems

pytestmark = pytest.mark.e2e

MEMBER = "13800000005"  # 陈静, 机关第一党支部 (the demo competition's first branch)


def test_a_member_opens_the_leaderboard(browser: Browser, live_server: LiveServer):
    context = browser.new_context(**PHONE, base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, MEMBER, DEMO_PASSWORD)
        page.goto("/reports/competitions")
        page.get_by_role("link", name="比学习、比贡献 季度竞赛").tap()
        board = page.locator("#leaderboard")
        expect(board).to_be_visible()
        expect(board.locator("tbody tr")).to_have_count(3)
        own = board.locator("tr.own")
        expect(own).to_have_count(1)
        expect(own).to_contain_text("机关第一党支部")
        text = board.inner_text()
        assert "机关第二党支部" not in text  # other branches anonymised in the demo
        assert "王建国" not in text  # branch figures, never members
        expect(page.locator("#competition-trend")).to_be_visible()
        assert overflow_problems(page) == []
        poster = page.get_by_role("link", name="下载海报")
        with page.expect_download() as download:
            poster.tap()
        assert download.value.suggested_filename.endswith(".png")
    finally:
        context.close()
