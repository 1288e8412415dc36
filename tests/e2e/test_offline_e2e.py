"""The installable app: today's reading opened once reads offline, and its time arrives later.

The service worker's own requests ignore Playwright's offline switch, so this test serves
the app on a server of its own and stops it to be offline for real (nothing answers), with
the browser's offline switch on as well (``navigator.onLine`` false, as on a phone with no
signal). Back online: the server starts again on the same port and the browser's switch is
turned off; the reading page sends the seconds read meanwhile.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from studyhub.accounts.models import User
from studyhub.demo import DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.readings.models import Reading, ReadReceipt
from tests.e2e.conftest import PHONE, BrowserClockCookies, LiveServer, log_in, wait_until
from tests.e2e.test_readings_e2e import todays_reading

pytestmark = pytest.mark.e2e

OFFLINE_READER = "13800000031"  # no other journey uses this member
PORT = 5611  # this helper's port range (5600-5699)


class OwnServer:
    """The live server's app on a fixed port, stopped and started at will."""

    def __init__(self, live_server: LiveServer) -> None:
        self.app = BrowserClockCookies(live_server.app)
        self.server = None
        self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{PORT}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", PORT, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.server = None


def set_minimum(live_server: LiveServer, reading_id: int, seconds: int) -> int:
    """Set the reading's minimum time; returns the one it had (other journeys share it)."""
    with live_server.app.app_context():
        reading = db.session.get(Reading, reading_id)
        before, reading.min_seconds = reading.min_seconds, seconds
        db.session.commit()
        return before


def seconds_read(live_server: LiveServer, reading_id: int) -> int:
    with live_server.app.app_context():
        user = db.session.scalars(select(User).where(User.phone == OFFLINE_READER)).one()
        receipt = db.session.scalars(
            select(ReadReceipt).where(
                ReadReceipt.reading_id == reading_id, ReadReceipt.user_id == user.id
            )
        ).first()
        db.session.rollback()
        return receipt.seconds_spent if receipt is not None else 0


def test_todays_reading_reads_offline_and_its_time_arrives_back_online(
    browser: Browser, live_server: LiveServer
):
    reading_id, title = todays_reading(live_server)
    # Long enough that the reading is not studied during the test: time keeps counting.
    shortest = set_minimum(live_server, reading_id, 600)
    server = OwnServer(live_server)
    server.start()
    context = browser.new_context(**PHONE, base_url=server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        log_in(page, OFFLINE_READER, DEMO_PASSWORD)
        page.goto(f"/readings/{reading_id}")
        wait_until(page, "!!navigator.serviceWorker.controller")
        # The first visit installed the worker; this one is kept for offline reading.
        page.reload()
        wait_until(page, "!!navigator.serviceWorker.controller")
        page.wait_for_timeout(500)
        before = seconds_read(live_server, reading_id)

        server.stop()
        context.set_offline(True)
        page.reload()
        expect(page.locator("h1")).to_contain_text(title)
        assert page.evaluate("navigator.onLine") is False
        page.wait_for_timeout(6000)  # reading, offline
        assert seconds_read(live_server, reading_id) == before

        server.start()
        context.set_offline(False)
        waited = 0
        while seconds_read(live_server, reading_id) < before + 5 and waited < 20_000:
            page.wait_for_timeout(250)
            waited += 250
        after = seconds_read(live_server, reading_id)
        assert after >= before + 5, (before, after)
        # Installable: the manifest and its icons answer, and so does the favicon.
        for path in ("/manifest.webmanifest", "/favicon.ico", "/sw.js"):
            assert page.request.get(server.url + path).ok, path
    finally:
        context.close()
        server.stop()
        set_minimum(live_server, reading_id, shortest)
    assert [e for e in errors if "favicon" in e or "manifest" in e] == []
