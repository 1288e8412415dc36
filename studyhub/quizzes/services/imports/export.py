"""A bank's questions in the XLSX template's layout (importing the file gives them back)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.quizzes import queries
from studyhub.quizzes.importers.model import ParsedOption, ParsedQuestion
from studyhub.quizzes.importers.xlsx import write_questions
from studyhub.quizzes.models import Bank, Category, Question, QuestionTag

BATCH = 500


def export_questions(session: Session, bank: Bank, *, category: Category | None = None) -> bytes:
    """The bank's live questions (or a category subtree's) in the XLSX template's layout.

    Category paths are written from the top of the bank, so importing the file
    into an empty bank gives the same questions in the same categories.
    """
    names = _category_paths(session, bank.id)
    tags: dict[int, list[str]] = {}
    for question_id, name in session.execute(
        select(QuestionTag.question_id, QuestionTag.name)
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id == bank.id)
        .order_by(QuestionTag.question_id, QuestionTag.name)
    ):
        tags.setdefault(question_id, []).append(name)
    stmt = queries.export_rows(bank.id, category.path if category else None).where(
        Question.is_retired.is_(False)
    )

    def rows() -> Iterator[ParsedQuestion]:
        for question, version in session.execute(stmt.execution_options(yield_per=BATCH)):
            yield ParsedQuestion(
                qtype=question.qtype.value,
                stem_html=version.stem_html,
                answer=version.answer,
                title=question.title,
                options=[ParsedOption(o["key"], o["html"]) for o in version.options],
                explanation_html=version.explanation_html,
                category_path=names.get(question.category_id, []),
                difficulty=question.difficulty,
                tags=tags.get(question.id, []),
                external_id=question.external_id,
                model_answer_html=version.model_answer_html or "",
                rubric=version.rubric,
            )

    return write_questions(rows())


def _category_paths(session: Session, bank_id: int) -> dict[int | None, list[str]]:
    categories = list(session.scalars(queries.categories_of(bank_id)))
    by_id = {c.id: c.name for c in categories}
    return {c.id: [by_id[int(part)] for part in c.path.strip("/").split("/")] for c in categories}
