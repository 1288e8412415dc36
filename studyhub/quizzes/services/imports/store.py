"""Storing what an importer parsed, all or nothing, and exporting a bank to the XLSX template.

An import is checked whole before anything is written (:func:`prepare_import`):
each question's HTML is sanitised with its media links pointing at the media
page, then checked by the same rules as a question staff write; identical
questions are counted as duplicates, whether they repeat one earlier in the file
or one the bank already holds. When anything is invalid nothing is stored,
unless the caller asks to skip invalid questions (:func:`store_import`).
Questions of types we do not support come through as skipped, never dropped.

Categories from the file nest under the category chosen for the import (the
parsers already took off Moodle's ``$course$`` roots); the categories a file
declares are created even when none of its questions of our types is in them.
Only the media that the stored text shows (stem, options, explanation) are kept;
a link to a sound becomes a player.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.errors import Conflict, DomainError
from studyhub.org.auditing import in_committee, record_in
from studyhub.quizzes import queries
from studyhub.quizzes.importers.model import (
    MEDIA_SCHEME,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    Problem,
    Skipped,
)
from studyhub.quizzes.importers.xlsx import write_questions
from studyhub.quizzes.models import (
    Bank,
    Category,
    Question,
    QuestionTag,
    QuestionType,
    QuestionVersion,
)
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import content, media
from studyhub.quizzes.services.content import Content
from studyhub.web.storage import Storage

BATCH = 500
_MEDIA_REF = re.compile(re.escape(MEDIA_SCHEME) + r"""[^"'\s<>]*""")
_AUDIO_LINK = re.compile(
    r"""<a\b[^>]*\bhref=(["'])(?P<ref>""" + re.escape(MEDIA_SCHEME) + r"""[^"']*)\1[^>]*>.*?</a>""",
    re.S | re.I,
)


@dataclass
class ImportReport:
    """What an import did: ``stored`` and ``duplicates`` are counts; ``skipped`` lists the
    questions of other types, ``errors`` the invalid ones (line 0: the file as a whole).
    """

    stored: int = 0
    duplicates: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    is_blocked: bool = False  # the errors stopped the import: nothing was stored

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "errors": self.errors,
        }


@dataclass(frozen=True)
class PreparedQuestion:
    """A parsed question as it will be stored."""

    line: int
    title: str | None
    content: Content
    fingerprint: str
    category_path: tuple[str, ...]
    difficulty: int | None
    tags: list[str]
    media: list[media.MediaFile]


@dataclass
class PreparedImport:
    """A checked import: the new questions to store and everything the report will say."""

    questions: list[PreparedQuestion]
    duplicates: int
    skipped: list[Skipped]
    errors: list[Problem]
    categories: list[tuple[str, ...]]

    @property
    def is_blocked(self) -> bool:
        """Whether errors stop the import unless invalid questions are skipped."""
        return bool(self.errors)

    def blocks(self, *, skip_invalid: bool) -> bool:
        """Whether nothing may be stored: an invalid question (unless skipped), or an
        unreadable file (line 0), which skipping cannot help.
        """
        if skip_invalid:
            return any(problem.line == 0 for problem in self.errors)
        return self.is_blocked

    def report(self, stored: int, *, is_blocked: bool = False) -> ImportReport:
        return ImportReport(
            is_blocked=is_blocked,
            stored=stored,
            duplicates=self.duplicates,
            skipped=[{"name": s.name, "type": s.qtype, "line": s.line} for s in self.skipped],
            errors=[{"line": p.line, "message": p.message} for p in self.errors],
        )


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
) -> ImportReport:
    """Check and store a parsed file (see the module's docstring); returns the report."""
    prepared = prepare_import(session, bank, result, media_url=media_url)
    return store_import(
        session,
        bank,
        prepared,
        category_path=category_path,
        skip_invalid=skip_invalid,
        now=now,
        media_storage=media_storage,
        by_user_id=by_user_id,
        file_name=file_name,
        on_progress=on_progress,
    )


def prepare_import(
    session: Session, bank: Bank, result: ParseResult, *, media_url: media.MediaUrl
) -> PreparedImport:
    """Check every question of ``result`` against the rules and the bank; writes nothing."""
    errors = list(result.errors)
    valid: list[PreparedQuestion] = []
    for parsed in result.questions:
        try:
            valid.append(_prepare(bank.id, parsed, media_url))
        except DomainError as exc:
            errors.append(Problem(parsed.line, str(exc)))
    seen: set[str] = set()
    unique = []
    for item in valid:
        if item.fingerprint not in seen:
            seen.add(item.fingerprint)
            unique.append(item)
    held: set[str] = set()
    for chunk in _chunks([item.fingerprint for item in unique], BATCH):
        held.update(session.scalars(queries.fingerprints_in(bank.id, chunk)))
    new = [item for item in unique if item.fingerprint not in held]
    categories = list(dict.fromkeys([c.path for c in result.categories if c.path]))
    errors.sort(key=lambda problem: problem.line)
    return PreparedImport(
        questions=new,
        duplicates=len(valid) - len(new),
        skipped=sorted(result.skipped, key=lambda s: s.line),
        errors=errors,
        categories=categories,
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
) -> ImportReport:
    """Store a checked import in batches; nothing when its errors block it (see ``blocks``).

    A stored import is recorded in the committee's audit log by ``by_user_id`` (None: a
    command), with the file's name and the counts.
    """
    if prepared.blocks(skip_invalid=skip_invalid):
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
    except IntegrityError:
        raise Conflict(
            _l("Another change to this bank was saved at the same time; import the file again.")
        ) from None
    report = prepared.report(stored=len(prepared.questions))
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


def _prepare(bank_id: int, parsed: ParsedQuestion, media_url: media.MediaUrl) -> PreparedQuestion:
    """One parsed question as stored content, or :class:`DomainError` saying what is wrong."""
    name = parsed.title or content.first_words(parsed.stem_html) or _l("(no text)")
    files = _Media(bank_id, parsed, media_url)
    qtype = QuestionType(parsed.qtype)
    built = Content(
        qtype=qtype,
        stem_html=files.resolve(parsed.stem_html, name),
        options=[
            {"key": option.key, "html": files.resolve(option.html, name)}
            for option in parsed.options
        ],
        answer=content.normalise_answer(qtype, parsed.answer),
        explanation_html=files.resolve(parsed.explanation_html, name),
    )
    messages = content.problems(built)
    if messages:
        raise DomainError(f"“{name}”: " + " ".join(messages))
    if parsed.difficulty is not None and parsed.difficulty not in bank_service.DIFFICULTIES:
        raise DomainError(f"“{name}”: " + str(_l("Difficulty runs from 1 (easy) to 5 (hard).")))
    try:
        tags = bank_service.clean_tags(parsed.tags)
    except DomainError as exc:
        raise DomainError(f"“{name}”: {exc}") from None
    title = " ".join((parsed.title or "").split())[: bank_service.TITLE_MAX] or None
    return PreparedQuestion(
        line=parsed.line,
        title=title,
        content=built,
        fingerprint=built.fingerprint(),
        category_path=tuple(bank_service.split_path(parsed.category_path)),
        difficulty=parsed.difficulty,
        tags=tags,
        media=files.used,
    )


class _Media:
    """A question's embedded files: their links in its text become media-page URLs."""

    def __init__(self, bank_id: int, parsed: ParsedQuestion, media_url: media.MediaUrl) -> None:
        self.bank_id = bank_id
        self.media_url = media_url
        self.given = {item.name: item for item in parsed.media}
        self.files: dict[str, media.MediaFile] = {}
        self.used: list[media.MediaFile] = []

    def resolve(self, html: str, name: Any) -> str:
        if MEDIA_SCHEME in html:
            html = _AUDIO_LINK.sub(lambda m: self._audio_link(m, name), html)
            html = _MEDIA_REF.sub(lambda m: self._url(m.group(0), name), html)
        return content.clean(html)

    def _file(self, ref: str, name: Any) -> media.MediaFile | None:
        filename = unquote(ref[len(MEDIA_SCHEME) :])
        if filename in self.files:
            return self.files[filename]
        given = self.given.get(filename)
        if given is None:
            return None  # a link to nothing: the sanitiser drops the unknown scheme
        file = media.prepare(filename, given.data)
        if file is None:
            raise DomainError(
                f"“{name}”: "
                + str(
                    _l(
                        "%(file)s is not an image or a sound that can be shown "
                        "(PNG, JPEG, GIF, WebP, MP3, Ogg, WAV, M4A).",
                        file=filename,
                    )
                )
            )
        self.files[filename] = file
        if all(f.sha256 != file.sha256 for f in self.used):
            self.used.append(file)
        return file

    def _url(self, ref: str, name: Any) -> str:
        file = self._file(ref, name)
        return self.media_url(file.stored_name(self.bank_id)) if file else ref

    def _audio_link(self, match: re.Match[str], name: Any) -> str:
        """A link to a sound stays a link and gains a player after it."""
        file = self._file(match.group("ref"), name)
        if file is None or not file.kind.is_audio:
            return match.group(0)
        url = self.media_url(file.stored_name(self.bank_id))
        return f'{match.group(0)}<audio controls preload="none" src="{url}"></audio>'


# Export ------------------------------------------------------------------------------------


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
            )

    return write_questions(rows())


def _category_paths(session: Session, bank_id: int) -> dict[int | None, list[str]]:
    categories = list(session.scalars(queries.categories_of(bank_id)))
    by_id = {c.id: c.name for c in categories}
    return {c.id: [by_id[int(part)] for part in c.path.strip("/").split("/")] for c in categories}


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
