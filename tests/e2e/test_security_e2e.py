"""The browser enforces the Content-Security-Policy: injected code does not run, no framing.

Every other browser test checks (in the ``page`` fixture) that no page it opens
logs a policy violation; this one shows that a violation is seen when there is one.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import PHONE, LiveServer

pytestmark = pytest.mark.e2e

INJECT = """
() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true";
  document.head.appendChild(script);
  const button = document.createElement("button");
  button.setAttribute("onclick", "window.clicked = true");
  document.body.appendChild(button);
  button.click();
  const frame = document.createElement("iframe");
  frame.src = "/login";
  document.body.appendChild(frame);
}
"""


def test_injected_scripts_handlers_and_frames_are_refused(
    browser: Browser, live_server: LiveServer
):
    context = browser.new_context(**PHONE, base_url=live_server.url)
    try:
        page = context.new_page()
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))
        page.goto("/login")
        page.evaluate(INJECT)
        page.wait_for_timeout(500)
        assert page.evaluate("window.injected") is None
        assert page.evaluate("window.clicked") is None
        refused = [m for m in messages if "Content Security Policy" in m]
        assert any("script-src" in m or "default-src" in m for m in refused), messages
        assert any("frame-ancestors" in m for m in refused), messages
        # The login form never appears inside the frame.
        framed = [f for f in page.frames if f != page.main_frame]
        assert framed and all("identifier" not in f.content() for f in framed)
    finally:
        context.close()
