"""Phone journeys: the lead reader shares a reflection with the branch; a secretary hides a
comment and members no longer see it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.org.models import Member, OrgUnit
from studyhub.readings.models import Comment, LeadAssignment, Reading
from studyhub.readings.services import library
from tests.e2e.conftest import PHONE, LiveServer, log_in

pytestmark = pytest.mark.e2e

BRANCH = "机关第一党支部"
SECRETARY_PHONE = "13800000001"  # 王建国, secretary of 机关第一党支部
MATE_PHONE = "13800000004"  # 刘洋, same branch
COMMENTER_PHONE = "13800000005"  # 陈静, same branch
READER_PHONE = "13800000006"  # 杨帆, same branch
STRANGER_PHONE = "13800000017"  # 何俊, 机关第二党支部
PHONE_WIDTH = 360


@contextmanager
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """Another person's phone: a fresh browser context."""
    context = browser.new_context(**PHONE, base_url=live_server.url)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def todays_reading(live_server: LiveServer) -> int:
    """Today's reading of the demo committee (written here if the demo has none)."""
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
                library.ReadingFields(title="每日一读：领读", body_markdown="学习党章，践行初心。"),
                by_user_id=None,
                now=now,
                timing=library.StudyTiming(),
            )
            library.schedule_daily(
                session, reading, day=today, timezone=committee.timezone, now=now
            )
        session.commit()
        return reading.id


def todays_lead(live_server: LiveServer) -> tuple[str, str, int]:
    """(phone, name, assignment id) of the branch's lead reader today, from the demo rota."""
    with live_server.app.app_context():
        session = db.session
        branch = session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        today = clock.local_date(clock.now_utc(), branch.timezone)
        assignment, user = session.execute(
            select(LeadAssignment, User)
            .join(Member, Member.id == LeadAssignment.member_id)
            .join(User, User.id == Member.user_id)
            .where(LeadAssignment.branch_id == branch.id, LeadAssignment.day == today)
        ).one()
        return user.phone, user.name, assignment.id


def stored_reflection(live_server: LiveServer, assignment_id: int) -> str | None:
    with live_server.app.app_context():
        return db.session.get(LeadAssignment, assignment_id).reflection


def test_lead_reader_posts_a_reflection_the_branch_sees(
    page: Page, browser: Browser, live_server: LiveServer, screenshot_dir: Path
):
    reading_id = todays_reading(live_server)
    lead_phone, lead_name, assignment_id = todays_lead(live_server)
    assert lead_phone != MATE_PHONE
    text = f"领读心得（{live_server.database}）：学思用贯通，知信行统一。"

    # The lead reader's home page says so, and links to the reflection form.
    log_in(page, lead_phone, DEMO_PASSWORD)
    duty = page.locator("#lead-duty")
    expect(duty).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    with page.expect_navigation():
        duty.locator("a.button").click()
    assert urlsplit(page.url).path == f"/readings/{reading_id}"
    form = page.locator("#reflection-form")
    expect(form).to_be_visible()
    page.fill("#reflection-input", text)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#reflection-text")).to_have_text(text)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.locator("#reflection").screenshot(
        path=screenshot_dir / f"reflection-lead-{live_server.database}.png"
    )
    assert stored_reflection(live_server, assignment_id) == text

    # A branch-mate sees it under the same reading, without a form.
    with phone(browser, live_server) as mate:
        log_in(mate, MATE_PHONE, DEMO_PASSWORD)
        expect(mate.locator("#lead-duty")).to_have_count(0)
        mate.goto(f"/readings/{reading_id}")
        section = mate.locator("#reflection")
        expect(section).to_contain_text(lead_name)
        expect(mate.locator("#reflection-text")).to_have_text(text)
        expect(mate.locator("#reflection-form")).to_have_count(0)

    # Another branch has its own lead reader; this reflection is not theirs.
    with phone(browser, live_server) as stranger:
        log_in(stranger, STRANGER_PHONE, DEMO_PASSWORD)
        stranger.goto(f"/readings/{reading_id}")
        expect(stranger.locator("main h1")).to_be_visible()
        assert text not in stranger.inner_text("main")


def comment_state(live_server: LiveServer, body: str) -> tuple[str | None, bool]:
    """(who hid the comment, whether it is still stored) for the comment with ``body``."""
    with live_server.app.app_context():
        row = db.session.execute(
            select(Comment, User.name)
            .outerjoin(User, User.id == Comment.hidden_by_id)
            .where(Comment.body == body)
        ).first()
        if row is None:
            return None, False
        return row[1], True


def test_secretary_hides_a_comment_and_members_no_longer_see_it(
    page: Page, browser: Browser, live_server: LiveServer, screenshot_dir: Path
):
    reading_id = todays_reading(live_server)
    body = f"与主题无关的广告 <b>{live_server.database}</b>"

    # A member comments; the HTML in it is shown as typed.
    log_in(page, COMMENTER_PHONE, DEMO_PASSWORD)
    page.goto(f"/readings/{reading_id}")
    page.fill("#comment-input", body)
    with page.expect_navigation():
        page.locator("#comment-form button[type=submit]").click()
    assert urlsplit(page.url).fragment == "comments"
    mine = page.locator(".comment", has_text=body)
    expect(mine).to_have_count(1)
    expect(mine.locator("b")).to_have_count(0)
    expect(mine.locator(".comment-body")).to_have_text(body)

    with phone(browser, live_server) as reader:
        log_in(reader, READER_PHONE, DEMO_PASSWORD)
        reader.goto(f"/readings/{reading_id}")
        expect(reader.locator(".comment", has_text=body)).to_have_count(1)
        # A member may not hide it.
        expect(reader.locator(".comment", has_text=body).locator(".hide-comment")).to_have_count(0)

    # The branch secretary hides it, with a reason.
    with phone(browser, live_server) as secretary:
        log_in(secretary, SECRETARY_PHONE, DEMO_PASSWORD)
        secretary.goto(f"/readings/{reading_id}")
        comment = secretary.locator(".comment", has_text=body)
        comment.locator(".hide-comment summary").click()
        comment.locator("input[name=reason]").fill("广告")
        with secretary.expect_navigation():
            comment.locator(".hide-comment button[type=submit]").click()
        expect(secretary.locator(".flash-success")).to_be_visible()
        hidden = secretary.locator(".comment.is-hidden", has_text=body)
        expect(hidden).to_have_count(1)
        expect(hidden.locator(".hidden-note")).to_contain_text("王建国")
        assert secretary.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
        secretary.locator("#comments").screenshot(
            path=screenshot_dir / f"comment-hidden-{live_server.database}.png"
        )
    assert comment_state(live_server, body) == ("王建国", True)

    # Members see it no more: another member, and the author too.
    with phone(browser, live_server) as reader:
        log_in(reader, READER_PHONE, DEMO_PASSWORD)
        reader.goto(f"/readings/{reading_id}")
        expect(reader.locator("#comments")).to_be_visible()
        assert body not in reader.inner_text("#comments")
    page.goto(f"/readings/{reading_id}")
    expect(page.locator("#comments")).to_be_visible()
    assert body not in page.inner_text("#comments")


def test_secretary_gives_tomorrow_to_another_member_on_a_phone(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
    panel = page.locator("#lead-rota")
    expect(panel).to_contain_text(BRANCH)
    with page.expect_navigation():
        panel.locator("a", has_text=BRANCH).click()
    expect(page.locator("main h1")).to_be_visible()
    days = page.locator(".rota-day")
    expect(days).to_have_count(14)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=screenshot_dir / f"rota-{live_server.database}.png", full_page=True)

    tomorrow = days.nth(1)
    tomorrow.locator(".rota-change summary").click()
    tomorrow.locator("select[name=member_id]").select_option(label="朱婷")
    with page.expect_navigation():
        tomorrow.locator(".rota-reassign button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".rota-day").nth(1).locator(".rota-lead")).to_contain_text("朱婷")
