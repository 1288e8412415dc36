"""The member's shelf and the work record's documents on a 360×740 phone at 200% text.

A member searches the library in Chinese, opens a result, stars it (a toggle button of at
least 44 px whose state is aria-pressed), finds it among their favourites from the account
page and downloads its PDF attachment; a secretary downloads a meeting's work record as
Word; staff see the PDF and its size on the edit page. Every page on the way fits the phone
(the overflow check of test_overflow_e2e.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docx
import pytest
from flask import url_for
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select

from studyhub.accounts.models import User
from studyhub.demo import DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.meetings.models import Meeting, MeetingState
from studyhub.org.models import OrgUnit
from studyhub.readings.models import Favourite, Reading, ReadingAttachment
from tests.e2e.conftest import PHONE, LiveServer, log_in
from tests.e2e.overflow import TEXT_200, overflow_problems

pytestmark = pytest.mark.e2e

MEMBER_PHONE = "13800000003"  # 张伟, a member of 机关第一党支部
SECRETARY_PHONE = "13800000001"  # 王建国, secretary of 机关第一党支部
STAFF_PHONE = "13800000002"  # 李秀英, committee staff
BRANCH = "机关第一党支部"
TAP = 44
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@contextmanager
def large_text_phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone at 200% text, with no cookies."""
    context = browser.new_context(**PHONE, base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    context.add_init_script(TEXT_200)
    try:
        yield context.new_page()
    finally:
        context.close()


def fits(page: Page) -> None:
    problems = overflow_problems(page)
    assert problems == [], f"{page.url}: {problems}"


def tappable(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["width"] >= TAP and box["height"] >= TAP, (selector, box)


def the_reading_with_a_pdf(live_server: LiveServer) -> tuple[int, str, str]:
    """The demo's reading with a PDF, a Chinese word of its title, and the PDF's name.

    The member's star on it, if the demo gave them one, is taken away so the test stars it.
    """
    with live_server.app.app_context():
        item = db.session.scalars(select(ReadingAttachment).order_by(ReadingAttachment.id)).first()
        assert item is not None, "the demo attaches a PDF to a reading"
        reading = db.session.get(Reading, item.reading_id)
        member = db.session.scalars(select(User).where(User.phone == MEMBER_PHONE)).one()
        db.session.execute(
            delete(Favourite).where(
                Favourite.user_id == member.id, Favourite.reading_id == reading.id
            )
        )
        db.session.commit()
        run = max(CJK_RUN.findall(reading.title), key=len)
        return reading.id, run[:4], item.filename


def test_member_searches_stars_finds_in_favourites_and_downloads_the_pdf(
    browser: Browser, live_server: LiveServer, tmp_path: Path, screenshot_dir: Path
):
    reading_id, word, filename = the_reading_with_a_pdf(live_server)
    with large_text_phone(browser, live_server) as page:
        log_in(page, MEMBER_PHONE, DEMO_PASSWORD)

        # The archive (from the reading pages' crumbs) has the search box with a visible label.
        page.goto("/readings/archive")
        fits(page)
        expect(page.locator("label[for=search-q]")).to_have_text("搜索文章")
        page.get_by_label("搜索文章").fill(word)
        with page.expect_navigation():
            page.locator("#reading-search button[type=submit]").click()
        assert "/readings/search" in page.url
        fits(page)
        expect(page.locator("#search-summary")).to_contain_text(word)
        page.screenshot(path=str(screenshot_dir / "shelf-search.png"))
        result = page.locator(f'#search-results a[href="/readings/{reading_id}"]')
        expect(result).to_have_count(1)
        with page.expect_navigation():
            result.click()

        # The star: a toggle button, not yet pressed, at least 44 px.
        star = page.locator("#favourite-toggle")
        expect(star).to_have_attribute("aria-pressed", "false")
        expect(star).to_have_accessible_name(re.compile("收藏"))
        tappable(page, "#favourite-toggle")
        fits(page)
        with page.expect_navigation():
            star.click()
        expect(page.locator("#favourite-toggle")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#favourite-state")).to_have_text("已收藏")
        fits(page)
        page.locator("#favourite").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "shelf-reading-starred.png"))

        # The attachment: its name and its size, as a download.
        attachment = page.locator("#reading-attachments a")
        expect(attachment).to_have_count(1)
        expect(attachment).to_contain_text(filename)
        size = re.compile(r"^\d+(\.\d)? (Bytes|kB|MB)")
        expect(attachment.locator(".file-meta")).to_have_text(size)
        tappable(page, "#reading-attachments a")
        href = attachment.get_attribute("href")

        # Favourites, from the account page 我的.
        page.goto("/account")
        fits(page)
        with page.expect_navigation():
            page.locator("#favourites-menu-link").click()
        assert page.url.endswith("/readings/favourites")
        fits(page)
        first = page.locator("#favourite-items li a").first
        expect(first).to_have_attribute("href", f"/readings/{reading_id}")
        with page.expect_navigation():
            first.click()

        with page.expect_download() as info:
            page.locator("#reading-attachments a").click()
        download = info.value
        assert download.suggested_filename == filename
        saved = tmp_path / "material.pdf"
        download.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF-")

        # The response itself: a PDF, sent as a download.
        response = page.context.request.get(href)
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"].startswith("attachment")
        assert response.body().startswith(b"%PDF-")


def test_secretary_downloads_a_meeting_record_as_word(
    browser: Browser, live_server: LiveServer, tmp_path: Path, screenshot_dir: Path
):
    app = live_server.app
    with app.app_context():
        branch = db.session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        meeting = db.session.scalars(
            select(Meeting)
            .where(Meeting.branch_id == branch.id, Meeting.state == MeetingState.APPROVED)
            .order_by(Meeting.id)
        ).first()
        assert meeting is not None, "the demo has an approved meeting in the branch"
        meeting_id, title = meeting.id, meeting.title
        with app.test_request_context():
            compliance_url = url_for("meetings.branch_compliance", unit_id=branch.id)
    with large_text_phone(browser, live_server) as page:
        log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
        page.goto(f"/meetings/{meeting_id}")
        fits(page)
        group = page.get_by_role("group", name="支部工作记录")
        expect(group.get_by_role("link")).to_have_count(3)
        tappable(page, "#record-docx")
        page.locator("#record-downloads").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "record-downloads.png"))
        with page.expect_download() as info:
            page.locator("#record-docx").click()
        download = info.value
        assert download.suggested_filename.endswith(".docx")
        saved = tmp_path / "record.docx"
        download.save_as(saved)
        data = saved.read_bytes()
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        text += "\n".join(
            cell.text
            for table in docx.Document(io.BytesIO(data)).tables
            for row in table.rows
            for cell in row.cells
        )
        assert "支部工作记录" in text or "工作记录" in text
        assert title in text

        page.goto(f"/meetings/{meeting_id}/print")
        fits(page)
        expect(page.locator("#record-docx")).to_be_visible()
        page.goto(compliance_url)
        fits(page)
        expect(page.locator("#year-downloads a")).to_have_count(3)


def test_staff_see_the_pdf_and_its_size_on_the_edit_page(browser: Browser, live_server: LiveServer):
    with live_server.app.app_context():
        item = db.session.scalars(select(ReadingAttachment).order_by(ReadingAttachment.id)).first()
        assert item is not None
        reading_id, filename = item.reading_id, item.filename
        with live_server.app.test_request_context():
            edit_url = url_for("readings.edit_reading", reading_id=reading_id)
    with large_text_phone(browser, live_server) as page:
        log_in(page, STAFF_PHONE, DEMO_PASSWORD)
        page.goto(edit_url)
        fits(page)
        row = page.locator("#attachments .attachment-list li").first
        expect(row).to_contain_text(filename)
        expect(row.locator(".muted")).to_have_text(re.compile(r"^\d+(\.\d)? (Bytes|kB|MB)$"))
        tappable(page, "#attachments .attachment-list li button")
