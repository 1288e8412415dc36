"""On a phone at 360×740: a member finds a meeting invitation in the inbox, opens it and asks
for leave; when the secretary decides, the decision arrives in the inbox too."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import DEMO_PASSWORD
from studyhub.extensions import db
from studyhub.meetings import notices
from studyhub.meetings.models import LeaveRequest, MakeupTask, Meeting, MeetingKind
from studyhub.meetings.services import attendance, records
from studyhub.org.models import OrgUnit
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

BRANCH = "机关第二党支部"
SECRETARY_PHONE = "13800000016"  # 郭玉兰
MEMBER_PHONE = "13800000017"  # 何俊
TOPIC = "组织生活会：对照检查（通知测试）"
REASON = "在外地参加项目评审"


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def user_by_phone(phone: str) -> User:
    return db.session.scalars(select(User).where(User.phone == phone)).one()


def schedule(live_server: LiveServer) -> int:
    """The secretary schedules the meeting; the notices job runs."""
    with live_server.app.app_context():
        session = db.session
        branch = session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        now = clock.now_utc()
        meeting = records.plan_meeting(
            session,
            branch,
            records.MeetingFields(
                kind=MeetingKind.ORG_LIFE,
                title=TOPIC,
                planned_at=now + timedelta(days=2),
                place="机关二楼会议室",
            ),
            by=user_by_phone(SECRETARY_PHONE),
            now=now,
        )
        session.commit()
        notices.send_event_notices(session, now=clock.now_utc())
        session.commit()
        return meeting.id


def approve_leave(live_server: LiveServer, meeting_id: int) -> None:
    with live_server.app.app_context():
        session = db.session
        meeting = session.get(Meeting, meeting_id)
        member = user_by_phone(MEMBER_PHONE)
        leave = session.scalars(
            select(LeaveRequest).where(
                LeaveRequest.meeting_id == meeting_id, LeaveRequest.user_id == member.id
            )
        ).one()
        attendance.decide_leave(
            session,
            leave,
            meeting,
            approve=True,
            by=user_by_phone(SECRETARY_PHONE),
            now=clock.now_utc(),
        )
        session.commit()
        notices.send_event_notices(session, now=clock.now_utc())
        session.commit()


def test_a_member_receives_the_invitation_and_asks_for_leave(
    page: Page, live_server: LiveServer, screenshot_dir: Path
):
    meeting_id = schedule(live_server)

    log_in(page, MEMBER_PHONE, DEMO_PASSWORD)
    page.goto("/inbox")
    invitation = page.locator("ul.inbox li", has_text=TOPIC).first
    expect(invitation).to_contain_text("会议通知")
    fits(page)
    with page.expect_navigation():
        invitation.locator("a").click()
    assert urlsplit(page.url).path == f"/meetings/{meeting_id}"
    fits(page)
    page.fill("#leave-reason", REASON)
    with page.expect_navigation():
        page.click("#ask-leave")
    expect(page.locator("#my-leave")).to_contain_text(REASON)
    fits(page)
    page.screenshot(
        path=screenshot_dir / f"meeting-notice-leave-{live_server.database}.png", full_page=True
    )

    approve_leave(live_server, meeting_id)
    page.goto("/inbox")
    decided = page.locator("ul.inbox li", has_text="请假已批准").first
    expect(decided).to_contain_text(TOPIC)
    fits(page)


def test_the_new_meeting_pages_fit_a_phone(page: Page, live_server: LiveServer):
    """补学, 民主评议 ratings and the branches of a joint meeting at 360 px."""
    with live_server.app.app_context():
        session = db.session
        secretary = user_by_phone(SECRETARY_PHONE)
        branch = session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        review = session.scalars(
            select(Meeting).where(
                Meeting.branch_id == branch.id, Meeting.kind == MeetingKind.DEMOCRATIC_REVIEW
            )
        ).first()
        task = session.scalars(
            select(MakeupTask)
            .join(Meeting, Meeting.id == MakeupTask.meeting_id)
            .where(Meeting.branch_id == branch.id)
        ).first()
        assert review is not None and task is not None
        lesson_id, review_id, task_id = task.meeting_id, review.id, task.id
        member_phone = session.get(User, task.user_id).phone
        assert secretary.phone == SECRETARY_PHONE
    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
    for url in (f"/meetings/{lesson_id}/makeup", f"/meetings/{review_id}/ratings"):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        fits(page)
    expect(page.locator("[data-rating]").first).to_be_attached()
    page.context.clear_cookies()
    log_in(page, member_phone, DEMO_PASSWORD)
    page.goto("/meetings/makeup")
    fits(page)
    page.goto(f"/meetings/makeup/{task_id}")
    expect(page.locator("#makeup-state")).to_be_visible()
    fits(page)
