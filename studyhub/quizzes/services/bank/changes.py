"""What a change to a question does to published quizzes: the audit log entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from studyhub.org.auditing import in_committee, record_in
from studyhub.quizzes.models import (
    Bank,
    Category,
    Question,
    QuestionVersion,
    Quiz,
    QuizSlot,
)
from studyhub.quizzes.services.bank.banks import (
    category_names,
)

# Questions ---------------------------------------------------------------------------------
from studyhub.quizzes.services.bank.tags import tags_of


def _audited(session: Session, question: Question, version: QuestionVersion) -> dict[str, Any]:
    """A question's fields as the audit log compares them."""
    category = session.get(Category, question.category_id) if question.category_id else None
    return {
        "type": question.qtype,
        "stem": version.stem_html,
        "options": list(version.options or []),
        "answer": version.answer,
        "explanation": version.explanation_html,
        "model_answer": version.model_answer_html,
        "rubric": version.rubric,
        "match_rules": version.match_rules,
        "version": version.number,
        "title": question.title,
        "category": "/".join(category_names(session, category)) if category else None,
        "difficulty": question.difficulty,
        "tags": tags_of(session, [question.id])[question.id],
    }


def published_quizzes_using(session: Session, question: Question) -> list[Quiz]:
    """The published quizzes that name ``question`` in a slot or may draw it."""
    category_ids: list[int] = []
    if question.category_id is not None:
        category = session.get_one(Category, question.category_id)
        category_ids = [int(part) for part in category.path.strip("/").split("/")]
    draws = and_(
        QuizSlot.question_id.is_(None),
        QuizSlot.bank_id == question.bank_id,
        or_(QuizSlot.qtype.is_(None), QuizSlot.qtype == question.qtype),
        or_(
            QuizSlot.category_id.is_(None),
            QuizSlot.category_id == question.category_id,
            and_(
                QuizSlot.include_subcategories.is_(True),
                QuizSlot.category_id.in_(category_ids),
            ),
        ),
    )
    return list(
        session.scalars(
            select(Quiz)
            .where(
                Quiz.published_at.is_not(None),
                Quiz.id.in_(
                    select(QuizSlot.quiz_id).where(or_(QuizSlot.question_id == question.id, draws))
                ),
            )
            .order_by(Quiz.id)
        )
    )


def _record_change(
    session: Session,
    bank: Bank,
    question: Question,
    changes: dict[str, list[Any]],
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Record a change of a question that published quizzes give (no entry otherwise)."""
    if not changes:
        return
    quizzes = published_quizzes_using(session, question)
    if not quizzes:
        return
    record_in(
        session,
        in_committee(session, bank.committee_id),
        "question.changed",
        actor_id=actor_id,
        now=now,
        object_type="question",
        object_id=question.id,
        summary=f"{bank.name}: {question.title or question.id}",
        changes=changes,
        details={
            "bank": bank.name,
            "quizzes": [quiz.title for quiz in quizzes],
            "quiz_ids": [quiz.id for quiz in quizzes],
        },
    )
