"""The meeting pages per role: who sees and does what, check-in through the URL, the print."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.core import clock
from studyhub.meetings.models import Attendance, Meeting, MeetingKind, MeetingState
from studyhub.meetings.services import attendance, records
from studyhub.org.models import Role, RoleAssignment
from tests.conftest import NOW
from tests.meetings.conftest import SECRET, minutes, plan_lesson

PAST = NOW - timedelta(days=3)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """The views' clock at NOW (services get it from the views)."""
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)
    return NOW


def submitted_lesson(session, world, at=PAST):
    meeting = plan_lesson(session, world, at=at, now=at - timedelta(days=7))
    attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=at)
    token = attendance.checkin_token(meeting.id, secret=SECRET, now=at)
    attendance.check_in(session, meeting, world.member_a1.user, token=token, secret=SECRET,
                        now=at, grace=timedelta(minutes=10))  # fmt: skip
    records.record_meeting(session, meeting, minutes(at=at, text="## 纪要正文\n\n认真学习。"),
                           by=world.secretary_a.user, now=at + timedelta(hours=2))  # fmt: skip
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=at + timedelta(hours=2))
    return meeting


def status(client, url: str, method: str = "get", **data) -> int:
    response = client.post(url, data=data) if method == "post" else client.get(url)
    return response.status_code


class TestWhoSeesWhat:
    def test_secretary_of_a_keeps_a_and_never_sees_b(self, session, world, client, login):
        mine = plan_lesson(session, world)
        theirs = plan_lesson(session, world, branch=world.branch_b, by=world.secretary_b)
        login(world.secretary_a.user)
        assert status(client, f"/meetings/branches/{world.branch_a.id}") == 200
        assert status(client, f"/meetings/branches/{world.branch_a.id}/new") == 200
        for url in ("", "/edit", "/record", "/attendance"):
            assert status(client, f"/meetings/{mine.id}{url}") == 200, url
        assert status(client, f"/meetings/branches/{world.branch_b.id}") == 403
        assert status(client, f"/meetings/branches/{world.branch_b.id}/new") == 403
        for url in ("", "/edit", "/record", "/attendance", "/print"):
            assert status(client, f"/meetings/{theirs.id}{url}") == 403, url
        for url in ("/checkin/open", "/submit", "/cancel", "/approve", "/roster"):
            assert status(client, f"/meetings/{theirs.id}{url}", "post", reason="x") == 403, url
        assert session.get(Meeting, theirs.id).state == MeetingState.PLANNED

    def test_branch_committee_members_write_records(self, session, world, client, login, frozen):
        meeting = plan_lesson(session, world)
        login(world.committee_a.user)
        response = client.post(f"/meetings/{meeting.id}/checkin/open")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/checkin/screen")
        assert meeting.checkin_opened_at is not None

    def test_a_member_sees_upcoming_meetings_then_records_once_submitted(
        self, session, world, client, login
    ):
        upcoming = plan_lesson(session, world, title="下周的党课")
        done = submitted_lesson(session, world)
        login(world.member_a2.user)
        index = client.get("/meetings/").text
        assert "下周的党课" in index.split('id="past"')[0]
        assert "学习党的二十届四中全会精神" in index.split('id="past"')[1]

        page = client.get(f"/meetings/{upcoming.id}")
        assert page.status_code == 200
        assert 'id="leave-form"' in page.text
        assert 'id="record"' not in page.text  # no minutes or attendance list yet
        assert 'id="trail"' not in page.text
        assert status(client, f"/meetings/{upcoming.id}/print") == 403

        record = client.get(f"/meetings/{done.id}").text
        assert "纪要正文" in record
        assert 'data-count="expected">5<' in record
        assert status(client, f"/meetings/{done.id}/print") == 200
        for url in ("/edit", "/record", "/attendance"):
            assert status(client, f"/meetings/{upcoming.id}{url}") == 403, url
        assert status(client, f"/meetings/branches/{world.branch_a.id}") == 403
        assert status(client, f"/meetings/{done.id}/approve", "post") == 403
        assert session.get(Meeting, done.id).state == MeetingState.SUBMITTED

    def test_a_held_but_unsubmitted_record_is_a_draft_to_members(
        self, session, world, client, login
    ):
        meeting = plan_lesson(session, world, at=PAST, now=PAST)
        records.record_meeting(session, meeting, minutes(at=PAST, text="草稿内容"),
                               by=world.secretary_a.user, now=NOW)  # fmt: skip
        login(world.member_a1.user)
        page = client.get(f"/meetings/{meeting.id}").text
        assert "草稿内容" not in page

    def test_members_of_other_branches_see_nothing(self, session, world, client, login):
        meeting = submitted_lesson(session, world)
        login(world.member_b.user)
        assert status(client, f"/meetings/{meeting.id}") == 403
        assert status(client, f"/meetings/{meeting.id}/print") == 403
        assert "学习党的二十届四中全会精神" not in client.get("/meetings/").text

    def test_staff_review_but_do_not_write(self, session, world, client, login):
        meeting = submitted_lesson(session, world)
        login(world.staff.user)
        queue = client.get("/meetings/review").text
        waiting = queue.split('id="waiting"')[1].split("</ul>")[0]
        assert f'data-meeting="{meeting.id}"' in waiting
        assert "甲支部" in waiting and "1 of 5 attended" in waiting
        assert status(client, f"/meetings/branches/{world.branch_a.id}") == 200
        page = client.get(f"/meetings/{meeting.id}").text
        assert 'id="approve"' in page and 'id="trail"' in page
        assert 'id="record-link"' not in page
        assert status(client, f"/meetings/{meeting.id}/record") == 403
        assert status(client, f"/meetings/branches/{world.branch_a.id}/new") == 403

    def test_staff_of_another_committee_cannot_review(self, session, world, client, login):
        meeting = submitted_lesson(session, world)
        login(world.other_staff.user)
        assert status(client, f"/meetings/{meeting.id}") == 403
        assert status(client, f"/meetings/{meeting.id}/approve", "post") == 403
        assert status(client, f"/meetings/{meeting.id}/return", "post", reason="x") == 403
        assert f'data-meeting="{meeting.id}"' not in client.get("/meetings/review").text
        assert session.get(Meeting, meeting.id).state == MeetingState.SUBMITTED

    def test_members_have_no_review_queue(self, world, client, login):
        login(world.member_a1.user)
        assert status(client, "/meetings/review") == 403


class TestGroupLeader:
    def test_keeps_the_records_of_their_group_only(self, session, world, client, login, frozen):
        own = plan_lesson(session, world, kind=MeetingKind.GROUP_MEETING, group=world.group_a1)
        other = plan_lesson(session, world, kind=MeetingKind.GROUP_MEETING, group=world.group_a2)
        lesson = plan_lesson(session, world, title="支部党课")
        login(world.leader_a1.user)

        listing = client.get(f"/meetings/branches/{world.branch_a.id}")
        assert listing.status_code == 200
        assert f'data-meeting="{own.id}"' in listing.text
        assert f'data-meeting="{other.id}"' not in listing.text
        assert f'data-meeting="{lesson.id}"' not in listing.text
        assert status(client, f"/meetings/{own.id}/record") == 200
        assert status(client, f"/meetings/{other.id}/record") == 403
        assert status(client, f"/meetings/{other.id}") == 403  # not in that group
        assert status(client, f"/meetings/{lesson.id}") == 200  # a member of the branch
        assert status(client, f"/meetings/{lesson.id}/record") == 403

        form = client.get(f"/meetings/branches/{world.branch_a.id}/new").text
        assert re.findall(r'<option[^>]*value="([a-z_]+)"', form) == ["group_meeting"]
        data = {
            "kind": "group_meeting",
            "group_id": world.group_a1.id,
            "title": "小组学习",
            "planned_at": "2026-11-25T19:00",
        }
        assert (
            client.post(f"/meetings/branches/{world.branch_a.id}/new", data=data).status_code == 302
        )
        refused = client.post(
            f"/meetings/branches/{world.branch_a.id}/new",
            data={**data, "group_id": world.group_a2.id, "title": "别组学习"},
        )
        assert refused.status_code == 200  # not a choice offered
        lesson_post = client.post(
            f"/meetings/branches/{world.branch_a.id}/new", data={**data, "kind": "lesson"}
        )
        assert lesson_post.status_code == 200
        titles = set(session.scalars(select(Meeting.title)))
        assert "小组学习" in titles and "别组学习" not in titles

    def test_staff_appoint_a_group_leader_on_a_group(self, session, world, client, login):
        login(world.staff.user)
        page = client.get(f"/org/units/{world.group_a2.id}").text
        assert 'value="group_leader"' in page
        response = client.post(
            f"/org/units/{world.group_a2.id}/roles",
            data={"member_id": world.member_a2.id, "role": "group_leader"},
        )
        assert response.status_code == 302
        assert session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == world.member_a2.user_id,
                RoleAssignment.role == Role.GROUP_LEADER,
            )
        )
        branch_page = client.get(f"/org/units/{world.branch_a.id}").text
        assert 'value="group_leader"' not in branch_page


class TestPlanAndRecord:
    def test_plan_a_lesson_in_local_time(self, session, world, client, login, frozen):
        login(world.secretary_a.user)
        response = client.post(
            f"/meetings/branches/{world.branch_a.id}/new",
            data={
                "kind": "lesson",
                "group_id": 0,
                "title": "党课：发扬斗争精神",
                "planned_at": "2026-11-25T14:30",
                "place": "一楼报告厅",
                "host_name": "甲书记",
                "recorder_name": "甲委员",
                "lecturer_name": "甲书记",
                "plan_id": 0,
            },
        )
        assert response.status_code == 302
        meeting = session.scalars(
            select(Meeting).where(Meeting.title == "党课：发扬斗争精神")
        ).one()
        assert clock.as_utc(meeting.planned_at).isoformat() == "2026-11-25T06:30:00+00:00"
        assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")

    def test_form_errors_are_shown(self, world, client, login):
        login(world.secretary_a.user)
        response = client.post(
            f"/meetings/branches/{world.branch_a.id}/new",
            data={"kind": "group_meeting", "group_id": 0, "title": "小组会",
                  "planned_at": "2026-11-25T14:30"},
        )  # fmt: skip
        assert response.status_code == 200
        assert "Choose the Party group that meets." in response.text

    def test_record_submit_return_resubmit_approve(self, session, world, client, login, frozen):
        meeting = plan_lesson(session, world, at=PAST, now=PAST)
        login(world.secretary_a.user)
        record = {
            "started_at": "2026-11-17T10:30",
            "ended_at": "2026-11-17T12:00",
            "minutes_markdown": "学习了**全会精神**。",
            "decisions": "撰写心得。",
        }
        assert client.post(f"/meetings/{meeting.id}/record", data=record).status_code == 302
        assert meeting.state == MeetingState.HELD
        assert client.post(f"/meetings/{meeting.id}/submit").status_code == 302
        assert meeting.state == MeetingState.SUBMITTED

        login(world.staff.user)
        empty = client.post(f"/meetings/{meeting.id}/return", data={"return-reason": ""},
                            follow_redirects=True)  # fmt: skip
        assert "Give a reason." in empty.text
        assert meeting.state == MeetingState.SUBMITTED
        client.post(f"/meetings/{meeting.id}/return", data={"return-reason": "请补充讨论情况"})
        assert meeting.state == MeetingState.RETURNED

        login(world.secretary_a.user)
        page = client.get(f"/meetings/{meeting.id}").text
        assert "请补充讨论情况" in page.split('id="state-reason"')[1].split("</p>")[0]
        fixed = {**record, "minutes_markdown": "学习了**全会精神**。\n\n讨论：大家踊跃发言。"}
        client.post(f"/meetings/{meeting.id}/record", data=fixed)
        client.post(f"/meetings/{meeting.id}/submit")
        assert meeting.state == MeetingState.SUBMITTED

        login(world.staff.user)
        client.post(f"/meetings/{meeting.id}/approve")
        assert meeting.state == MeetingState.APPROVED
        page = client.get(f"/meetings/{meeting.id}").text
        trail = page.split('id="trail"')[1]
        assert re.findall(r'data-action="([a-z_]+)"', trail) == [
            "created", "roster_taken", "recorded", "submitted", "returned", "edited",
            "submitted", "approved",
        ]  # fmt: skip
        assert "请补充讨论情况" in trail and "大家踊跃发言" in trail
        assert "<strong>全会精神</strong>" in page

    def test_back_dating_is_visible(self, session, world, client, login, frozen):
        held = NOW - timedelta(days=30)
        meeting = plan_lesson(session, world, at=held, now=NOW)
        records.record_meeting(session, meeting, minutes(at=held), by=world.secretary_a.user,
                               now=NOW)  # fmt: skip
        login(world.staff.user)
        recorded = client.get(f"/meetings/{meeting.id}").text.split('id="recorded-at"')[1]
        assert "30 days after the meeting" in recorded.split("</dd>")[0]
        assert "甲书记" in recorded.split("</dd>")[0]


class TestCheckinThroughTheUrl:
    def open(self, session, world):
        meeting = plan_lesson(session, world, at=NOW + timedelta(minutes=5))
        attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=NOW)
        return meeting

    def test_the_page_shows_a_fresh_code_with_its_url(self, session, world, client, login, frozen):
        meeting = self.open(session, world)
        login(world.secretary_a.user)
        page = client.get(f"/meetings/{meeting.id}/checkin/screen").text
        url = re.search(r'data-checkin-url="([^"]+)"', page).group(1)
        token = attendance.checkin_token(meeting.id, secret=SECRET, now=NOW)
        assert url == f"http://localhost/meetings/{meeting.id}/checkin?t={token}"
        assert '<svg viewBox="' in page
        code = client.get(f"/meetings/{meeting.id}/checkin/code").get_json()
        assert code["url"] == url and code["expected"] == 5 and code["attended"] == 0

    def test_a_member_logs_in_and_checks_in(self, session, world, client, login, frozen, app):
        meeting = self.open(session, world)
        url = f"/meetings/{meeting.id}/checkin?t=" + attendance.checkin_token(
            meeting.id, secret=SECRET, now=NOW
        )
        anonymous = client.get(url)
        assert anonymous.status_code == 302
        assert "/login?next=" in anonymous.headers["Location"]

        login(world.member_a1.user)
        page = client.get(url)
        assert page.status_code == 200 and 'id="checkin-button"' in page.text
        token = re.search(r'name="token"[^>]*value="([^"]+)"', page.text).group(1)
        done = client.post(f"/meetings/{meeting.id}/checkin", data={"token": token})
        assert 'data-status="present"' in done.text
        row = session.scalars(
            select(Attendance).where(
                Attendance.meeting_id == meeting.id,
                Attendance.user_id == world.member_a1.user_id,
            )
        ).one()
        assert row.status.value == "present" and row.method == "qr"
        again = client.get(url)
        assert 'id="checkin-done"' in again.text and 'id="checkin-button"' not in again.text

    def test_refusals_say_why(self, session, world, client, login, frozen, monkeypatch):
        meeting = self.open(session, world)
        other = self.open(session, world)
        token = attendance.checkin_token(meeting.id, secret=SECRET, now=NOW)
        login(world.member_a1.user)
        crossed = client.get(f"/meetings/{other.id}/checkin?t={token}")
        assert crossed.status_code == 400
        assert "This check-in code is for another meeting." in crossed.text
        old = attendance.checkin_token(meeting.id, secret=SECRET, now=NOW - timedelta(minutes=3))
        expired = client.get(f"/meetings/{meeting.id}/checkin?t={old}")
        assert expired.status_code == 409 and "has expired" in expired.text
        login(world.member_b.user)
        outsider = client.post(f"/meetings/{meeting.id}/checkin", data={"token": token})
        assert outsider.status_code == 403 and "not on the list" in outsider.text

    def test_manual_marking_through_the_attendance_page(
        self, session, world, client, login, frozen
    ):
        meeting = self.open(session, world)
        login(world.secretary_a.user)
        page = client.get(f"/meetings/{meeting.id}/attendance").text
        row_id = re.search(rf'id="a(\d+)" data-user="{world.member_a2.user_id}"', page).group(1)
        response = client.post(
            f"/meetings/{meeting.id}/attendance/{row_id}",
            data={"status": "excused", "reason": "出差"},
            follow_redirects=True,
        )
        assert f'data-user="{world.member_a2.user_id}" data-status="excused"' in response.text
        assert 'data-count="excused">1<' in response.text


class TestLeaveThroughThePages:
    def test_ask_then_approve(self, session, world, client, login, frozen):
        meeting = plan_lesson(session, world)
        login(world.member_a2.user)
        response = client.post(f"/meetings/{meeting.id}/leave", data={"leave-reason": "到外地培训"},
                               follow_redirects=True)  # fmt: skip
        assert "Your request for leave is sent to the secretary." in response.text
        assert "到外地培训" in response.text.split('id="my-leave"')[1]

        login(world.secretary_a.user)
        page = client.get(f"/meetings/{meeting.id}").text
        leave_id = re.search(r'data-leave="(\d+)"', page).group(1)
        login(world.member_a1.user)
        assert status(client, f"/meetings/{meeting.id}/leave/{leave_id}", "post",
                      decision="approve") == 403  # fmt: skip
        login(world.secretary_a.user)
        client.post(f"/meetings/{meeting.id}/leave/{leave_id}", data={"decision": "approve"})
        attendance.open_checkin(session, meeting, by=world.secretary_a.user, now=NOW)
        sheet = client.get(f"/meetings/{meeting.id}/attendance").text
        assert f'data-user="{world.member_a2.user_id}" data-status="excused"' in sheet


def test_print_shows_attendance_minutes_and_reasons(session, world, client, login):
    meeting = submitted_lesson(session, world)
    row = session.scalars(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id,
            Attendance.user_id == world.member_a2.user_id,
        )
    ).one()
    row.reason = "病假"  # as the secretary had written before submitting
    session.flush()
    login(world.staff.user)
    page = client.get(f"/meetings/{meeting.id}/print").text
    assert "Branch work record" in page
    assert '<td id="rec-expected">5</td>' in page
    assert '<td id="rec-attended">1</td>' in page
    absentees = page.split('id="rec-absentees">')[1].split("</td>")[0]
    assert "甲党员二（病假）" in absentees
    assert "甲党员一" not in absentees
    assert "纪要正文" in page.split('id="rec-minutes"')[1]
    assert "三楼会议室" in page and "甲委员" in page


def test_branch_page_links_to_meetings(world, client, login):
    login(world.secretary_a.user)
    page = client.get(f"/org/units/{world.branch_a.id}").text
    assert f'href="/meetings/branches/{world.branch_a.id}"' in page


def test_home_shows_upcoming_meetings_to_members(session, world, client, login, frozen):
    plan_lesson(session, world, title="本周党课")
    login(world.member_a1.user)
    home = client.get("/").text
    assert 'id="upcoming-meetings"' in home and "本周党课" in home
    login(world.member_b.user)
    assert "本周党课" not in client.get("/").text
