"""Meeting notices: each kind sent once, to the right people, with preferences respected."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from studyhub.meetings import notices
from studyhub.meetings.models import MeetingKind, MeetingNotice
from studyhub.meetings.services import attendance, records
from studyhub.notify import services as notify
from studyhub.notify import texts
from studyhub.notify.models import ChannelDelivery, ChannelKind, EmailDelivery, Message
from studyhub.scheduler.registry import find_job
from tests.conftest import NOW
from tests.meetings.conftest import MEETING_AT, minutes, plan_lesson

LATER = NOW + timedelta(minutes=1)


def inbox(session, kind: str) -> list[tuple[int, dict]]:
    return [
        (user_id, params)
        for user_id, params in session.execute(
            select(Message.user_id, Message.params)
            .where(Message.kind == kind)
            .order_by(Message.user_id, Message.id)
        )
    ]


def ids(*members) -> list[int]:
    return sorted(m.user_id for m in members)


def fields_of(meeting):
    return records.MeetingFields(
        kind=meeting.kind,
        title=meeting.title,
        planned_at=meeting.planned_at,
        group=meeting.group,
        place=meeting.place,
        host_name=meeting.host_name,
        recorder_name=meeting.recorder_name,
        lecturer_name=meeting.lecturer_name,
        invitees=meeting.invitees,
        agenda=meeting.agenda,
    )


def robot(session, world):
    return notify.save_channel(
        session,
        world.branch_a.id,
        ChannelKind.WECOM,
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        secret=None,
        is_active=True,
        by_user_id=None,
        now=NOW,
    )


def test_invitation_to_the_roster_once_and_to_the_group_robot(session, world):
    robot(session, world)
    meeting = plan_lesson(session, world)

    sent = notices.send_event_notices(session, now=LATER)

    rows = inbox(session, notices.INVITATION)
    assert sent == 5
    assert [user_id for user_id, _p in rows] == ids(*world.a_members)
    params = rows[0][1]
    assert params["meeting_id"] == meeting.id
    assert params["at"] == "2026-11-22T10:30"  # Shanghai time
    assert params["place"] == "三楼会议室"
    # Once: a second run (or a late one) sends nothing, to members or to the robot.
    assert notices.send_event_notices(session, now=LATER + timedelta(minutes=1)) == 0
    assert len(inbox(session, notices.INVITATION)) == 5
    assert session.scalar(select(func.count(ChannelDelivery.id))) == 1
    text = session.scalar(select(ChannelDelivery.text))
    assert "学习党的二十届四中全会精神" in text


def test_group_meeting_invites_only_its_group(session, world):
    plan_lesson(session, world, kind=MeetingKind.GROUP_MEETING, group=world.group_a1)
    notices.send_event_notices(session, now=LATER)
    assert [u for u, _p in inbox(session, notices.INVITATION)] == ids(
        world.leader_a1, world.member_a1
    )


def test_preferences_turn_a_notice_off_per_channel(session, world):
    notify.set_preferences(session, world.member_a1.user_id, {(notices.INVITATION, "inbox"): False})
    notify.set_preferences(session, world.member_a2.user_id, {(notices.INVITATION, "email"): False})
    for member in world.a_members:
        member.user.email = f"u{member.user_id}@example.org"
    session.flush()
    plan_lesson(session, world)

    notices.send_event_notices(session, now=LATER, email=True)

    told = [u for u, _p in inbox(session, notices.INVITATION)]
    assert world.member_a1.user_id not in told
    assert len(told) == 4
    mailed = set(
        session.scalars(
            select(Message.user_id).join(EmailDelivery, EmailDelivery.message_id == Message.id)
        )
    )
    assert mailed == set(told) - {world.member_a2.user_id}


def test_a_past_meeting_written_after_the_fact_invites_nobody(session, world):
    plan_lesson(session, world, at=NOW - timedelta(days=3))
    assert notices.send_event_notices(session, now=LATER) == 0
    assert inbox(session, notices.INVITATION) == []
    # The event is settled: it is not looked at again.
    assert session.scalar(select(func.count(MeetingNotice.id))) == 1


def test_moving_a_meeting_sends_a_change_notice_with_the_old_time(session, world):
    meeting = plan_lesson(session, world)
    notices.send_event_notices(session, now=LATER)
    later = LATER + timedelta(hours=1)
    records.update_meeting(
        session,
        meeting,
        replace(fields_of(meeting), planned_at=MEETING_AT + timedelta(hours=5)),
        by=world.secretary_a.user,
        now=later,
    )
    # Only the agenda: not news for those invited.
    records.update_meeting(
        session,
        meeting,
        replace(fields_of(meeting), agenda="一、传达学习"),
        by=world.secretary_a.user,
        now=later,
    )

    assert notices.send_event_notices(session, now=later + timedelta(minutes=1)) == 5
    assert notices.send_event_notices(session, now=later + timedelta(minutes=2)) == 0

    rows = inbox(session, notices.CHANGED)
    assert len(rows) == 5
    assert rows[0][1]["at"] == "2026-11-22T15:30"
    assert rows[0][1]["was"] == "2026-11-22T10:30"
    with force_locale("en"):
        subject, body = texts.render(
            session.scalars(select(Message).where(Message.kind == notices.CHANGED)).first()
        )
    assert subject == "Meeting changed: “学习党的二十届四中全会精神”"
    assert "It was on November 22, 2026 10:30." in body


def test_scheduled_then_moved_before_the_job_runs_is_one_invitation(session, world):
    meeting = plan_lesson(session, world)
    records.update_meeting(
        session,
        meeting,
        replace(fields_of(meeting), planned_at=MEETING_AT + timedelta(days=1)),
        by=world.secretary_a.user,
        now=NOW,
    )
    assert notices.send_event_notices(session, now=LATER) == 5
    assert inbox(session, notices.CHANGED) == []
    assert {p["at"] for _u, p in inbox(session, notices.INVITATION)} == {"2026-11-23T10:30"}


def test_cancellation_with_its_reason(session, world):
    robot(session, world)
    meeting = plan_lesson(session, world)
    notices.send_event_notices(session, now=LATER)
    records.cancel_meeting(
        session, meeting, reason="与全市会议冲突", by=world.secretary_a.user, now=LATER
    )

    assert notices.send_event_notices(session, now=LATER + timedelta(minutes=1)) == 5
    rows = inbox(session, notices.CANCELLED)
    assert [u for u, _p in rows] == ids(*world.a_members)
    assert rows[0][1]["reason"] == "与全市会议冲突"
    assert session.scalar(select(func.count(ChannelDelivery.id))) == 2


def test_reminders_the_day_before_and_an_hour_before_once_each(session, world):
    meeting = plan_lesson(session, world)
    leave = attendance.request_leave(
        session, meeting, world.member_a2.user, reason="出差", now=LATER
    )
    attendance.decide_leave(
        session, leave, meeting, approve=True, by=world.secretary_a.user, now=LATER
    )

    assert notices.send_reminders(session, now=MEETING_AT - timedelta(hours=25)) == 0
    day_before = MEETING_AT - timedelta(hours=23)
    assert notices.send_reminders(session, now=day_before) == 4  # not the excused member
    assert notices.send_reminders(session, now=day_before + timedelta(minutes=5)) == 0
    hour_before = MEETING_AT - timedelta(minutes=50)
    assert notices.send_reminders(session, now=hour_before) == 4
    assert notices.send_reminders(session, now=hour_before + timedelta(minutes=5)) == 0
    told = [u for u, _p in inbox(session, notices.REMINDER)]
    assert world.member_a2.user_id not in told
    assert len(told) == 8
    # Started: no more reminders.
    assert notices.send_reminders(session, now=MEETING_AT + timedelta(minutes=1)) == 0


def test_reminder_times_are_configurable_and_late_jobs_send_only_the_nearest(session, world):
    plan_lesson(session, world)
    assert (
        notices.send_reminders(session, now=MEETING_AT - timedelta(minutes=20), before=(1440, 30))
        == 5
    )
    # The day-before one is never sent late after the nearer one.
    assert (
        notices.send_reminders(session, now=MEETING_AT - timedelta(minutes=15), before=(1440, 30))
        == 0
    )
    assert notices.send_reminders(session, now=MEETING_AT - timedelta(minutes=15), before=()) == 0
    keys = set(session.scalars(select(MeetingNotice.key)))
    assert len(keys) == 1 and next(iter(keys)).startswith("reminder:")
    assert ":30:" in next(iter(keys))


def test_a_meeting_scheduled_late_skips_the_reminder_its_invitation_covered(session, world):
    at = NOW + timedelta(hours=3)
    plan_lesson(session, world, at=at)
    assert notices.send_reminders(session, now=NOW + timedelta(minutes=5)) == 0
    assert notices.send_reminders(session, now=at - timedelta(minutes=55)) == 5


def test_a_moved_meeting_is_reminded_again(session, world):
    meeting = plan_lesson(session, world)
    assert notices.send_reminders(session, now=MEETING_AT - timedelta(hours=20)) == 5
    records.update_meeting(
        session,
        meeting,
        replace(fields_of(meeting), planned_at=MEETING_AT + timedelta(hours=2)),
        by=world.secretary_a.user,
        now=MEETING_AT - timedelta(hours=19),
    )
    assert notices.send_reminders(session, now=MEETING_AT - timedelta(hours=18)) == 5


def test_leave_decisions_go_to_the_member_only(session, world):
    meeting = plan_lesson(session, world)
    notices.send_event_notices(session, now=LATER)
    ask = attendance.request_leave(session, meeting, world.member_a1.user, reason="出差", now=LATER)
    other = attendance.request_leave(
        session, meeting, world.member_a2.user, reason="有事", now=LATER
    )
    by = world.secretary_a.user
    attendance.decide_leave(session, ask, meeting, approve=True, by=by, now=LATER)
    attendance.decide_leave(session, other, meeting, approve=False, by=by, now=LATER)

    assert notices.send_event_notices(session, now=LATER + timedelta(minutes=1)) == 2
    rows = inbox(session, notices.LEAVE_DECIDED)
    assert [u for u, _p in rows] == ids(world.member_a1, world.member_a2)
    approved = {u: p["approved"] for u, p in rows}
    assert approved == {world.member_a1.user_id: True, world.member_a2.user_id: False}
    with force_locale("en"):
        subjects = {
            m.user_id: texts.render(m)[0]
            for m in session.scalars(select(Message).where(Message.kind == notices.LEAVE_DECIDED))
        }
    assert subjects[world.member_a2.user_id].endswith("was not approved")


def test_record_returned_to_the_recorder_and_the_secretaries(session, world):
    meeting = plan_lesson(session, world)
    after = MEETING_AT + timedelta(hours=3)
    records.record_meeting(session, meeting, minutes(), by=world.committee_a.user, now=after)
    records.submit_meeting(session, meeting, by=world.committee_a.user, now=after)
    records.return_meeting(
        session, meeting, reason="缺少签到表", by=world.staff.user, now=after + timedelta(hours=1)
    )

    assert notices.send_event_notices(session, now=after + timedelta(hours=2)) == 2
    rows = inbox(session, notices.RECORD_RETURNED)
    assert [u for u, _p in rows] == ids(world.committee_a, world.secretary_a)
    assert rows[0][1]["reason"] == "缺少签到表"
    assert notices.send_event_notices(session, now=after + timedelta(hours=3)) == 0


def submitted(session, world, branch, secretary, at):
    meeting = plan_lesson(
        session, world, branch=branch, by=secretary, at=at, now=at - timedelta(days=5)
    )
    records.record_meeting(
        session, meeting, minutes(at), by=secretary.user, now=at + timedelta(hours=2)
    )
    records.submit_meeting(session, meeting, by=secretary.user, now=at + timedelta(hours=2))
    return meeting


def test_records_waiting_is_one_digest_a_day_per_staff_member(session, world):
    for days in (3, 2):
        submitted(session, world, world.branch_a, world.secretary_a, NOW - timedelta(days=days))
    submitted(session, world, world.branch_b, world.secretary_b, NOW - timedelta(days=1))

    assert notices.send_review_digest(session, now=NOW) == 1
    assert notices.send_review_digest(session, now=NOW + timedelta(hours=3)) == 0
    rows = inbox(session, notices.RECORDS_WAITING)
    assert rows == [(world.staff.user_id, {"count": 3, "oldest": "2026-11-17"})]
    # The next day, still waiting: one more digest. Nobody else's staff is told.
    assert notices.send_review_digest(session, now=NOW + timedelta(days=1)) == 1
    assert {u for u, _p in inbox(session, notices.RECORDS_WAITING)} == {world.staff.user_id}


def test_no_digest_when_nothing_waits(session, world):
    plan_lesson(session, world)
    assert notices.send_review_digest(session, now=NOW) == 0
    assert inbox(session, notices.RECORDS_WAITING) == []


def test_notice_kinds_are_preferences_and_scheduled_jobs(app):
    for kind in notices.NOTICE_KINDS:
        assert kind in notify.REMINDER_KINDS
        assert kind in texts.RENDERERS
    for name in ("meetings.send_notices", "meetings.send_reminders", "meetings.review_digest"):
        assert find_job(name, app.config).name == name


def test_an_invitation_reads_in_chinese_for_a_chinese_reader(session, world):
    plan_lesson(session, world)
    notices.send_event_notices(session, now=LATER)
    message = session.scalars(select(Message).where(Message.kind == notices.INVITATION)).first()
    with force_locale("zh"):
        subject, body = texts.render(message)
    assert subject == "会议通知：党课“学习党的二十届四中全会精神”"
    assert "甲支部，时间：2026年11月22日 10:30。" in body
    assert "地点：三楼会议室" in body
