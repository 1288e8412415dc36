"""Phone journey of a live 党课: a member joins from the home banner, the video plays, they
comment; a second member sees the comment within 3 s; the host hides it and it disappears
for both; after the end the secretary's record shows the member present."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from studyhub.demo.live import VIDEO
from studyhub.extensions import db
from studyhub.live.jobs import write_ended_lessons
from studyhub.live.models import LiveLesson
from studyhub.live.services import lessons
from studyhub.org.models import OrgUnit
from studyhub.web.saving import unit_of_work
from studyhub.web.storage import current_storage
from tests.e2e.conftest import PHONE, LiveServer, log_in, wait_until

pytestmark = pytest.mark.e2e

BRANCH = "机关第一党支部"
SECRETARY_PHONE = "13800000001"  # 王建国, its secretary
STAFF_PHONE = "13800000002"  # 李秀英, committee staff (the host)
VIEWER_PHONE = "13800000004"  # 刘洋
MATE_PHONE = "13800000005"  # 陈静
TEXT = "这一段讲得真好"
VIDEO_JS = "document.getElementById('live-video')"


@contextmanager
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(**PHONE, base_url=live_server.url)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def short_lesson(live_server: LiveServer) -> int:
    """A lesson of the branch on now, two minutes long, with the demo's recording."""
    with live_server.app.app_context():
        session = db.session
        now = clock.now_utc()
        committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
        branch = session.scalars(select(OrgUnit).where(OrgUnit.name == BRANCH)).one()
        staff = session.scalars(select(User).where(User.phone == STAFF_PHONE)).one()
        lesson = lessons.schedule_lesson(
            session,
            committee,
            lessons.LessonFields(
                title="浏览器测试直播党课",
                starts_at=now - timedelta(seconds=5),
                planned_end_at=now + timedelta(minutes=2),
                branches=[branch],
                threshold_percent=5,
            ),
            by=staff,
            now=now,
        )
        data = VIDEO.read_bytes()
        key, mime = lessons.video_key(lesson, data)
        current_storage().save(key, data)
        lessons.attach_video(session, lesson, key=key, mime=mime, now=now)
        session.commit()
        return lesson.id


def end_and_write(live_server: LiveServer, lesson_id: int) -> tuple[int, int]:
    """The host ends the lesson; the end job runs; (the branch meeting, the viewer's id)."""
    # As the scheduler's job runs: one write unit (on SQLite it waits for the write lock
    # while the server finishes the page's last report).
    with live_server.app.app_context(), unit_of_work():
        session = db.session
        lesson = session.get(LiveLesson, lesson_id)
        now = clock.now_utc()
        lessons.end_lesson(session, lesson, now=now)
        write_ended_lessons(session, now=now + timedelta(seconds=1))
        viewer = session.scalars(select(User).where(User.phone == VIEWER_PHONE)).one()
        meeting_id, viewer_id = lesson.invitations[0].meeting_id, viewer.id
    return meeting_id, viewer_id


def test_a_live_lesson_on_the_phone(browser: Browser, live_server: LiveServer):
    lesson_id = short_lesson(live_server)
    with (
        phone(browser, live_server) as viewer,
        phone(browser, live_server) as mate,
        phone(browser, live_server) as host,
    ):
        log_in(viewer, VIEWER_PHONE, DEMO_PASSWORD)
        viewer.goto("/")
        banner = viewer.locator(f"#live-banner a[href='/live/{lesson_id}']")
        expect(banner).to_be_visible()
        banner.click()
        expect(viewer.locator("#live-video")).to_be_visible()
        can_play = viewer.evaluate(f"{VIDEO_JS}.canPlayType('video/mp4; codecs=\"avc1.42E01E\"')")
        if not can_play:
            pytest.skip("this Chromium plays no H.264")
        started = viewer.evaluate(
            f"{VIDEO_JS}.muted = true, {VIDEO_JS}.play().then(() => true, e => String(e))"
        )
        assert started is True, started
        wait_until(viewer, f"{VIDEO_JS}.currentTime > 1")

        log_in(mate, MATE_PHONE, DEMO_PASSWORD)
        mate.goto(f"/live/{lesson_id}")
        log_in(host, STAFF_PHONE, DEMO_PASSWORD)
        host.goto(f"/live/{lesson_id}")

        viewer.fill("#live-comment-body", TEXT)
        viewer.click("#live-comment-form button[type=submit]")
        expect(viewer.locator("#live-comments")).to_contain_text(TEXT, timeout=3000)
        expect(mate.locator("#live-comments")).to_contain_text(TEXT, timeout=3000)
        expect(host.locator("#live-comments")).to_contain_text(TEXT, timeout=3000)

        host.locator("#live-comments li", has_text=TEXT).locator("button").first.click()
        expect(viewer.locator("#live-comments")).not_to_contain_text(TEXT, timeout=3000)
        expect(mate.locator("#live-comments")).not_to_contain_text(TEXT, timeout=3000)

        # The 8-second recording plays to its end; the page reports the seconds watched.
        wait_until(viewer, f"{VIDEO_JS}.ended", timeout=20_000)
        viewer.wait_for_timeout(1500)

    meeting_id, viewer_id = end_and_write(live_server, lesson_id)
    with phone(browser, live_server) as secretary:
        log_in(secretary, SECRETARY_PHONE, DEMO_PASSWORD)
        secretary.goto(f"/meetings/{meeting_id}/attendance")
        row = secretary.locator(f"li[data-user='{viewer_id}']")
        expect(row).to_have_attribute("data-status", "present")
        expect(row).to_contain_text("出席")
