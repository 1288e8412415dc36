"""A question's tags: written with commas or 、, at most ten, each short."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput
from studyhub.quizzes.models import (
    Question,
    QuestionTag,
)
from studyhub.quizzes.services.bank.banks import (
    _TAG_SEPARATORS,
    TAG_NAME_MAX,
    TAGS_MAX,
)

# Questions ---------------------------------------------------------------------------------


def split_tags(text: str | None) -> list[str]:
    """Tags typed as one string: separated by commas (either width), 、 or semicolons."""
    return [t.strip() for t in _TAG_SEPARATORS.split(text or "") if t.strip()]


def clean_tags(tags: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(" ".join(t.split()) for t in tags if t and t.strip()))
    if len(names) > TAGS_MAX:
        raise InvalidInput(_l("A question has at most %(n)d tags.", n=TAGS_MAX))
    for name in names:
        if len(name) > TAG_NAME_MAX:
            raise InvalidInput(
                _l(
                    "The tag %(name)s is too long (%(n)d characters at most).",
                    name=name,
                    n=TAG_NAME_MAX,
                )
            )
    return names


def set_tags(session: Session, question: Question, tags: Iterable[str]) -> None:
    names = clean_tags(tags)
    session.execute(delete(QuestionTag).where(QuestionTag.question_id == question.id))
    session.add_all(QuestionTag(question_id=question.id, name=name) for name in names)
    session.flush()


def tags_of(session: Session, question_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tags of each question, by question id (one query)."""
    found: dict[int, list[str]] = {i: [] for i in question_ids}
    if question_ids:
        rows = session.execute(
            select(QuestionTag.question_id, QuestionTag.name)
            .where(QuestionTag.question_id.in_(question_ids))
            .order_by(QuestionTag.question_id, QuestionTag.name)
        )
        for question_id, name in rows:
            found[question_id].append(name)
    return found
