"""补学: members absent from a 党课 or a 支部党员大会 make it up by a deadline.

The secretary assigns the tasks once the meeting is recorded: every member on the
roster who was absent or excused (请假 does not excuse the study) gets one, with the
deadline and, when chosen, a short test. A member completes a task by studying the
meeting's material (its agenda, minutes and attachments) and, when a test is set, by
submitting an attempt of it that passes. Completion shows on the record and in the
member's history as 补学: the attendance row stays absent (or excused), its reason
says 补学 as live lessons' replays do, and the trail says ``made_up``; it never counts
as attendance.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, Conflict, InvalidInput, NotAllowed
from studyhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    MakeupTask,
    Meeting,
    MeetingKind,
    MeetingState,
)
from studyhub.meetings.services.audit import log_event, require_state
from studyhub.notify import services as notify
from studyhub.quizzes.models import Attempt, AttemptState, Quiz

MAKEUP_KINDS = (MeetingKind.LESSON, MeetingKind.GENERAL_MEETING)
MAKEUP_REASON = "补学"  # as live lessons write it (live.services.attendance)
MESSAGE_KIND = "makeup_assigned"  # rendered by meetings.notices.texts
MISSED = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)


def assign_makeup(
    session: Session,
    meeting: Meeting,
    *,
    due_at: datetime,
    quiz: Quiz | None,
    by: User,
    now: datetime,
    email: bool = False,
) -> int:
    """A 补学 task for each member who missed the meeting and has none yet; open tasks take
    the new deadline and test. Returns how many tasks are new; those members are told."""
    if meeting.kind not in MAKEUP_KINDS:
        raise InvalidInput(_l("补学 is for Party lessons and branch general meetings."))
    require_state(
        meeting,
        MeetingState.HELD,
        MeetingState.SUBMITTED,
        MeetingState.RETURNED,
        MeetingState.APPROVED,
    )
    if as_utc(due_at) <= as_utc(now):
        raise InvalidInput(_l("The 补学 deadline must be in the future."))
    if quiz is not None and quiz.committee_id != meeting.committee_id:
        raise InvalidInput(_l("Choose a test of the committee."))
    missed = list(
        session.scalars(
            select(Attendance.user_id).where(
                Attendance.meeting_id == meeting.id, Attendance.status.in_(MISSED)
            )
        )
    )
    tasks = {
        task.user_id: task
        for task in session.scalars(select(MakeupTask).where(MakeupTask.meeting_id == meeting.id))
    }
    new = []
    for user_id in missed:
        task = tasks.get(user_id)
        if task is None:
            task = MakeupTask(
                meeting_id=meeting.id, user_id=user_id, assigned_by_id=by.id, assigned_at=now
            )
            session.add(task)
            new.append(user_id)
        if task.completed_at is None:
            task.due_at = due_at
            task.quiz_id = quiz.id if quiz is not None else None
    session.flush()
    log_event(
        session,
        meeting,
        "makeup_assigned",
        by=by,
        now=now,
        new=len(new),
        due_at=as_utc(due_at).isoformat(),
        quiz_id=quiz.id if quiz is not None else None,
    )
    if new:
        local = as_utc(due_at).astimezone(ZoneInfo(meeting.branch.timezone))
        due_local, due_text = local.strftime("%Y-%m-%dT%H:%M"), local.strftime("%Y-%m-%d %H:%M")
        notify.send_many(
            session,
            new,
            kind=MESSAGE_KIND,
            subject=gettext("补学: %(title)s", title=meeting.title),
            body=gettext(
                "Study the material of the meeting you missed by %(when)s.", when=due_text
            ),
            link="/meetings/makeup",
            dedupe_key=f"makeup:{meeting.id}",
            now=now,
            email=email,
            params={"title": meeting.title, "due": due_local},
        )
    session.flush()
    return len(new)


def passing_attempt(session: Session, task: MakeupTask, quiz: Quiz) -> Attempt | None:
    """The member's best submitted attempt of the task's test since it was assigned, if it
    passes."""
    attempts = session.scalars(
        select(Attempt)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == task.user_id,
            Attempt.state == AttemptState.SUBMITTED,
            Attempt.submitted_at >= task.assigned_at,
        )
        .order_by(Attempt.submitted_at)
    ).all()
    for attempt in attempts:
        score, most = attempt.score, attempt.max_score
        if score is not None and most and score * 100 >= quiz.pass_percent * most:
            return attempt
    return None


def complete_makeup(session: Session, task: MakeupTask, user: User, *, now: datetime) -> None:
    """The member says they have studied the material (and passed the test, if set)."""
    if task.user_id != user.id:
        raise NotAllowed(_l("This 补学 is someone else's."))
    if task.completed_at is not None:
        raise Conflict(_l("This 补学 is done already."))
    if as_utc(now) > as_utc(task.due_at):
        raise Closed(_l("The 补学 deadline has passed; ask your branch secretary."))
    if task.quiz_id is not None:
        quiz = session.get(Quiz, task.quiz_id)
        attempt = passing_attempt(session, task, quiz) if quiz is not None else None
        if quiz is not None and attempt is None:
            raise InvalidInput(_l("Pass the test first, then mark the 补学 done."))
        task.attempt_id = attempt.id if attempt is not None else None
    task.completed_at = now
    meeting = session.get(Meeting, task.meeting_id)
    assert meeting is not None
    row = session.scalars(
        select(Attendance).where(
            Attendance.meeting_id == task.meeting_id, Attendance.user_id == task.user_id
        )
    ).first()
    if row is not None and row.status == AttendanceStatus.ABSENT:
        row.reason = MAKEUP_REASON
        row.updated_at = now
    log_event(session, meeting, "made_up", by=user, now=now, member_id=user.id, task_id=task.id)
    session.flush()
