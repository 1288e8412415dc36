"""Queries of the question bank pages: banks, categories, questions, tags, export."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlalchemy import (
    Select,
    func,
    or_,
    select,
)
from sqlalchemy.orm import contains_eager

from studyhub.org.queries import under
from studyhub.quizzes.models import (
    Bank,
    Category,
    Question,
    QuestionMedia,
    QuestionTag,
    QuestionType,
    QuestionVersion,
)


def banks_of(committee_id: int) -> Select[tuple[Bank, int, int]]:
    """The committee's banks by name, with how many questions each holds and how many are live."""
    live = func.count(Question.id).filter(Question.is_retired.is_(False))
    return (
        select(Bank, func.count(Question.id), live)
        .outerjoin(Question, Question.bank_id == Bank.id)
        .where(Bank.committee_id == committee_id)
        .group_by(Bank.id)
        .order_by(Bank.name)
    )


def categories_of(bank_id: int) -> Select[tuple[Category]]:
    return select(Category).where(Category.bank_id == bank_id).order_by(Category.path)


def question_counts_by_category(bank_id: int) -> Select[tuple[int | None, int]]:
    """(category id or None, live questions directly in it) for one bank."""
    return (
        select(Question.category_id, func.count(Question.id))
        .where(Question.bank_id == bank_id, Question.is_retired.is_(False))
        .group_by(Question.category_id)
    )


@dataclass(frozen=True)
class QuestionFilter:
    """What the staff list of a bank's questions is narrowed to (None: any).

    ``text`` matches the title or the stem (as a substring, so Chinese works);
    ``category_path`` takes the category's whole subtree.
    """

    text: str = ""
    category_path: str | None = None
    qtype: QuestionType | None = None
    tag: str | None = None
    difficulty: int | None = None
    is_retired: bool | None = False


def bank_questions(bank_id: int, where: QuestionFilter) -> Select[tuple[Question]]:
    """A bank's questions with their current version and category, newest first."""
    stmt = (
        select(Question)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .outerjoin(Category, Category.id == Question.category_id)
        .options(contains_eager(Question.current_version), contains_eager(Question.category))
        .where(Question.bank_id == bank_id)
    )
    text = " ".join(where.text.split())
    if text:
        stmt = stmt.where(
            or_(
                # stems are stored as HTML, where & < > are entities
                QuestionVersion.stem_html.icontains(escape(text, quote=False), autoescape=True),
                Question.title.icontains(text, autoescape=True),
            )
        )
    if where.category_path is not None:
        stmt = stmt.where(under(Category.path, where.category_path))
    if where.qtype is not None:
        stmt = stmt.where(Question.qtype == where.qtype)
    if where.tag:
        stmt = stmt.where(
            select(QuestionTag.question_id)
            .where(QuestionTag.question_id == Question.id, QuestionTag.name == where.tag)
            .exists()
        )
    if where.difficulty is not None:
        stmt = stmt.where(Question.difficulty == where.difficulty)
    if where.is_retired is not None:
        stmt = stmt.where(Question.is_retired.is_(where.is_retired))
    return stmt.order_by(Question.id.desc())


def bank_tags(bank_id: int) -> Select[tuple[str, int]]:
    """The tags used in a bank, with how many questions carry each, by name."""
    return (
        select(QuestionTag.name, func.count(QuestionTag.question_id))
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id == bank_id)
        .group_by(QuestionTag.name)
        .order_by(QuestionTag.name)
    )


def fingerprints_in(bank_id: int, fingerprints: list[str]) -> Select[tuple[str]]:
    return select(Question.fingerprint).where(
        Question.bank_id == bank_id, Question.fingerprint.in_(fingerprints)
    )


def export_rows(
    bank_id: int, category_path: str | None
) -> Select[tuple[Question, QuestionVersion]]:
    """A bank's questions (or a category subtree's) with their current version, oldest first."""
    stmt = (
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank_id)
        .order_by(Question.id)
    )
    if category_path is not None:
        stmt = stmt.join(Category, Category.id == Question.category_id).where(
            under(Category.path, category_path)
        )
    return stmt


def media_by_name(bank_id: int, stored_name: str) -> Select[tuple[QuestionMedia]]:
    return select(QuestionMedia).where(
        QuestionMedia.bank_id == bank_id, QuestionMedia.stored_name == stored_name
    )


def current_versions(question_ids: list[int]) -> Select[tuple[Question, QuestionVersion]]:
    return (
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(question_ids))
    )
