"""Matching an import's questions against the bank: by ID column, fingerprint, or stem.

:class:`BankMatcher` loads the bank's candidates in a few batched queries
(:data:`BATCH` values per statement); ``prepare`` decides what each match means.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import DomainError
from studyhub.quizzes.models import Question, QuestionType, QuestionVersion
from studyhub.quizzes.services import content
from studyhub.quizzes.services.content import Content

if TYPE_CHECKING:
    from studyhub.quizzes.services.imports.prepare import PreparedQuestion

BATCH = 500


def stem_key(qtype: str, stem_html: str) -> str:
    """A question's type and stem as compared across imports: the words only."""
    text = unicodedata.normalize("NFKC", content.plain_text(stem_html))
    return hashlib.sha256(f"{qtype}\n{' '.join(text.split()).casefold()}".encode()).hexdigest()


def content_of(question: Question, version: QuestionVersion) -> Content:
    return Content(
        qtype=QuestionType(question.qtype),
        stem_html=version.stem_html,
        options=list(version.options or []),
        answer=version.answer,
        explanation_html=version.explanation_html,
        model_answer_html=version.model_answer_html or "",
        rubric=version.rubric,
        match_rules=version.match_rules,
    )


class BankMatcher:
    """The bank's questions an import's questions may match, loaded in a few queries."""

    def __init__(self, session: Session, bank_id: int, items: list[PreparedQuestion]) -> None:
        self.session = session
        self.bank_id = bank_id
        self.by_fingerprint: dict[str, int] = {}
        fingerprints = [item.fingerprint for item in items]
        for start in range(0, len(fingerprints), BATCH):
            chunk = fingerprints[start : start + BATCH]
            for question_id, digest in session.execute(
                select(Question.id, Question.fingerprint).where(
                    Question.bank_id == bank_id, Question.fingerprint.in_(chunk)
                )
            ):
                self.by_fingerprint[digest] = question_id
        ids = sorted({item.external_id for item in items if item.external_id})
        self.by_external: dict[str, int] = {}
        for start in range(0, len(ids), BATCH):
            for question_id, external_id in session.execute(
                select(Question.id, Question.external_id).where(
                    Question.bank_id == bank_id,
                    Question.external_id.in_(ids[start : start + BATCH]),
                )
            ):
                self.by_external[external_id] = question_id
        self.by_stem: dict[str, list[int]] | None = None

    def _stems(self) -> dict[str, list[int]]:
        if self.by_stem is None:
            self.by_stem = {}
            live = (
                select(Question.id, Question.qtype, QuestionVersion.stem_html)
                .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                .where(Question.bank_id == self.bank_id, Question.is_retired.is_(False))
            )
            for question_id, qtype, stem_html in self.session.execute(live):
                key = stem_key(QuestionType(qtype).value, stem_html)
                self.by_stem.setdefault(key, []).append(question_id)
        return self.by_stem

    def load(self, ids: list[int]) -> dict[int, tuple[Question, QuestionVersion]]:
        """The matched questions with their current versions, by id, in a few queries."""
        found: dict[int, tuple[Question, QuestionVersion]] = {}
        unique = sorted(set(ids))
        for start in range(0, len(unique), BATCH):
            rows = self.session.execute(
                select(Question, QuestionVersion)
                .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                .where(Question.id.in_(unique[start : start + BATCH]))
            )
            for question, version in rows:
                found[question.id] = (question, version)
        return found

    def match(self, item: PreparedQuestion) -> int | None:
        """The id of the bank's question ``item`` matches (None: a new question)."""
        question_id = None
        if item.external_id and item.external_id in self.by_external:
            question_id = self.by_external[item.external_id]
        elif item.fingerprint in self.by_fingerprint:
            question_id = self.by_fingerprint[item.fingerprint]
        else:
            found = self._stems().get(stem_key(item.content.qtype.value, item.content.stem_html))
            if found and len(found) > 1:
                raise DomainError(
                    str(
                        _l(
                            "The bank holds several questions with this text (numbers %(ids)s); "
                            "say which one this row changes with the ID column.",
                            ids=", ".join(map(str, found)),
                        )
                    )
                )
            question_id = found[0] if found else None
        return question_id
