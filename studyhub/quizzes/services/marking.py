"""Marking essays: who may mark, the queue, a mark, and the attempt's grade once all are marked.

An essay answered in an exam waits for a person: at submission its item has no
score and the attempt is ``is_marking_pending`` (no percent, no pass) — the
member and the status pages say "waiting for marking". A marker gives points
per rubric criterion (each from 0 to the criterion's points; the item's score
is their share of the rubric's total times the item's points) or, without a
rubric, points from 0 to the item's points, and an optional comment. When the
attempt's last essay is marked its percent and pass are computed, and the
member is told once. A mark can be changed later (the attempt is recomputed).

Who marks: the quiz committee's staff, every essay; when the quiz allows it
(``branch_marking``), a branch secretary the essays of their branch's members.
Nobody marks their own attempt. Each mark is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput, NotAllowed, NotFound
from studyhub.notify import services as notify
from studyhub.org.access import Grants, can_manage_unit
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import Member, Role
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Question,
    QuestionType,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import grading

FEEDBACK_MAX = 2000


def marker_paths(grants: Grants, quiz: Quiz, committee: Any) -> list[str]:
    """The org paths whose members' essays this user may mark on ``quiz`` (empty: none)."""
    if can_manage_unit(grants, committee):
        return [committee.path]
    if not quiz.branch_marking:
        return []
    return [s.path for s in grants.scopes if s.role == Role.SECRETARY]


def _under(paths: list[str]) -> Any:
    return or_(*(Member.org_path.startswith(path) for path in paths))


def _queue(quiz: Quiz, paths: list[str], *, marker_id: int) -> Select[Any]:
    return (
        select(AttemptItem.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(Question, Question.id == AttemptItem.question_id)
        .join(Member, Member.user_id == Attempt.user_id)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.state == AttemptState.SUBMITTED,
            Attempt.is_marking_pending.is_(True),
            Attempt.user_id != marker_id,
            Question.qtype == QuestionType.ESSAY,
            AttemptItem.response.is_not(None),
            AttemptItem.marked_at.is_(None),
            _under(paths),
        )
    )


def queue_size(session: Session, quiz: Quiz, paths: list[str], *, marker_id: int) -> int:
    if not paths:
        return 0
    sub = _queue(quiz, paths, marker_id=marker_id).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


def next_item(
    session: Session, quiz: Quiz, paths: list[str], *, marker_id: int, after: int = 0
) -> int | None:
    """The next essay to mark (the oldest submission first), skipping up to item ``after``."""
    if not paths:
        return None
    stmt = _queue(quiz, paths, marker_id=marker_id).order_by(AttemptItem.id)
    found = session.scalar(stmt.where(AttemptItem.id > after).limit(1))
    if found is None and after:
        found = session.scalar(stmt.limit(1))  # wrap round to the ones skipped
    return found


@dataclass(frozen=True)
class MarkTarget:
    """An essay as the marker sees it."""

    item: AttemptItem
    attempt: Attempt
    member_name: str
    stem_html: str
    model_answer_html: str
    rubric: list[dict[str, Any]]


def load_target(
    session: Session, quiz: Quiz, item_id: int, paths: list[str], *, marker_id: int
) -> MarkTarget:
    """The essay ``item_id`` of ``quiz`` if this marker may mark it (NotFound/NotAllowed)."""
    item = session.get(AttemptItem, item_id)
    if item is None or item.attempt.quiz_id != quiz.id:
        raise NotFound(_l("This answer does not exist."))
    attempt = item.attempt
    version = item.version
    if QuestionType(version.question.qtype) != QuestionType.ESSAY:
        raise NotFound(_l("This answer does not exist."))
    member = session.scalar(select(Member).where(Member.user_id == attempt.user_id))
    if (
        not paths
        or member is None
        or not any(member.org_path.startswith(p) for p in paths)
        or attempt.user_id == marker_id
    ):
        raise NotAllowed(_l("You may not mark this answer."))
    if attempt.state != AttemptState.SUBMITTED:
        raise NotFound(_l("This answer does not exist."))
    name = session.scalar(select(User.name).where(User.id == attempt.user_id)) or "?"
    return MarkTarget(
        item=item,
        attempt=attempt,
        member_name=name,
        stem_html=version.stem_html,
        model_answer_html=version.model_answer_html or "",
        rubric=list(version.rubric or []),
    )


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_l("Enter the points as a number.")) from None
    if not number.is_finite():
        raise InvalidInput(_l("Enter the points as a number."))
    return number


def score_of(
    rubric: list[dict[str, Any]], points: Decimal, marks: list[Any] | None, total: Any
) -> tuple[Decimal, list[str] | None]:
    """The item's score (four places) and the stored marks per criterion; InvalidInput if any
    mark is outside its range."""
    if rubric:
        if marks is None or len(marks) != len(rubric):
            raise InvalidInput(_l("Give points for every criterion."))
        given = [_decimal(m) for m in marks]
        maximum = [_decimal(row.get("points", 0)) for row in rubric]
        for value, top, row in zip(given, maximum, rubric, strict=True):
            if not Decimal(0) <= value <= top:
                raise InvalidInput(
                    _l(
                        "%(criterion)s: give from 0 to %(points)s points.",
                        criterion=row.get("criterion", ""),
                        points=f"{float(top):g}",
                    )
                )
        whole = sum(maximum, Decimal(0))
        share = Fraction(sum(given, Decimal(0))) / Fraction(whole) if whole else Fraction(0)
        grade = grading.Grade(share)
        return grade.score(points), [str(v) for v in given]
    if total is None or total == "":
        raise InvalidInput(_l("Enter the points."))
    value = _decimal(total)
    if not Decimal(0) <= value <= points:
        raise InvalidInput(_l("Give from 0 to %(points)s points.", points=f"{float(points):g}"))
    return value.quantize(grading.SCORE_PLACES, rounding=ROUND_HALF_UP), None


def mark(
    session: Session,
    target: MarkTarget,
    *,
    marks: list[Any] | None,
    total: Any,
    feedback: str,
    marker_id: int,
    now: datetime,
) -> AttemptItem:
    """Store the mark and comment; recompute the attempt (see the module's docstring)."""
    item = target.item
    feedback = (feedback or "").replace("\r\n", "\n").strip()
    if len(feedback) > FEEDBACK_MAX:
        raise InvalidInput(_l("The comment is too long."))
    score, stored = score_of(target.rubric, item.points, marks, total)
    # Lock the attempt (PostgreSQL): two markers of one attempt's essays, or a regrade,
    # settle its total one after the other.
    session.execute(select(Attempt.id).where(Attempt.id == target.attempt.id).with_for_update())
    before = item.score
    item.score = score
    item.is_correct = score == item.points
    item.criterion_marks = stored
    item.feedback = feedback or None
    item.marked_by_id = marker_id
    item.marked_at = now
    session.flush()
    attempt = target.attempt
    finished = settle(session, attempt)
    quiz = attempt.quiz
    record_in(
        session,
        in_committee(session, quiz.committee_id),
        "quiz.essay_marked",
        actor_id=marker_id,
        now=now,
        object_type="attempt",
        object_id=attempt.id,
        summary=f"{quiz.title}: {target.member_name}",
        changes={"score": [before, score]} if before != score else None,
        details={"quiz": quiz.id, "position": item.position, "marks": stored},
    )
    if finished:
        notify.send(
            session,
            user_id=attempt.user_id,
            kind="quiz_marked",
            subject=str(_l("Your answers in %(quiz)s were marked", quiz=quiz.title)),
            body=str(_l("Your written answers were marked; your result is ready.")),
            link=f"/quizzes/attempts/{attempt.id}/result",
            dedupe_key=f"quiz-marked:{attempt.id}",
            now=now,
            params={"quiz": quiz.title},  # rendered in the reader's language (notify.texts)
        )
    return item


def settle(session: Session, attempt: Attempt) -> bool:
    """Recompute the attempt's score from its items; once nothing waits for marking, its
    percent and pass too. Returns True when this call finished its marking."""
    rows = session.execute(
        select(AttemptItem.score, AttemptItem.points, AttemptItem.response, Question.qtype)
        .join(Question, Question.id == AttemptItem.question_id)
        .where(AttemptItem.attempt_id == attempt.id)
    ).all()
    waiting = any(
        score is None and response is not None and QuestionType(qtype) == QuestionType.ESSAY
        for score, _points, response, qtype in rows
    )
    was_pending = attempt.is_marking_pending
    attempt.score = sum((score or Decimal(0) for score, *_ in rows), Decimal(0))
    attempt.is_marking_pending = waiting
    quiz = attempt.quiz
    if waiting:
        attempt.percent = attempt.is_passed = None
    else:
        attempt.percent = grading.percent_of(attempt.score, attempt.max_score)
        attempt.is_passed = (
            None if quiz.mode == QuizMode.PRACTICE else attempt.percent >= quiz.pass_percent
        )
    session.flush()
    return was_pending and not waiting


def set_branch_marking(
    session: Session, quiz: Quiz, allowed: bool, *, actor_id: int | None, now: datetime
) -> None:
    """Let branch secretaries mark their members' essays on ``quiz`` (or stop them)."""
    if quiz.branch_marking == allowed:
        return
    record_in(
        session,
        in_committee(session, quiz.committee_id),
        "quiz.changed",
        actor_id=actor_id,
        now=now,
        object_type="quiz",
        object_id=quiz.id,
        summary=quiz.title,
        changes={"branch_marking": [quiz.branch_marking, allowed]},
    )
    quiz.branch_marking = allowed
    quiz.updated_at = now
    session.flush()
