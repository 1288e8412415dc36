"""Checking an import before anything is written: content, plausibility, matches in the bank.

Each parsed question is sanitised (its media links pointing at the media page)
and checked by the same rules as a question staff write. Then it is matched
against the bank, in this order:

1. by the file's ID column (``Question.external_id``), when the row has one;
2. by fingerprint (same type, stem, options and answer);
3. by type and normalised stem (white space, full-width forms and HTML ignored).

A match whose answer, options, explanation (or an essay's model answer and
rubric) differ is **changed**: confirming the import makes the file's content a
new version of that question, as editing does (past attempts keep theirs). A
match with nothing different is **unchanged**. A stem that matches several
questions of the bank is invalid: the file must say which one with the ID
column. Repeats within the file are duplicates.

Plausibility warnings (``warnings.warnings_of``) block the import until the
importer confirms them; invalid questions block it unless they are skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.errors import DomainError
from studyhub.quizzes.importers.model import ParsedQuestion, ParseResult, Problem, Skipped
from studyhub.quizzes.models import Bank, QuestionType
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import content, media
from studyhub.quizzes.services.content import Content
from studyhub.quizzes.services.imports.matching import BankMatcher, content_of
from studyhub.quizzes.services.imports.media_links import MediaLinks
from studyhub.quizzes.services.imports.warnings import warnings_of

#: The counts of the report, per question type.
COUNTS = ("stored", "updated", "unchanged", "duplicates", "skipped", "invalid")


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
    external_id: str | None = None
    #: The bank's question this one changes (None: a new question).
    replaces_id: int | None = None
    changed: tuple[str, ...] = ()


@dataclass
class PreparedImport:
    """A checked import: the new and changed questions and everything the report will say."""

    questions: list[PreparedQuestion]
    duplicates: int
    skipped: list[Skipped]
    errors: list[Problem]
    categories: list[tuple[str, ...]]
    updates: list[PreparedQuestion] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    by_type: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def is_blocked(self) -> bool:
        """Whether errors stop the import unless invalid questions are skipped."""
        return bool(self.errors)

    def blocks(self, *, skip_invalid: bool, confirm_warnings: bool = True) -> bool:
        """Whether nothing may be stored: an invalid question (unless skipped), an
        unreadable file (line 0), which skipping cannot help, or unconfirmed warnings.
        """
        if self.warnings and not confirm_warnings:
            return True
        if skip_invalid:
            return any(problem.line == 0 for problem in self.errors)
        return self.is_blocked

    @property
    def has_work(self) -> bool:
        return bool(self.questions or self.updates)

    def report(self, stored: int, updated: int = 0, *, is_blocked: bool = False) -> ImportReport:
        by_type = {qtype: dict(counts) for qtype, counts in self.by_type.items()}
        if is_blocked:
            for counts in by_type.values():
                counts["stored"] = counts["updated"] = 0
        return ImportReport(
            is_blocked=is_blocked,
            stored=stored,
            updated=updated,
            unchanged=self.unchanged,
            duplicates=self.duplicates,
            skipped=[{"name": s.name, "type": s.qtype, "line": s.line} for s in self.skipped],
            errors=[{"line": p.line, "message": p.message} for p in self.errors],
            warnings=[{"line": p.line, "message": p.message} for p in self.warnings],
            by_type=by_type,
        )


@dataclass
class ImportReport:
    """What an import did (or would do): counts, the skipped questions of other types,
    the invalid ones (line 0: the file as a whole), the warnings, and counts by type.
    """

    stored: int = 0
    duplicates: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    is_blocked: bool = False  # the errors stopped the import: nothing was stored
    updated: int = 0
    unchanged: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def invalid(self) -> int:
        return len(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "errors": self.errors,
            "warnings": self.warnings,
            "by_type": self.by_type,
            "blocked": self.is_blocked,
        }


def prepare_import(
    session: Session, bank: Bank, result: ParseResult, *, media_url: media.MediaUrl
) -> PreparedImport:
    """Check every question of ``result`` against the rules and the bank; writes nothing."""
    errors = list(result.errors)
    warnings: list[Problem] = []
    by_type: dict[str, Counter[str]] = {}

    def count(qtype: str, what: str) -> None:
        by_type.setdefault(qtype, Counter())[what] += 1

    valid: list[PreparedQuestion] = []
    for parsed in result.questions:
        try:
            item = prepare_question(bank, parsed, media_url)
        except DomainError as exc:
            errors.append(Problem(parsed.line, str(exc)))
            count(parsed.qtype, "invalid")
            continue
        found = [*parsed.warnings, *warnings_of(item.content)]
        warnings.extend(Problem(parsed.line, message) for message in found)
        valid.append(item)
    for _problem in result.errors:
        count("unknown", "invalid")
    for skipped in result.skipped:
        count(skipped.qtype, "skipped")
    seen: set[str] = set()
    unique = []
    for item in valid:
        key = f"id:{item.external_id}" if item.external_id else item.fingerprint
        if key in seen:
            count(item.content.qtype.value, "duplicates")
            continue
        seen.add(key)
        unique.append(item)
    matcher = BankMatcher(session, bank.id, unique)
    matched: list[tuple[PreparedQuestion, int | None]] = []
    for item in unique:
        try:
            matched.append((item, matcher.match(item)))
        except DomainError as exc:
            errors.append(Problem(item.line, str(exc)))
            count(item.content.qtype.value, "invalid")
    held = matcher.load([question_id for _item, question_id in matched if question_id])
    new: list[PreparedQuestion] = []
    updates: list[PreparedQuestion] = []
    unchanged = 0
    first_line: dict[int, int] = {}
    for item, question_id in matched:
        qtype = item.content.qtype.value
        if question_id is None:
            new.append(item)
            count(qtype, "stored")
            continue
        if question_id in first_line:
            message = _l(
                "Line %(line)d already matches question %(id)d; one question cannot take "
                "two rows. Give them different ID values or remove one.",
                line=first_line[question_id],
                id=question_id,
            )
            errors.append(Problem(item.line, str(message)))
            count(qtype, "invalid")
            continue
        first_line[question_id] = item.line
        question, current = held[question_id]
        changed = item.content.differs_in(content_of(question, current))
        if item.content.fingerprint() != question.fingerprint and not changed:
            changed = ["stem"]  # same words, other markup: still a change of what is shown
        if not changed:
            unchanged += 1
            count(qtype, "unchanged")
            continue
        if question.qtype != item.content.qtype:
            errors.append(
                Problem(
                    item.line,
                    str(
                        _l(
                            "The row's ID names question %(id)d, which is of another type.",
                            id=question.id,
                        )
                    ),
                )
            )
            count(qtype, "invalid")
            continue
        # the file cannot say how to match answers: the question keeps its own rules
        kept = replace(item.content, match_rules=current.match_rules)
        updates.append(_with(item, content=kept, replaces_id=question.id, changed=tuple(changed)))
        count(qtype, "updated")
    categories = list(dict.fromkeys([c.path for c in result.categories if c.path]))
    errors.sort(key=lambda problem: problem.line)
    warnings.sort(key=lambda problem: problem.line)
    return PreparedImport(
        questions=new,
        duplicates=len(valid) - len(unique) + unchanged,
        skipped=sorted(result.skipped, key=lambda s: s.line),
        errors=errors,
        categories=categories,
        updates=updates,
        unchanged=unchanged,
        warnings=warnings,
        by_type=by_type,
    )


def _with(item: PreparedQuestion, **changes: Any) -> PreparedQuestion:
    return replace(item, **changes)


def prepare_question(
    bank: Bank, parsed: ParsedQuestion, media_url: media.MediaUrl
) -> PreparedQuestion:
    """One parsed question as stored content, or :class:`DomainError` saying what is wrong."""
    name = parsed.title or content.first_words(parsed.stem_html) or _l("(no text)")
    files = MediaLinks(bank.id, parsed, media_url)
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
        model_answer_html=files.resolve(parsed.model_answer_html, name)
        if qtype == QuestionType.ESSAY
        else "",
        rubric=content.clean_rubric(parsed.rubric) if qtype == QuestionType.ESSAY else None,
    )
    built = bank_service.with_bank_rules(built, bank)
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
        external_id=(parsed.external_id or parsed.idnumber or None),
    )
