"""A quiz's slots: fixed questions and random rules, added, removed, listed for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from studyhub.core.errors import Conflict, InvalidInput, NotFound
from studyhub.quizzes.models import (
    Bank,
    Category,
    Question,
    QuestionType,
    Quiz,
    QuizSlot,
)
from studyhub.quizzes.services import content
from studyhub.quizzes.services.quizzes.common import (
    MAX_POINTS,
    MAX_QUESTIONS,
    MAX_RULE_COUNT,
    has_attempts,
    question_count,
    record_change,
)


def _require_editable(session: Session, quiz: Quiz) -> None:
    if has_attempts(session, quiz):
        raise Conflict(_l("Members have started this quiz; its questions can no longer change."))


def _check_points(points: Decimal) -> None:
    if not Decimal(0) < points <= MAX_POINTS:
        raise InvalidInput(_l("Points must be more than 0 and at most %(n)d.", n=MAX_POINTS))


def _bank_of_committee(session: Session, quiz: Quiz, bank_id: int) -> Bank:
    bank = session.get(Bank, bank_id)
    if bank is None or bank.committee_id != quiz.committee_id:
        raise NotFound(_l("This question bank does not exist."))
    return bank


def _next_position(quiz: Quiz) -> int:
    return max((slot.position for slot in quiz.slots), default=0) + 1


def add_question_slot(
    session: Session,
    quiz: Quiz,
    *,
    question_id: int,
    points: Decimal,
    actor_id: int | None,
    now: datetime,
) -> QuizSlot:
    """A fixed slot: question ``question_id`` of one of the committee's banks."""
    _require_editable(session, quiz)
    _check_points(points)
    question = session.get(Question, question_id)
    if question is None:
        raise NotFound(_l("Question %(id)d does not exist.", id=question_id))
    _bank_of_committee(session, quiz, question.bank_id)
    if question.is_retired or question.current_version_id is None:
        raise InvalidInput(_l("Question %(id)d is retired.", id=question_id))
    if any(slot.question_id == question_id for slot in quiz.slots):
        raise Conflict(_l("Question %(id)d is in this quiz already.", id=question_id))
    slot = QuizSlot(position=_next_position(quiz), question_id=question_id, count=1, points=points)
    quiz.slots.append(slot)
    quiz.updated_at = now
    session.flush()
    record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={"added_question": question_id, "points": points},
    )
    return slot


def add_rule_slot(
    session: Session,
    quiz: Quiz,
    *,
    bank_id: int,
    category_id: int | None,
    include_subcategories: bool,
    qtype: QuestionType | None,
    count: int,
    points: Decimal,
    actor_id: int | None,
    now: datetime,
) -> QuizSlot:
    """A random rule: ``count`` questions of the bank (or category), of ``qtype`` if given."""
    _require_editable(session, quiz)
    _check_points(points)
    if not 0 < count <= MAX_RULE_COUNT:
        raise InvalidInput(_l("Draw between 1 and %(n)d questions.", n=MAX_RULE_COUNT))
    if question_count(quiz) + count > MAX_QUESTIONS:
        raise InvalidInput(_l("A quiz has at most %(n)d questions.", n=MAX_QUESTIONS))
    bank = _bank_of_committee(session, quiz, bank_id)
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None or category.bank_id != bank.id:
            raise NotFound(_l("This category is not in the bank."))
    slot = QuizSlot(
        position=_next_position(quiz),
        bank_id=bank.id,
        category_id=category_id,
        include_subcategories=include_subcategories,
        qtype=qtype,
        count=count,
        points=points,
    )
    quiz.slots.append(slot)
    quiz.updated_at = now
    session.flush()
    record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={
            "added_rule": {"bank": bank.id, "category": category_id, "count": count},
            "points": points,
        },
    )
    return slot


def remove_slot(
    session: Session, quiz: Quiz, slot_id: int, *, actor_id: int | None, now: datetime
) -> None:
    """Take a slot out; the ones after it move up."""
    _require_editable(session, quiz)
    slot = next((s for s in quiz.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound(_l("This question is not in the quiz."))
    quiz.slots.remove(slot)
    session.flush()
    # Renumber in two steps so that the unique (quiz, position) never clashes midway.
    for offset, other in enumerate(quiz.slots, start=1):
        other.position = -offset
    session.flush()
    for other in quiz.slots:
        other.position = -other.position
    quiz.updated_at = now
    session.flush()
    record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={"removed_slot": {"question": slot.question_id, "bank": slot.bank_id}},
    )


@dataclass(frozen=True)
class SlotRow:
    """A slot as the staff page lists it."""

    id: int
    position: int
    is_rule: bool
    question_id: int | None
    text: str  # the question's first words, or the rule's bank and category
    qtype: QuestionType | None
    count: int
    points: Decimal


def slot_rows(session: Session, quiz: Quiz) -> list[SlotRow]:
    """The quiz's slots described for staff (three queries whatever their number)."""
    question_ids = [s.question_id for s in quiz.slots if s.question_id is not None]
    questions = {
        q.id: q
        for q in session.scalars(
            select(Question)
            .options(joinedload(Question.current_version))
            .where(Question.id.in_(question_ids))
        )
    }
    banks = {
        b.id: b.name
        for b in session.scalars(
            select(Bank).where(Bank.id.in_({s.bank_id for s in quiz.slots if s.bank_id}))
        )
    }
    categories = {
        c.id: c.name
        for c in session.scalars(
            select(Category).where(
                Category.id.in_({s.category_id for s in quiz.slots if s.category_id})
            )
        )
    }
    rows = []
    for slot in quiz.slots:
        if slot.question_id is not None:
            question = questions.get(slot.question_id)
            version = question.current_version if question is not None else None
            text = content.first_words(version.stem_html) if version is not None else "?"
            qtype = question.qtype if question is not None else None
        else:
            text = banks.get(slot.bank_id or 0, "?")
            if slot.category_id is not None:
                text += " › " + categories.get(slot.category_id, "?")
                if slot.include_subcategories:
                    text += " " + str(_l("(with subcategories)"))
            qtype = slot.qtype
        rows.append(
            SlotRow(
                id=slot.id,
                position=slot.position,
                is_rule=slot.question_id is None,
                question_id=slot.question_id,
                text=text,
                qtype=qtype,
                count=slot.count,
                points=slot.points,
            )
        )
    return rows
