"""A Party lesson from plan to approved record, on phones at 360×740.

The secretary plans the lesson and opens check-in; one member asks for leave
first; two members scan the QR code's URL (one logs in on the way); the
secretary records and submits; committee staff return it with a reason; the
secretary corrects and resubmits; staff approve; the printed record shows the
attendance and the study evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyhub.core import clock
from studyhub.demo import DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.meetings import queries
from studyhub.meetings.models import Meeting, MeetingState
from studyhub.org.models import OrgUnit
from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
from studyhub.readings.models import Reading
from tests.e2e.conftest import PHONE, LiveServer, log_in

pytestmark = pytest.mark.e2e

BRANCH = "机关第一党支部"
SECRETARY_PHONE = "13800000001"  # 王建国, secretary of 机关第一党支部
STAFF_PHONE = "13800000002"  # 李秀英, committee staff
FIRST_PHONE, FIRST_NAME = "13800000003", "张伟"
SECOND_PHONE, SECOND_NAME = "13800000004", "刘洋"
LEAVE_PHONE, LEAVE_NAME = "13800000005", "陈静"
TOPIC = "党课：学习贯彻全会精神（浏览器测试）"
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


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, page.url


def current_plan(live_server: LiveServer) -> str:
    """The title of a published plan for the branch (one is written when the demo has none)."""
    with live_server.app.app_context():
        session = db.session
        branch = session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        plan = session.scalars(queries.linkable_plans(branch).limit(1)).first()
        if plan is None:
            now = clock.now_utc()
            today = clock.local_date(now, branch.timezone)
            quarter = (today.month - 1) // 3 + 1
            readings = session.scalars(
                select(Reading).where(Reading.committee_id == branch.committee_id).limit(2)
            ).all()
            plan = StudyPlan(
                committee_id=branch.committee_id,
                title=f"{today.year}年第{quarter}季度主题学习",
                year=today.year,
                quarter=quarter,
                starts_on=date(today.year, 3 * quarter - 2, 1),
                due_on=today + timedelta(days=30),
                published_at=now,
                created_at=now,
                updated_at=now,
            )
            plan.materials = [
                PlanMaterial(reading_id=r.id, position=i) for i, r in enumerate(readings)
            ]
            plan.targets = [PlanTarget(unit_id=branch.committee_id)]
            session.add(plan)
            session.commit()
        return plan.title


def meeting_state(live_server: LiveServer, meeting_id: int) -> MeetingState:
    with live_server.app.app_context():
        return db.session.get(Meeting, meeting_id).state


def test_a_lesson_from_plan_to_approved_record(
    page: Page, browser: Browser, live_server: LiveServer, screenshot_dir: Path
):
    db_name = live_server.database
    plan_title = current_plan(live_server)

    # The secretary plans the lesson on a phone, a few minutes from now.
    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#tab-account")
    with page.expect_navigation():
        page.click("#account-menu a[href='/meetings/']")
    with page.expect_navigation():
        page.click(f"#my-branches a:has-text('{BRANCH}')")
    fits(page)
    with page.expect_navigation():
        page.click("#new-meeting")
    fits(page)
    starts = (
        clock.now_utc().astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=5)
    ).strftime("%Y-%m-%dT%H:%M")
    page.select_option("#kind", "lesson")
    page.fill("#title", TOPIC)
    page.fill("#planned_at", starts)
    page.fill("#place", "机关三楼会议室")
    page.fill("#host_name", "王建国")
    page.fill("#lecturer_name", "王建国")
    page.select_option("#plan_id", label=next(
        o for o in page.locator("#plan_id option").all_inner_texts() if plan_title in o
    ))  # fmt: skip
    with page.expect_navigation():
        page.click("#meeting-form button[type=submit]")
    expect(page.locator("#meeting-title")).to_have_text(TOPIC)
    meeting_url = urlsplit(page.url).path
    meeting_id = int(meeting_url.rsplit("/", 1)[1])
    assert page.locator("#meeting-state").get_attribute("data-state") == "planned"
    fits(page)

    # Before check-in opens, a member asks for leave.
    with phone(browser, live_server) as away:
        log_in(away, LEAVE_PHONE, DEMO_PASSWORD)
        away.goto("/meetings/")
        with away.expect_navigation():
            away.click(f"#upcoming a:has-text('{TOPIC}')")
        away.fill("#leave-reason", "到市委党校参加培训")
        with away.expect_navigation():
            away.click("#ask-leave")
        expect(away.locator("#my-leave")).to_contain_text("到市委党校参加培训")
        fits(away)

    # The secretary approves the leave and opens check-in: the QR code appears.
    page.reload()
    leave = page.locator("#leaves li", has_text=LEAVE_NAME)
    with page.expect_navigation():
        leave.locator("button[data-decide=approve]").click()
    with page.expect_navigation():
        page.click("#open-checkin")
    qr = page.locator("#checkin-qr")
    expect(qr.locator("svg")).to_be_visible()
    checkin_url = qr.get_attribute("data-checkin-url")
    assert checkin_url and f"/meetings/{meeting_id}/checkin?t=" in checkin_url
    expect(page.locator("#qr-count [data-count=expected]")).to_have_text("15")
    fits(page)
    page.screenshot(path=screenshot_dir / f"meeting-checkin-{db_name}.png", full_page=True)

    # One member scans while logged out: the login page sends them back to check in.
    with phone(browser, live_server) as first:
        first.goto(checkin_url)
        assert urlsplit(first.url).path == "/login"
        first.fill("input[name=identifier]", FIRST_PHONE)
        first.fill("input[name=password]", DEMO_PASSWORD)
        with first.expect_navigation():
            first.click("main form button[type=submit]")
        assert urlsplit(first.url).path == f"/meetings/{meeting_id}/checkin"
        expect(first.locator("#checkin-meeting")).to_have_text(TOPIC)
        with first.expect_navigation():
            first.click("#checkin-button")
        expect(first.locator("#checkin-done")).to_have_attribute("data-status", "present")
        fits(first)
        first.screenshot(path=screenshot_dir / f"meeting-checked-in-{db_name}.png")
    # Another was logged in already.
    with phone(browser, live_server) as second:
        log_in(second, SECOND_PHONE, DEMO_PASSWORD)
        second.goto(checkin_url)
        with second.expect_navigation():
            second.click("#checkin-button")
        expect(second.locator("#checkin-done")).to_have_attribute("data-status", "present")

    # The secretary sees the count, closes check-in, records the minutes and submits.
    page.goto(meeting_url)
    expect(page.locator("#counts [data-count=attended]")).to_have_text("2")
    expect(page.locator("#counts [data-count=excused]")).to_have_text("1")
    expect(page.locator("#counts [data-count=absent]")).to_have_text("12")
    with page.expect_navigation():
        page.click("#close-checkin")
    with page.expect_navigation():
        page.click("#record-link")
    fits(page)
    page.fill("#minutes_markdown", "## 学习内容\n\n王建国同志讲授党课，传达学习全会精神。")
    page.fill("#decisions", "每名党员撰写一篇学习心得。")
    with page.expect_navigation():
        page.click("#record-form button[type=submit]")
    with page.expect_navigation():
        page.click("#submit-record")
    assert page.locator("#meeting-state").get_attribute("data-state") == "submitted"
    expect(page.locator("#evidence-table")).to_be_visible()

    # Committee staff return it with a reason.
    with phone(browser, live_server) as staff:
        log_in(staff, STAFF_PHONE, DEMO_PASSWORD)
        staff.goto("/meetings/review")
        with staff.expect_navigation():
            staff.click(f"#waiting a:has-text('{TOPIC}')")
        staff.click("#return-details summary")
        staff.fill("#return-reason", "请补充党员讨论发言情况。")
        with staff.expect_navigation():
            staff.click("#return")
        assert meeting_state(live_server, meeting_id) == MeetingState.RETURNED

        # The secretary corrects the record and submits it again.
        page.goto(meeting_url)
        expect(page.locator("#state-reason")).to_contain_text("请补充党员讨论发言情况。")
        with page.expect_navigation():
            page.click("#record-link")
        page.fill(
            "#minutes_markdown",
            "## 学习内容\n\n王建国同志讲授党课，传达学习全会精神。\n\n"
            "## 讨论发言\n\n张伟、刘洋结合岗位谈了体会。",
        )
        with page.expect_navigation():
            page.click("#record-form button[type=submit]")
        with page.expect_navigation():
            page.click("#submit-record")
        assert meeting_state(live_server, meeting_id) == MeetingState.SUBMITTED

        # Staff approve.
        staff.goto(f"/meetings/{meeting_id}")
        expect(staff.locator("#minutes")).to_contain_text("讨论发言")
        with staff.expect_navigation():
            staff.click("#approve")
        assert staff.locator("#meeting-state").get_attribute("data-state") == "approved"
        trail = staff.locator("#trail li[data-action]").evaluate_all(
            "items => items.map(li => li.dataset.action)"
        )
        assert trail[-4:] == ["returned", "edited", "submitted", "approved"]
        staff.screenshot(path=screenshot_dir / f"meeting-approved-{db_name}.png", full_page=True)

    # The printed record: attendance, the absentee on leave with the reason, the evidence.
    page.goto(f"{meeting_url}/print")
    fits(page)
    page.screenshot(path=screenshot_dir / f"meeting-print-{db_name}.png", full_page=True)
    expect(page.locator("#rec-topic")).to_have_text(TOPIC)
    expect(page.locator("#rec-expected")).to_have_text("15")
    expect(page.locator("#rec-attended")).to_have_text("2")
    absentees = page.inner_text("#rec-absentees")
    assert f"{LEAVE_NAME}" in absentees and "到市委党校参加培训" in absentees
    assert FIRST_NAME not in absentees and SECOND_NAME not in absentees
    expect(page.locator("#rec-minutes")).to_contain_text("讨论发言")
    evidence = page.locator("#rec-evidence")
    expect(evidence).to_contain_text(plan_title)
    rows = evidence.locator("tbody tr")
    assert rows.count() == 15
    expect(evidence.locator(f"tbody tr:has-text('{FIRST_NAME}')")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
