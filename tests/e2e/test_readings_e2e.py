"""A member on a phone opens today's reading, reads to the end, is credited, sees the streak."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.org.models import OrgUnit
from studyhub.points import queries as point_queries
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.readings.services import library
from tests.e2e.conftest import PHONE, LiveServer, log_in

pytestmark = pytest.mark.e2e

READER_PHONE = "13800000032"  # 袁振华, 离退休干部党支部: no other journey uses this member
PHONE_WIDTH = 360
MIN_SECONDS = 3  # the minimum time of today's reading, kept short for the test
BODY = "\n\n".join(
    f"第{n}段。坚持以人民为中心的发展思想，学思用贯通、知信行统一，把学习成果转化为推动工作的实际行动。"
    for n in range(1, 13)
)


def todays_reading(live_server: LiveServer) -> tuple[int, str]:
    """Today's reading of the demo committee (written here if the demo has none), made short."""
    with live_server.app.app_context():
        session = db.session
        committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
        now = clock.now_utc()
        today = clock.local_date(now, committee.timezone)
        reading = session.scalars(
            select(Reading).where(Reading.committee_id == committee.id, Reading.daily_on == today)
        ).first()
        if reading is None:
            reading = library.create_reading(
                session,
                committee,
                library.ReadingFields(title="每日一读：学思用贯通", body_markdown=BODY),
                by_user_id=None,
                now=now,
                timing=library.StudyTiming(),
            )
            library.schedule_daily(
                session, reading, day=today, timezone=committee.timezone, now=now
            )
        reading.min_seconds = MIN_SECONDS
        session.commit()
        return reading.id, reading.title


def reader_state(live_server: LiveServer, reading_id: int) -> tuple[bool, int]:
    """(studied, total points) of the reader, read from the database."""
    with live_server.app.app_context():
        user = db.session.scalars(select(User).where(User.phone == READER_PHONE)).one()
        receipt = db.session.scalars(
            select(ReadReceipt).where(
                ReadReceipt.reading_id == reading_id, ReadReceipt.user_id == user.id
            )
        ).first()
        points = db.session.scalar(point_queries.total_of(user.id))
        return receipt is not None and receipt.studied_at is not None, points


def test_member_reads_today_to_the_end_and_sees_the_streak(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    reading_id, title = todays_reading(live_server)
    assert reader_state(live_server, reading_id) == (False, 0)
    log_in(page, READER_PHONE, DEMO_PASSWORD)

    # Home: today's reading, not studied yet, the prompt, no streak.
    assert urlsplit(page.url).path == "/"
    today_card = page.locator("#today-reading")
    expect(today_card).to_contain_text(title)
    expect(page.locator("#recharge")).to_be_visible()
    expect(page.locator("#streak")).to_contain_text("0")
    page.screenshot(path=screenshot_dir / f"home-before-{live_server.database}.png", full_page=True)

    with page.expect_navigation():
        today_card.locator("a.today-link").click()
    assert urlsplit(page.url).path == f"/readings/{reading_id}"
    expect(page.locator("main h1")).to_have_text(title)
    # With JavaScript the button waits for the minimum time.
    button = page.locator("#studied-button")
    expect(button).to_be_disabled()
    expect(page.locator("#countdown")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"reading-{live_server.database}.png")

    # Read to the end; after the minimum time the beacon credits the study.
    page.locator("#study").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"reading-end-{live_server.database}.png")
    expect(page.locator("#studied-note")).to_be_visible(timeout=MIN_SECONDS * 1000 + 8000)
    expect(page.locator("#studied-form")).to_be_hidden()
    page.screenshot(path=screenshot_dir / f"reading-studied-{live_server.database}.png")
    assert reader_state(live_server, reading_id) == (True, 1)

    # Home again: studied, the prompt gone, a streak of one day and the point.
    page.goto("/")
    expect(page.locator("#today-studied")).to_be_visible()
    expect(page.locator("#recharge")).to_have_count(0)
    expect(page.locator("#streak")).to_contain_text("1")
    expect(page.locator("#points")).to_contain_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"home-after-{live_server.database}.png", full_page=True)


NO_SCRIPT_PHONE = "13800000033"  # 邓淑珍, 离退休干部党支部


def test_without_javascript_the_button_counts_the_time(browser: Browser, live_server: LiveServer):
    reading_id, title = todays_reading(live_server)
    context = browser.new_context(**PHONE, base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, NO_SCRIPT_PHONE, DEMO_PASSWORD)
        page.goto(f"/readings/{reading_id}")
        expect(page.locator("main h1")).to_have_text(title)
        button = page.locator("#studied-button")
        expect(button).to_be_enabled()  # nothing disables it without the script

        # The server counts the time since the page was opened (too early is refused,
        # see the view tests): wait out the short minimum, then press.
        page.wait_for_timeout(MIN_SECONDS * 1000)
        with page.expect_navigation():
            button.click()
        expect(page.locator(".flash-success")).to_be_visible()
        expect(page.locator("#studied-note")).to_be_visible()
        expect(page.locator("#studied-button")).to_have_count(0)
    finally:
        context.close()
