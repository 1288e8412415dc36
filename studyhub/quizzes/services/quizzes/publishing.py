"""Publishing a quiz, assigning it to units, and who may take it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput, NotAllowed, NotFound
from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Quiz,
    QuizAssignment,
)
from studyhub.quizzes.services.quizzes.common import (
    ancestor_ids,
    max_score,
    question_count,
    record,
    record_change,
)
from studyhub.quizzes.services.quizzes.drawing import slot_problems


def publish_quiz(session: Session, quiz: Quiz, *, actor_id: int | None, now: datetime) -> None:
    """Make the quiz visible to the units it is assigned to; refused while a rule cannot be met."""
    problems = slot_problems(session, quiz)
    if problems:
        raise InvalidInput(" ".join(problems))
    if quiz.published_at is None:
        quiz.published_at = now
        record(
            session,
            quiz,
            "quiz.published",
            actor_id=actor_id,
            now=now,
            changes={"published": [False, True]},
            details={"questions": question_count(quiz), "max_score": max_score(quiz)},
        )
    quiz.updated_at = now
    session.flush()


def unpublish_quiz(session: Session, quiz: Quiz, *, actor_id: int | None, now: datetime) -> None:
    """Hide the quiz from members; attempts in progress can still be finished."""
    if quiz.published_at is not None:
        record(
            session,
            quiz,
            "quiz.unpublished",
            actor_id=actor_id,
            now=now,
            changes={"published": [True, False]},
        )
    quiz.published_at = None
    quiz.updated_at = now
    session.flush()


def assign_quiz(
    session: Session, quiz: Quiz, unit: OrgUnit, *, actor_id: int | None, now: datetime
) -> QuizAssignment:
    """Give the quiz to ``unit`` and everyone under it (once; a repeat changes nothing)."""
    if unit.committee_id != quiz.committee_id:
        raise NotFound(_l("This unit is not in the quiz's committee."))
    found = session.scalar(
        select(QuizAssignment).where(
            QuizAssignment.quiz_id == quiz.id, QuizAssignment.unit_id == unit.id
        )
    )
    if found is not None:
        return found
    assignment = QuizAssignment(quiz_id=quiz.id, unit_id=unit.id, assigned_at=now)
    try:
        with session.begin_nested():
            session.add(assignment)
    except IntegrityError:  # assigned at the same moment by someone else
        return session.scalars(
            select(QuizAssignment).where(
                QuizAssignment.quiz_id == quiz.id, QuizAssignment.unit_id == unit.id
            )
        ).one()
    record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={"assigned_to": unit.name},
    )
    return assignment


def unassign_quiz(
    session: Session, quiz: Quiz, unit_id: int, *, actor_id: int | None, now: datetime
) -> None:
    removed = session.execute(
        delete(QuizAssignment).where(
            QuizAssignment.quiz_id == quiz.id, QuizAssignment.unit_id == unit_id
        )
    ).rowcount
    session.flush()
    if removed and quiz.published_at is not None:
        unit = session.get(OrgUnit, unit_id)
        record(
            session,
            quiz,
            "quiz.changed",
            actor_id=actor_id,
            now=now,
            details={"unassigned_from": unit.name if unit else unit_id},
        )


def taker_for(session: Session, quiz: Quiz, *, user_id: int) -> Member:
    """The user's membership when they may take ``quiz``.

    Someone outside the quiz's committee, or a quiz not published, gets
    :class:`NotFound` (the quiz does not exist for them); a member of the
    committee whose unit it is not assigned to gets :class:`NotAllowed`.
    """
    member = session.scalars(
        select(Member).where(Member.user_id == user_id, Member.is_active.is_(True))
    ).first()
    if member is None or member.committee_id != quiz.committee_id or quiz.published_at is None:
        raise NotFound(_l("This quiz does not exist."))
    if not session.scalar(queries.is_assigned(quiz.id, ancestor_ids(member.org_path))):
        raise NotAllowed(_l("This quiz is not assigned to your branch."))
    return member
