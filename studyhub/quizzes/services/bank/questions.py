"""The questions of a bank: content in versions, tags, retirement, the audit of changes.

A question's content lives in versions. Editing content that no attempt has
used changes the current version in place; once an attempt item points at the
current version, an edit (or a re-import that changes it) adds version ``n + 1``
and makes it current, so past attempts keep showing and grading what they were
given. Title, category, difficulty and tags belong to the question, not the version.

Two questions of a bank may not ask the same thing: the fingerprint (type,
stem, options and answer with white space normalised) is unique per bank.

An edit or a retirement that changes what a published quiz gives (a question
one of its slots names, or may draw) is recorded in the committee's audit log
with the fields before and after (``question.changed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.quizzes.importers.model import KEYS
from studyhub.quizzes.models import (
    AttemptItem,
    Bank,
    Category,
    Question,
    QuestionType,
    QuestionVersion,
)
from studyhub.quizzes.services import content
from studyhub.quizzes.services.bank.banks import (
    DIFFICULTIES,
    TITLE_MAX,
    clean_match_rules,
)
from studyhub.quizzes.services.bank.changes import _audited, _record_change
from studyhub.quizzes.services.bank.tags import clean_tags, set_tags
from studyhub.quizzes.services.content import Content, TextFormat

# Questions ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class QuestionFields:
    """A question as staff write it.

    ``options`` are the texts of options A, B, C… in order. ``answer`` is the
    right key (single), the right keys (multiple), a bool (true/false) or one
    list of accepted answers per blank (fill-in). ``stem``, ``options`` and
    ``explanation`` are in ``text_format``.
    """

    qtype: QuestionType
    stem: str
    answer: Any
    text_format: TextFormat = "markdown"
    options: Sequence[str] = ()
    explanation: str = ""
    title: str | None = None
    category_id: int | None = None
    difficulty: int | None = None
    tags: Sequence[str] = field(default_factory=tuple)
    #: An essay's model answer (in ``text_format``) and rubric rows
    #: (``{"criterion": str, "points": number}``).
    model_answer: str = ""
    rubric: Sequence[dict[str, Any]] = ()
    #: A fill-in's lenient matching rules (``MatchRule`` values); None: the bank's default.
    match_rules: Sequence[str] | None = None


def build_content(fields: QuestionFields) -> Content:
    """Render and normalise what staff wrote; :func:`content.problems` says what is wrong."""
    qtype = fields.qtype
    options = []
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = [
            {
                "key": KEYS[i] if i < len(KEYS) else f"#{i + 1}",
                "html": content.render_inline(text, fields.text_format),
            }
            for i, text in enumerate(fields.options)
        ]
    is_essay = qtype == QuestionType.ESSAY
    return Content(
        qtype=qtype,
        stem_html=content.render(fields.stem, fields.text_format),
        options=options,
        answer=content.normalise_answer(qtype, fields.answer),
        explanation_html=content.render(fields.explanation, fields.text_format),
        model_answer_html=content.render(fields.model_answer, fields.text_format)
        if is_essay
        else "",
        rubric=content.clean_rubric(fields.rubric) if is_essay else None,
        match_rules=clean_match_rules(fields.match_rules) if qtype == QuestionType.FILLIN else None,
    )


def with_bank_rules(built: Content, bank: Bank) -> Content:
    """A fill-in whose rules were not chosen gets the bank's default rules."""
    if built.qtype != QuestionType.FILLIN or built.match_rules is not None:
        return built
    return replace(built, match_rules=clean_match_rules(bank.match_rules or []))


def check_content(found: Content) -> None:
    """:class:`InvalidInput` listing every problem of ``found``."""
    messages = content.problems(found)
    if messages:
        raise InvalidInput(" ".join(messages))


def create_question(
    session: Session, bank: Bank, fields: QuestionFields, *, by_user_id: int | None, now: datetime
) -> Question:
    """A new question with its first version; refused when the bank holds the same question."""
    built = with_bank_rules(build_content(fields), bank)
    check_content(built)
    meta = _meta(session, bank, fields)
    tags = clean_tags(fields.tags)
    digest = built.fingerprint()
    _check_unique(session, bank.id, digest, None)
    question = Question(
        bank_id=bank.id,
        qtype=built.qtype,
        fingerprint=digest,
        is_retired=False,
        created_by_id=by_user_id,
        created_at=now,
        updated_at=now,
        **meta,
    )
    session.add(question)
    session.flush()
    version = _new_version(question, built, number=1, by_user_id=by_user_id, now=now)
    session.add(version)
    session.flush()
    question.current_version_id = version.id
    set_tags(session, question, tags)
    session.flush()
    return question


def update_question(
    session: Session,
    question: Question,
    fields: QuestionFields,
    *,
    by_user_id: int | None,
    now: datetime,
) -> QuestionVersion:
    """Save an edit; returns the current version afterwards (new when attempts used the old)."""
    bank = session.get_one(Bank, question.bank_id)
    built = with_bank_rules(build_content(fields), bank)
    check_content(built)
    meta = _meta(session, bank, fields)
    tags = clean_tags(fields.tags)
    current = session.get_one(QuestionVersion, question.current_version_id)
    before = _audited(session, question, current)
    if not built.same_as(_content_of(question, current)):
        if built.qtype != question.qtype and is_question_used(session, question.id):
            raise InvalidInput(
                _l("Members have answered this question; its type cannot change. Add a new one.")
            )
        digest = built.fingerprint()
        _check_unique(session, bank.id, digest, question.id)
        question.qtype = built.qtype
        question.fingerprint = digest
        if is_version_used(session, current.id):
            current = _new_version(
                question, built, number=current.number + 1, by_user_id=by_user_id, now=now
            )
            session.add(current)
            session.flush()
            question.current_version_id = current.id
        else:
            current.stem_html = built.stem_html
            current.options = built.options
            current.answer = built.answer
            current.explanation_html = built.explanation_html
            current.model_answer_html = built.model_answer_html
            current.rubric = built.rubric
            current.match_rules = built.match_rules
            current.created_by_id = by_user_id
            current.created_at = now
    for key, value in meta.items():
        setattr(question, key, value)
    question.updated_at = now
    set_tags(session, question, tags)
    session.flush()
    _record_change(
        session,
        bank,
        question,
        diff(before, _audited(session, question, current)),
        actor_id=by_user_id,
        now=now,
    )
    return current


def replace_content(
    session: Session,
    bank: Bank,
    question: Question,
    built: Content,
    *,
    by_user_id: int | None,
    now: datetime,
) -> QuestionVersion:
    """Give ``question`` new content (a re-import): a new version when attempts used the
    current one, else the current one changed in place — what :func:`update_question` does.
    """
    check_content(built)
    current = session.get_one(QuestionVersion, question.current_version_id)
    if built.same_as(_content_of(question, current)):
        return current
    before = _audited(session, question, current)
    if built.qtype != question.qtype and is_question_used(session, question.id):
        raise InvalidInput(
            _l("Members have answered this question; its type cannot change. Add a new one.")
        )
    digest = built.fingerprint()
    _check_unique(session, bank.id, digest, question.id)
    question.qtype = built.qtype
    question.fingerprint = digest
    if is_version_used(session, current.id):
        current = _new_version(
            question, built, number=current.number + 1, by_user_id=by_user_id, now=now
        )
        session.add(current)
        session.flush()
        question.current_version_id = current.id
    else:
        for name in ("stem_html", "options", "answer", "explanation_html", "model_answer_html",
                     "rubric", "match_rules"):  # fmt: skip
            setattr(current, name, getattr(built, name))
        current.created_by_id = by_user_id
        current.created_at = now
    question.updated_at = now
    session.flush()
    _record_change(
        session,
        bank,
        question,
        diff(before, _audited(session, question, current)),
        actor_id=by_user_id,
        now=now,
    )
    return current


def is_version_used(session: Session, version_id: int) -> bool:
    """Whether any attempt was given this version (it must then stay as it is)."""
    return bool(session.scalar(select(exists().where(AttemptItem.version_id == version_id))))


def is_question_used(session: Session, question_id: int) -> bool:
    return bool(session.scalar(select(exists().where(AttemptItem.question_id == question_id))))


def set_retired(
    session: Session,
    question: Question,
    *,
    is_retired: bool,
    now: datetime,
    actor_id: int | None = None,
) -> None:
    """Retire a question (no new quiz draws it; past attempts keep it) or bring it back."""
    if question.is_retired != is_retired:
        question.is_retired = is_retired
        question.updated_at = now
        session.flush()
        _record_change(
            session,
            session.get_one(Bank, question.bank_id),
            question,
            {"is_retired": [not is_retired, is_retired]},
            actor_id=actor_id,
            now=now,
        )


def content_of(session: Session, question: Question) -> Content:
    """The current content of ``question``."""
    return _content_of(question, session.get_one(QuestionVersion, question.current_version_id))


def _content_of(question: Question, version: QuestionVersion) -> Content:
    return Content(
        qtype=question.qtype,
        stem_html=version.stem_html,
        options=list(version.options),
        answer=version.answer,
        explanation_html=version.explanation_html,
        model_answer_html=version.model_answer_html or "",
        rubric=version.rubric,
        match_rules=version.match_rules,
    )


def _meta(session: Session, bank: Bank, fields: QuestionFields) -> dict[str, Any]:
    """Title, category and difficulty, checked."""
    if fields.category_id is not None:
        category = session.get(Category, fields.category_id)
        if category is None or category.bank_id != bank.id:
            raise InvalidInput(_l("Choose a category of this bank."))
    if fields.difficulty is not None and fields.difficulty not in DIFFICULTIES:
        raise InvalidInput(_l("Difficulty runs from 1 (easy) to 5 (hard)."))
    title = " ".join((fields.title or "").split()) or None
    if title and len(title) > TITLE_MAX:
        raise InvalidInput(_l("The title is too long (%(n)d characters at most).", n=TITLE_MAX))
    return {"title": title, "category_id": fields.category_id, "difficulty": fields.difficulty}


def _check_unique(session: Session, bank_id: int, digest: str, question_id: int | None) -> None:
    stmt = select(Question.id).where(Question.bank_id == bank_id, Question.fingerprint == digest)
    if question_id is not None:
        stmt = stmt.where(Question.id != question_id)
    other = session.scalar(stmt)
    if other is not None:
        raise Conflict(_l("The bank holds this question already (number %(id)d).", id=other))


def _new_version(
    question: Question, built: Content, *, number: int, by_user_id: int | None, now: datetime
) -> QuestionVersion:
    return QuestionVersion(
        question_id=question.id,
        number=number,
        stem_html=built.stem_html,
        options=built.options,
        answer=built.answer,
        explanation_html=built.explanation_html,
        model_answer_html=built.model_answer_html,
        rubric=built.rubric,
        match_rules=built.match_rules,
        created_by_id=by_user_id,
        created_at=now,
    )
