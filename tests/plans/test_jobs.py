"""Reminders: before due dates (the job) and by hand, at most once per member, plan and day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import InvalidInput
from studyhub.notify.models import Message
from studyhub.plans import jobs
from studyhub.plans.models import PlanReminder
from studyhub.plans.services import plans, reminders
from studyhub.scheduler.registry import find_job
from studyhub.scheduler.runner import run_job
from tests.conftest import NOW
from tests.plans.plan_helpers import TODAY, attempt, make_exam, make_plan, readings, study


def local_midday(day: date) -> datetime:
    """12:00 in Shanghai on ``day``."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def reminder_rows(session, plan) -> list[tuple[int, date, str]]:
    return list(
        session.execute(
            select(PlanReminder.user_id, PlanReminder.sent_on, PlanReminder.kind)
            .where(PlanReminder.plan_id == plan.id)
            .order_by(PlanReminder.sent_on, PlanReminder.user_id)
        )
    )


def inbox(session, user_id: int, kind: str) -> list[str]:
    return list(
        session.scalars(
            select(Message.subject)
            .where(Message.user_id == user_id, Message.kind == kind)
            .order_by(Message.id)
        )
    )


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def due_plan(session, org):
    """A plan with a test for the whole general branch, due on 2026-11-23."""
    quiz = make_exam(session, org.committee)
    [material] = readings(session, org.committee, 1)
    plan = make_plan(
        session,
        org.committee,
        materials=[material],
        quiz=quiz,
        targets=[org.general],
        due_on=date(2026, 11, 23),
    )
    # The member has finished; the mate studied but has not passed.
    study(session, org.member, material)
    attempt(session, quiz, org.member, 90)
    study(session, org.mate, material)
    return plan


def test_three_days_before_unfinished_members_are_reminded_once(session, org, due_plan):
    now = local_midday(date(2026, 11, 20))

    first = jobs.remind_due_plans(session, now=now, days=[3, 1])
    again = jobs.remind_due_plans(session, now=now + timedelta(hours=3), days=[3, 1])

    unfinished = sorted(m.user_id for m in (org.staff, org.secretary, org.mate, org.other_member))
    assert (first, again) == (4, 0)
    assert reminder_rows(session, due_plan) == [
        (user_id, date(2026, 11, 20), reminders.DUE_SOON) for user_id in unfinished
    ]
    assert inbox(session, org.mate.user_id, reminders.REMINDER_KIND) == [
        "Reminder: “2026年第四季度主题学习” is due on November 23, 2026"
    ]
    assert inbox(session, org.member.user_id, reminders.REMINDER_KIND) == []
    assert inbox(session, org.outsider.user_id, reminders.REMINDER_KIND) == []
    # The secretary's digest names the branch's stragglers (not the member who finished).
    [digest] = session.scalars(
        select(Message).where(
            Message.user_id == org.secretary.user_id, Message.kind == jobs.DIGEST_KIND
        )
    ).all()
    assert digest.subject == "3 members have not finished “2026年第四季度主题学习”"
    assert digest.body.splitlines() == [
        "书记: materials 0/1, test not started",
        "党员乙: materials 1/1, test not started",
        "工作人员: materials 0/1, test not started",
    ]
    assert digest.dedupe_key == f"plan-stragglers:{due_plan.id}:2026-11-20"


def test_nothing_before_the_first_reminder_day_and_one_more_on_the_last(session, org, due_plan):
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 19)), days=[3, 1]) == 0
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 20)), days=[3, 1]) == 4
    # The 21st still belongs to the "3 days before" window: already reminded.
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 21)), days=[3, 1]) == 0
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 22)), days=[3, 1]) == 4
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 22)), days=[3, 1]) == 0
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 24)), days=[3, 1]) == 0
    days = [row[1] for row in reminder_rows(session, due_plan) if row[0] == org.mate.user_id]
    assert days == [date(2026, 11, 20), date(2026, 11, 22)]
    assert len(inbox(session, org.mate.user_id, reminders.REMINDER_KIND)) == 2
    assert len(inbox(session, org.secretary.user_id, jobs.DIGEST_KIND)) == 2


def test_a_late_run_still_reminds_once(session, org, due_plan):
    """The scheduler was down on the 20th: the run of the 21st sends the 3-day reminder."""
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 21)), days=[3, 1]) == 4
    assert jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 21)), days=[3, 1]) == 0
    assert {row[1] for row in reminder_rows(session, due_plan)} == {date(2026, 11, 21)}


def test_days_are_the_committees_local_days(session, org, due_plan):
    """Due on the 23rd: 15:59 UTC on the 20th is 23:59 in Shanghai (3 days before); a minute
    past 16:00 it is the 21st there (still the 3-day window); on the 22nd there, the UTC
    date still being the 21st, the 1-day window opens."""
    late_evening = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)
    after_midnight = datetime(2026, 11, 20, 16, 1, tzinfo=UTC)
    next_day = datetime(2026, 11, 21, 16, 1, tzinfo=UTC)

    assert jobs.remind_due_plans(session, now=late_evening, days=[3, 1]) == 4
    assert jobs.remind_due_plans(session, now=after_midnight, days=[3, 1]) == 0
    assert jobs.remind_due_plans(session, now=next_day, days=[3, 1]) == 4
    mate_days = [row[1] for row in reminder_rows(session, due_plan) if row[0] == org.mate.user_id]
    assert mate_days == [date(2026, 11, 20), date(2026, 11, 22)]


def test_extensions_move_a_members_reminders(session, org, due_plan):
    plans.grant_extension(
        session,
        due_plan,
        branch=org.branch,
        due_on=date(2026, 11, 30),
        reason="集中学习",
        by_user_id=None,
        now=NOW,
    )

    jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 20)), days=[3, 1])
    assert [row[0] for row in reminder_rows(session, due_plan)] == [org.other_member.user_id]

    jobs.remind_due_plans(session, now=local_midday(date(2026, 11, 27)), days=[3, 1])
    reminded_27 = {r[0] for r in reminder_rows(session, due_plan) if r[1] == date(2026, 11, 27)}
    assert reminded_27 == {org.staff.user_id, org.secretary.user_id, org.mate.user_id}


def test_the_registered_job_runs_daily_with_the_configured_days(app, session, org, due_plan):
    job = find_job("plans.remind_due_plans", app.config)
    assert job.once_per == "day"
    assert app.config["PLAN_REMINDER_DAYS"] == [3, 1]

    assert job.function(session, local_midday(date(2026, 11, 20)), app.config) == 4
    assert job.function(session, local_midday(date(2026, 11, 20)), app.config) == 0


# --- by hand ------------------------------------------------------------------------------------


def test_a_manual_reminder_goes_at_most_once_a_day(session, org, due_plan):
    morning = local_midday(TODAY) - timedelta(hours=3)
    wanted = [org.mate.user_id, org.other_member.user_id, org.outsider.user_id]

    first = reminders.remind_members(
        session, due_plan, wanted, by_user_id=org.secretary.user_id, now=morning
    )
    second = reminders.remind_members(
        session,
        due_plan,
        [org.mate.user_id],
        by_user_id=org.secretary.user_id,
        now=morning + timedelta(hours=5),
    )
    tomorrow = reminders.remind_members(
        session,
        due_plan,
        [org.mate.user_id],
        by_user_id=org.staff.user_id,
        now=morning + timedelta(days=1),
    )

    assert first.reminded == sorted([org.mate.user_id, org.other_member.user_id])
    assert first.last_sent == {org.mate.user_id: morning, org.other_member.user_id: morning}
    assert second.reminded == []
    assert second.last_sent == {org.mate.user_id: morning}
    assert tomorrow.reminded == [org.mate.user_id]
    assert tomorrow.last_sent == {org.mate.user_id: morning + timedelta(days=1)}
    assert len(inbox(session, org.mate.user_id, reminders.REMINDER_KIND)) == 2
    assert inbox(session, org.outsider.user_id, reminders.REMINDER_KIND) == []
    by = session.scalars(
        select(PlanReminder.sent_by_id).where(PlanReminder.user_id == org.mate.user_id)
    ).all()
    assert sorted(by) == sorted([org.secretary.user_id, org.staff.user_id])


def test_the_job_skips_members_reminded_by_hand_that_day(session, org, due_plan):
    now = local_midday(date(2026, 11, 20))
    reminders.remind_members(
        session,
        due_plan,
        [org.mate.user_id],
        by_user_id=org.secretary.user_id,
        now=now - timedelta(hours=2),
    )

    assert jobs.remind_due_plans(session, now=now, days=[3, 1]) == 3
    assert len(inbox(session, org.mate.user_id, reminders.REMINDER_KIND)) == 1


def test_manual_reminders_stay_in_the_callers_branch(session, org, due_plan):
    done = reminders.remind_members(
        session,
        due_plan,
        [org.mate.user_id, org.other_member.user_id],
        by_user_id=org.secretary.user_id,
        now=NOW,
        path=org.branch.path,
    )

    assert done.reminded == [org.mate.user_id]


def test_drafts_cannot_be_reminded(session, org):
    draft = make_plan(
        session, org.committee, materials=readings(session, org.committee, 1), publish=False
    )

    with pytest.raises(InvalidInput):
        reminders.remind_members(session, draft, [org.mate.user_id], by_user_id=None, now=NOW)


def test_run_job_twice_in_a_day_records_one_run(app, session, org, due_plan):
    job = find_job("plans.remind_due_plans", app.config)
    now = local_midday(date(2026, 11, 20))

    assert run_job(app, job, now=now).ran
    assert not run_job(app, job, now=now + timedelta(hours=1)).ran
    assert count(session, PlanReminder, PlanReminder.plan_id == due_plan.id) == 4


def test_windows():
    today = date(2026, 11, 20)
    assert jobs.windows([3, 1], today) == {
        date(2026, 11, 20): date(2026, 11, 19),
        date(2026, 11, 21): date(2026, 11, 20),
        date(2026, 11, 22): date(2026, 11, 19),
        date(2026, 11, 23): date(2026, 11, 20),
    }
    assert jobs.windows([], today) == {}


def test_the_job_tells_each_branch_group_once_how_many_have_not_finished(session, org, due_plan):
    from studyhub.notify import services as notify
    from studyhub.notify.models import ChannelDelivery, ChannelKind

    notify.save_channel(
        session,
        org.secretary.branch_id,
        ChannelKind.DINGTALK,
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=t",
        secret="SECx",
        is_active=True,
        by_user_id=None,
        now=NOW,
    )
    now = local_midday(date(2026, 11, 20))
    jobs.remind_due_plans(session, now=now, days=[3, 1])
    jobs.remind_due_plans(session, now=now + timedelta(hours=3), days=[3, 1])
    [post] = session.scalars(select(ChannelDelivery)).all()
    assert post.text == "3 名党员尚未完成学习计划《2026年第四季度主题学习》，请及时完成："
    assert post.dedupe_key == f"plan:{due_plan.id}:2026-11-20"
