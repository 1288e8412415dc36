"""Storing a checked import, all or nothing, in batches.

New questions are inserted in batches with their first versions; a changed
question (see ``prepare``) gets the file's content as a new version when
attempts used its current one, or in place when none did — what editing does —
so past attempts keep the version they were given. Categories from the file nest
under the category chosen for the import (the parsers already took off Moodle's
``$course$`` roots); the categories a file declares are created even when none
of its questions is in them. Only the media that stored text shows are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.errors import Conflict
from studyhub.org.auditing import in_committee, record_in
from studyhub.quizzes.importers.model import ParseResult
from studyhub.quizzes.models import Bank, Category, Question, QuestionTag, QuestionVersion
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import media
from studyhub.quizzes.services.imports.matching import BATCH
from studyhub.quizzes.services.imports.prepare import (
    ImportReport,
    PreparedImport,
    PreparedQuestion,
    prepare_import,
)
from studyhub.web.storage import Storage


def import_parse_result(
    session: Session,
    bank: Bank,
    result: ParseResult,
    *,
    category_path: str | Sequence[str] | None,
    skip_invalid: bool,
    now: datetime,
    media_storage: Storage,
    media_url: media.MediaUrl,
    by_user_id: int | None = None,
    file_name: str = "",
    on_progress: Callable[[int], None] | None = None,
    confirm_warnings: bool = False,
) -> ImportReport:
    """Check and store a parsed file (see the module's docstring); returns the report."""
    prepared = prepare_import(session, bank, result, media_url=media_url)
    return store_import(
        session,
        bank,
        prepared,
        category_path=category_path,
        skip_invalid=skip_invalid,
        confirm_warnings=confirm_warnings,
        now=now,
        media_storage=media_storage,
        by_user_id=by_user_id,
        file_name=file_name,
        on_progress=on_progress,
    )


def store_import(
    session: Session,
    bank: Bank,
    prepared: PreparedImport,
    *,
    category_path: str | Sequence[str] | None,
    skip_invalid: bool,
    now: datetime,
    media_storage: Storage,
    by_user_id: int | None = None,
    file_name: str = "",
    on_progress: Callable[[int], None] | None = None,
    confirm_warnings: bool = False,
) -> ImportReport:
    """Store a checked import in batches; nothing when its errors block it (see ``blocks``),
    or when it has warnings the importer did not confirm (``confirm_warnings``).

    A stored import is recorded in the committee's audit log by ``by_user_id`` (None: a
    command), with the file's name and the counts.
    """
    if prepared.blocks(skip_invalid=skip_invalid, confirm_warnings=confirm_warnings):
        return prepared.report(stored=0, is_blocked=True)
    try:
        with session.begin_nested():
            root = bank_service.ensure_category(session, bank, category_path or "")
            category_ids = _CategoryCache(session, bank, root)
            for path in prepared.categories:
                category_ids.get(path)
            files = {f.sha256: f for item in prepared.questions for f in item.media}
            for file in files.values():
                media.store(session, bank, file, storage=media_storage, now=now)
            for batch in _chunks(prepared.questions, BATCH):
                _insert(session, bank, batch, category_ids, by_user_id=by_user_id, now=now)
                if on_progress is not None:
                    on_progress(len(batch))
            for item in prepared.updates:
                question = session.get_one(Question, item.replaces_id)
                bank_service.replace_content(
                    session, bank, question, item.content, by_user_id=by_user_id, now=now
                )
                if item.external_id and not question.external_id:
                    question.external_id = item.external_id
    except IntegrityError:
        raise Conflict(
            _l("Another change to this bank was saved at the same time; import the file again.")
        ) from None
    report = prepared.report(stored=len(prepared.questions), updated=len(prepared.updates))
    record_in(
        session,
        in_committee(session, bank.committee_id),
        "questions.imported",
        actor_id=by_user_id,
        now=now,
        object_type="bank",
        object_id=bank.id,
        summary=f"{bank.name}: {file_name}" if file_name else bank.name,
        details={
            "file": file_name,
            "stored": report.stored,
            "duplicates": report.duplicates,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "warnings": len(report.warnings),
            "skipped": len(report.skipped),
            "errors": len(report.errors),
        },
    )
    return report


class _CategoryCache:
    """Category ids by path (names) under the import's root, created when missing."""

    def __init__(self, session: Session, bank: Bank, root: Category | None) -> None:
        self.session, self.bank, self.root = session, bank, root
        self.ids: dict[tuple[str, ...], int | None] = {(): root.id if root else None}

    def get(self, path: tuple[str, ...]) -> int | None:
        if path not in self.ids:
            category = bank_service.ensure_category(
                self.session, self.bank, list(path), under_category=self.root
            )
            self.ids[path] = category.id if category else None
        return self.ids[path]


def _insert(
    session: Session,
    bank: Bank,
    batch: list[PreparedQuestion],
    categories: _CategoryCache,
    *,
    by_user_id: int | None,
    now: datetime,
) -> None:
    """One batch: the questions, their first versions, the current-version links, the tags."""
    question_ids = session.scalars(
        insert(Question).returning(Question.id, sort_by_parameter_order=True),
        [
            {
                "bank_id": bank.id,
                "category_id": categories.get(item.category_path),
                "qtype": item.content.qtype,
                "title": item.title,
                "external_id": item.external_id,
                "difficulty": item.difficulty,
                "fingerprint": item.fingerprint,
                "is_retired": False,
                "created_by_id": by_user_id,
                "created_at": now,
                "updated_at": now,
            }
            for item in batch
        ],
    ).all()
    version_ids = session.scalars(
        insert(QuestionVersion).returning(QuestionVersion.id, sort_by_parameter_order=True),
        [
            {
                "question_id": question_id,
                "number": 1,
                "stem_html": item.content.stem_html,
                "options": item.content.options,
                "answer": item.content.answer,
                "explanation_html": item.content.explanation_html,
                "model_answer_html": item.content.model_answer_html,
                "rubric": item.content.rubric,
                "match_rules": item.content.match_rules,
                "created_by_id": by_user_id,
                "created_at": now,
            }
            for question_id, item in zip(question_ids, batch, strict=True)
        ],
    ).all()
    session.execute(
        update(Question),
        [
            {"id": question_id, "current_version_id": version_id}
            for question_id, version_id in zip(question_ids, version_ids, strict=True)
        ],
    )
    tags = [
        {"question_id": question_id, "name": name}
        for question_id, item in zip(question_ids, batch, strict=True)
        for name in item.tags
    ]
    if tags:
        session.execute(insert(QuestionTag), tags)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
