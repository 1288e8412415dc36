"""A branch secretary on a phone sees their own branch and nobody else's."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from studyhub.demo import BRANCHES, DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

SECRETARY_PHONE = "13800000001"
BRANCH = "机关第一党支部"
OTHER_BRANCH = "离退休干部党支部"


def members_of(branch: str) -> list[str]:
    return next(names for _general, name, _groups, names in BRANCHES if name == branch)


def others_than(branch: str) -> list[str]:
    return [n for _g, name, _groups, names in BRANCHES if name != branch for n in names]


def test_secretary_sees_only_their_branch(page: Page, live_server: LiveServer):
    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
    assert urlsplit(page.url).path == "/"

    branch_link = page.locator(".mainnav a[href^='/org/units/']")
    assert branch_link.count() == 1
    with page.expect_navigation():
        branch_link.click()

    assert urlsplit(page.url).path == f"/org/units/{live_server.unit_ids[BRANCH]}"
    assert BRANCH in page.inner_text("main h1")
    roster = page.locator("#members .roster li")
    assert roster.count() == len(members_of(BRANCH))
    roster_text = page.inner_text("#members .roster")
    for name in members_of(BRANCH)[:3] + members_of(BRANCH)[-2:]:
        assert name in roster_text
    page_text = page.inner_text("body")
    strangers = [name for name in others_than(BRANCH) if name in page_text]
    assert strangers == []


def test_secretary_cannot_open_another_branch(page: Page, live_server: LiveServer):
    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)

    response = page.goto(f"/org/units/{live_server.unit_ids[OTHER_BRANCH]}")

    assert response is not None and response.status == 403
    assert page.inner_text("main .status-code").strip() == "403"
    page_text = page.inner_text("body")
    assert OTHER_BRANCH not in page_text
    assert [name for name in members_of(OTHER_BRANCH) if name in page_text] == []
