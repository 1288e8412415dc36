"""The reminder of required meetings not yet held: its window, its messages, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from studyhub.meetings import jobs
from studyhub.meetings.models import MeetingKind
from studyhub.meetings.services import records
from studyhub.notify.models import Message
from studyhub.scheduler.registry import find_job
from tests.meetings.conftest import minutes, plan_lesson

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def messages(session, *users):
    return session.execute(
        select(Message.user_id, Message.dedupe_key, Message.subject, Message.body, Message.link)
        .where(Message.user_id.in_([u.user_id for u in users]))
        .order_by(Message.dedupe_key)
    ).all()


def total(session) -> int:
    return session.scalar(select(func.count(Message.id)))


def hold(session, world, kind, at, group=None):
    meeting = plan_lesson(session, world, kind=kind, at=at, group=group, now=at - timedelta(7))
    records.record_meeting(
        session, meeting, minutes(at), by=world.secretary_a.user, now=at + timedelta(hours=2)
    )


def test_nothing_before_the_last_seven_days(session, world):
    assert jobs.remind_missing_meetings(session, now=local(2026, 3, 24, 23, 59)) == 0
    assert total(session) == 0


def test_month_and_quarter_end_remind_each_secretary_once(session, world):
    a, b = world.branch_a, world.branch_b
    hold(session, world, MeetingKind.GROUP_MEETING, local(2026, 3, 10, 19), world.group_a1)
    first_day = local(2026, 3, 25, 9, 10)  # 1 April minus 7 days, in Shanghai

    sent = jobs.remind_missing_meetings(session, now=first_day)

    rows = messages(session, world.secretary_a, world.secretary_b, world.staff, world.member_a1)
    # A: committee meeting (March), group meeting (甲二 only), general meeting, lesson (Q1);
    # B (no groups): three. The office branch has no secretary: nobody to tell.
    assert sent == 7
    assert [(r.user_id, r.dedupe_key) for r in rows] == sorted(
        [
            (world.secretary_a.user_id, f"meeting-missing:{a.id}:committee_meeting:2026-03"),
            (world.secretary_a.user_id, f"meeting-missing:{a.id}:general_meeting:2026Q1"),
            (world.secretary_a.user_id, f"meeting-missing:{a.id}:group_meeting:2026-03"),
            (world.secretary_a.user_id, f"meeting-missing:{a.id}:lesson:2026Q1"),
            (world.secretary_b.user_id, f"meeting-missing:{b.id}:committee_meeting:2026-03"),
            (world.secretary_b.user_id, f"meeting-missing:{b.id}:general_meeting:2026Q1"),
            (world.secretary_b.user_id, f"meeting-missing:{b.id}:lesson:2026Q1"),
        ],
        key=lambda r: r[1],
    )
    group = next(r for r in rows if "group_meeting" in r.dedupe_key)
    assert "甲二小组: held 0, planned 0." in group.body
    assert "甲一小组" not in group.body
    assert "2026-03-31" in group.body
    assert group.subject == "甲支部: no Party group meeting held yet in 2026-03"
    assert group.link == f"/meetings/branches/{a.id}/compliance?year=2026"

    # Again the same day, and late on the last day: nothing new.
    assert jobs.remind_missing_meetings(session, now=first_day + timedelta(hours=1)) == 0
    assert jobs.remind_missing_meetings(session, now=local(2026, 3, 31, 23, 0)) == 0
    assert total(session) == 7


def test_a_late_first_run_still_reminds_once_and_held_meetings_are_not_reminded(session, world):
    hold(session, world, MeetingKind.COMMITTEE_MEETING, local(2026, 4, 8, 9))
    plan_lesson(
        session,
        world,
        kind=MeetingKind.GROUP_MEETING,
        at=local(2026, 4, 30, 19),
        group=world.group_a1,
        now=local(2026, 4, 20),
    )
    late = local(2026, 4, 30, 9, 10)  # the scheduler was down until the last day

    assert jobs.remind_missing_meetings(session, now=late) == 2
    keys = [r.dedupe_key for r in messages(session, world.secretary_a, world.secretary_b)]
    a, b = world.branch_a.id, world.branch_b.id
    # April only (a month, not a quarter end): A's committee meeting is held; its groups'
    # meetings are not (one is planned: still reminded); B's committee meeting is not.
    assert sorted(keys) == sorted(
        [
            f"meeting-missing:{a}:group_meeting:2026-04",
            f"meeting-missing:{b}:committee_meeting:2026-04",
        ]
    )
    assert jobs.remind_missing_meetings(session, now=late + timedelta(hours=5)) == 0
    # Once May begins April is over: no reminder about it any more, nor yet about May.
    assert jobs.remind_missing_meetings(session, now=local(2026, 5, 1, 9, 10)) == 0


def test_the_registered_job_reads_the_configured_days(app, session, world, monkeypatch):
    job = find_job("meetings.remind_missing_meetings", app.config)
    assert job.once_per == "day"
    monkeypatch.setitem(app.config, "MEETING_REMINDER_DAYS_BEFORE", 3)
    assert job.function(session, local(2026, 3, 25, 9, 10), app.config) == 0
    assert job.function(session, local(2026, 3, 29, 9, 10), app.config) == 7
    assert job.function(session, local(2026, 3, 29, 9, 10), app.config) == 0
