"""Every page each role reaches, on a 360x740 phone at 200% text: nothing wider than the phone.

The pages are collected by following the links of the demo data from home (one page of
each shape: ``/plans/7`` and ``/plans/8`` are one), the way a person finds them, so each
role is checked on the pages it can open. One browser; one logged-in context per role.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Error as PlaywrightError

from studyhub.demo import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, LiveServer, log_in
from tests.e2e.overflow import TEXT_200, overflow_problems

pytestmark = pytest.mark.e2e

ROLES = {
    "member": "13800000003",  # 张伟, a member of 机关第一党支部
    "secretary": "13800000001",  # 王建国, secretary of 机关第一党支部
    "staff": "13800000002",  # 李秀英, committee staff
}
MAX_PAGES = 120
# Not pages: files, the check-in's signed links, anything that ends the login.
SKIP = re.compile(
    r"^/(static|_bench|health|logout)|/(export|download|print|file|files|media|uploads?)\b"
    r"|/template\b|\.(csv|xlsx|pdf|png|jpg|zip|json|txt)$|/checkin/"
)


def _shape(path: str) -> str:
    return re.sub(r"/\d+", "/N", path)


def _links(page) -> list[str]:
    return page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_the_phone_at_200_percent_text(
    browser: Browser, live_server: LiveServer, role: str
):
    context = browser.new_context(**PHONE, base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_init_script(TEXT_200)
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    seen_shapes: set[str] = set()
    visited: list[str] = []
    try:
        log_in(page, ROLES[role], DEMO_PASSWORD)
        queue: deque[str] = deque(["/", "/account", "/inbox", "/help/"])
        while queue and len(visited) < MAX_PAGES:
            target = queue.popleft()
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != urlsplit(live_server.url).netloc:
                continue
            path = parts.path or "/"
            if SKIP.search(path) or _shape(path) in seen_shapes:
                continue
            seen_shapes.add(_shape(path))
            try:
                response = page.goto(path + (f"?{parts.query}" if parts.query else ""))
            except PlaywrightError:  # a download, not a page
                continue
            if response is None or response.status != 200:
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            if urlsplit(page.url).path == "/login":
                pytest.fail(f"logged out by {path}")
            visited.append(path)
            found = overflow_problems(page)
            if found:
                problems[path] = found
            queue.extend(href for href in _links(page) if href and not href.startswith("#"))
    finally:
        context.close()
    print(f"{role}: {len(visited)} pages fit", *visited, sep="\n  ")
    assert len(visited) >= 8, visited
    assert problems == {}, "\n".join(f"{p}: {v}" for p, v in problems.items())
