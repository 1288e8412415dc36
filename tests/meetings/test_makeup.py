"""补学: tasks for those who missed a lesson or a general meeting, and their completion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from studyhub.core.errors import Closed, Conflict, InvalidInput, NotAllowed
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    MakeupTask,
    MeetingEvent,
    MeetingKind,
)
from studyhub.meetings.services import attendance, makeup, records
from studyhub.notify.models import Message
from studyhub.quizzes.models import Attempt, AttemptState, Quiz, QuizMode
from tests.meetings.conftest import MEETING_AT, minutes, plan_lesson

AFTER = MEETING_AT + timedelta(hours=3)
DUE = MEETING_AT + timedelta(days=14)


def held_lesson(session, world, kind=MeetingKind.LESSON):
    """A lesson where 甲党员一 was absent and 甲党员二 excused; the others present."""
    meeting = plan_lesson(session, world, kind=kind)
    leave = attendance.request_leave(
        session, meeting, world.member_a2.user, reason="出差", now=MEETING_AT - timedelta(days=1)
    )
    attendance.decide_leave(
        session, leave, meeting, approve=True, by=world.secretary_a.user, now=MEETING_AT
    )
    records.record_meeting(session, meeting, minutes(), by=world.secretary_a.user, now=AFTER)
    for member in (world.secretary_a, world.committee_a, world.leader_a1):
        row = session.scalars(
            select(Attendance).where(
                Attendance.meeting_id == meeting.id, Attendance.user_id == member.user_id
            )
        ).one()
        row.status = AttendanceStatus.PRESENT
    session.flush()
    return meeting


def status_of(session, meeting, member):
    return session.execute(
        select(Attendance.status, Attendance.reason).where(
            Attendance.meeting_id == meeting.id, Attendance.user_id == member.user_id
        )
    ).one()


def quiz_of(session, world, pass_percent=60):
    quiz = Quiz(
        committee_id=world.committee.id,
        title="补学小测",
        mode=QuizMode.PRACTICE,
        pass_percent=Decimal(pass_percent),
        created_at=AFTER,
        updated_at=AFTER,
    )
    session.add(quiz)
    session.flush()
    return quiz


def attempt(session, quiz, member, score, at, number=1):
    row = Attempt(
        quiz_id=quiz.id,
        user_id=member.user_id,
        number=number,
        state=AttemptState.SUBMITTED,
        seed=1,
        started_at=at - timedelta(minutes=5),
        submitted_at=at,
        score=Decimal(score),
        max_score=Decimal(10),
    )
    session.add(row)
    session.flush()
    return row


def test_absent_and_excused_members_get_a_task_and_a_message_once(session, world):
    meeting = held_lesson(session, world)

    assert (
        makeup.assign_makeup(
            session, meeting, due_at=DUE, quiz=None, by=world.secretary_a.user, now=AFTER
        )
        == 2
    )
    # Again (a new deadline): nobody new, the open tasks take the deadline.
    later = DUE + timedelta(days=7)
    assert (
        makeup.assign_makeup(
            session, meeting, due_at=later, quiz=None, by=world.secretary_a.user, now=AFTER
        )
        == 0
    )
    tasks = session.scalars(select(MakeupTask).order_by(MakeupTask.user_id)).all()
    assert [t.user_id for t in tasks] == sorted([world.member_a1.user_id, world.member_a2.user_id])
    assert all(t.due_at.replace(tzinfo=None) == later.replace(tzinfo=None) for t in tasks)
    told = session.scalars(select(Message.user_id).where(Message.kind == "makeup_assigned")).all()
    assert sorted(told) == sorted([world.member_a1.user_id, world.member_a2.user_id])


def test_completion_is_makeup_never_attendance(session, world):
    meeting = held_lesson(session, world)
    makeup.assign_makeup(
        session, meeting, due_at=DUE, quiz=None, by=world.secretary_a.user, now=AFTER
    )
    task = session.scalars(
        select(MakeupTask).where(MakeupTask.user_id == world.member_a1.user_id)
    ).one()
    with pytest.raises(NotAllowed):
        makeup.complete_makeup(session, task, world.member_a2.user, now=AFTER)

    makeup.complete_makeup(session, task, world.member_a1.user, now=AFTER + timedelta(days=1))

    assert task.completed_at is not None
    assert status_of(session, meeting, world.member_a1) == (AttendanceStatus.ABSENT, "补学")
    trail = session.scalars(
        select(MeetingEvent).where(
            MeetingEvent.meeting_id == meeting.id, MeetingEvent.action == "made_up"
        )
    ).all()
    assert [e.detail["member_id"] for e in trail] == [world.member_a1.user_id]
    with pytest.raises(Conflict):
        makeup.complete_makeup(session, task, world.member_a1.user, now=AFTER)
    # The excused member's row keeps the leave's reason when they make it up.
    other = session.scalars(
        select(MakeupTask).where(MakeupTask.user_id == world.member_a2.user_id)
    ).one()
    makeup.complete_makeup(session, other, world.member_a2.user, now=AFTER)
    assert status_of(session, meeting, world.member_a2) == (AttendanceStatus.EXCUSED, "出差")


def test_after_the_deadline_it_is_closed(session, world):
    meeting = held_lesson(session, world, kind=MeetingKind.GENERAL_MEETING)
    makeup.assign_makeup(
        session, meeting, due_at=DUE, quiz=None, by=world.secretary_a.user, now=AFTER
    )
    task = session.scalars(
        select(MakeupTask).where(MakeupTask.user_id == world.member_a1.user_id)
    ).one()
    with pytest.raises(Closed):
        makeup.complete_makeup(session, task, world.member_a1.user, now=DUE + timedelta(seconds=1))
    assert task.completed_at is None


def test_with_a_test_it_needs_a_passing_attempt_after_the_assignment(session, world):
    meeting = held_lesson(session, world)
    quiz = quiz_of(session, world)
    makeup.assign_makeup(
        session, meeting, due_at=DUE, quiz=quiz, by=world.secretary_a.user, now=AFTER
    )
    task = session.scalars(
        select(MakeupTask).where(MakeupTask.user_id == world.member_a1.user_id)
    ).one()
    attempt(session, quiz, world.member_a1, 9, AFTER - timedelta(hours=1))  # before: not it
    attempt(session, quiz, world.member_a1, 5, AFTER + timedelta(hours=1), number=2)  # fails
    with pytest.raises(InvalidInput):
        makeup.complete_makeup(session, task, world.member_a1.user, now=AFTER + timedelta(hours=2))
    passed = attempt(session, quiz, world.member_a1, 6, AFTER + timedelta(hours=3), number=3)
    makeup.complete_makeup(session, task, world.member_a1.user, now=AFTER + timedelta(hours=4))
    assert task.attempt_id == passed.id


def test_only_lessons_and_general_meetings_and_after_they_are_held(session, world):
    committee_meeting = plan_lesson(session, world, kind=MeetingKind.COMMITTEE_MEETING)
    with pytest.raises(InvalidInput):
        makeup.assign_makeup(
            session,
            committee_meeting,
            due_at=DUE,
            quiz=None,
            by=world.secretary_a.user,
            now=AFTER,
        )
    planned = plan_lesson(session, world)
    with pytest.raises(Exception):  # noqa: B017 - planned: not yet held
        makeup.assign_makeup(
            session, planned, due_at=DUE, quiz=None, by=world.secretary_a.user, now=AFTER
        )
    held = held_lesson(session, world)
    with pytest.raises(InvalidInput):
        makeup.assign_makeup(
            session, held, due_at=AFTER, quiz=None, by=world.secretary_a.user, now=AFTER
        )
    assert session.scalars(select(MakeupTask)).all() == []


def test_pages_assign_list_and_complete(session, world, client, login):
    meeting = held_lesson(session, world)
    session.commit()
    login(world.secretary_a.user)
    assert "makeup-link" in client.get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True)
    answer = client.post(f"/meetings/{meeting.id}/makeup", data={"due_at": "2026-12-06T18:00"})
    assert answer.status_code == 302
    task = session.scalars(
        select(MakeupTask).where(MakeupTask.user_id == world.member_a1.user_id)
    ).one()
    page = client.get(f"/meetings/{meeting.id}/makeup").get_data(as_text=True)
    assert f'data-user="{world.member_a1.user_id}" data-done="no"' in page

    login(world.member_a1.user)
    assert client.get(f"/meetings/{meeting.id}/makeup").status_code == 403
    assert f'data-task="{task.id}"' in client.get("/meetings/makeup").get_data(as_text=True)
    page = client.get(f"/meetings/makeup/{task.id}").get_data(as_text=True)
    assert "传达学习了全会精神" in page
    assert client.post(f"/meetings/makeup/{task.id}/done").status_code == 302
    session.expire_all()
    assert task.completed_at is not None
    assert status_of(session, meeting, world.member_a1) == (AttendanceStatus.ABSENT, "补学")

    login(world.member_a2.user)
    assert client.get(f"/meetings/makeup/{task.id}").status_code == 404
    assert client.post(f"/meetings/makeup/{task.id}/done").status_code == 404


def test_the_members_history_shows_makeup_beside_the_record(session, world, client, login):
    meeting = held_lesson(session, world)
    makeup.assign_makeup(
        session, meeting, due_at=DUE, quiz=None, by=world.secretary_a.user, now=AFTER
    )
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    task = session.scalars(
        select(MakeupTask).where(MakeupTask.user_id == world.member_a1.user_id)
    ).one()
    makeup.complete_makeup(session, task, world.member_a1.user, now=AFTER)
    session.commit()
    login(world.member_a1.user)
    page = client.get("/meetings/").get_data(as_text=True)
    assert 'data-makeup="done"' in page
    assert "Absent" in page  # still absent: 补学 is not attendance
