"""Question banks, their categories and tags, and the questions in them.

A bank belongs to a committee. Categories (knowledge points) nest; each has a
materialised ``path`` of ids (``/3/8/``) like the organisation tree, so a
subtree is one index range. Staff name a category by its names joined with
"/" (``党史/新民主主义革命时期``); creating by such a path creates the parents.

A question's content lives in versions. Editing content that no attempt has
used changes the current version in place; once an attempt item points at the
current version, an edit adds version ``n + 1`` and makes it current, so past
attempts keep showing and grading what they were given. Title, category,
difficulty and tags belong to the question, not the version.

Two questions of a bank may not ask the same thing: the fingerprint (type,
stem, options and answer with white space normalised) is unique per bank.

An edit or a retirement that changes what a published quiz gives (a question
one of its slots names, or may draw) is recorded in the committee's audit log
with the fields before and after (``question.changed``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, delete, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.quizzes import queries
from studyhub.quizzes.importers.model import KEYS
from studyhub.quizzes.models import (
    ALL_MATCH_RULES,
    AttemptItem,
    Bank,
    Category,
    Question,
    QuestionTag,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizSlot,
)
from studyhub.quizzes.services import content
from studyhub.quizzes.services.content import Content, TextFormat

BANK_NAME_MAX = 100
CATEGORY_NAME_MAX = 100
TITLE_MAX = 200
TAG_NAME_MAX = 30
TAGS_MAX = 10
DIFFICULTIES = range(1, 6)
PATH_SEPARATOR = "/"
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")


# Banks -------------------------------------------------------------------------------------


def create_bank(
    session: Session, committee: OrgUnit, *, name: str, description: str = "", now: datetime
) -> Bank:
    """A new bank of ``committee``; names are unique within a committee."""
    if committee.kind != UnitKind.COMMITTEE:
        raise InvalidInput(_l("Question banks belong to a committee."))
    name = _clean_name(name, BANK_NAME_MAX, _l("Enter the bank's name."))
    _check_bank_name(session, committee.id, name)
    bank = Bank(
        committee_id=committee.id,
        name=name,
        description=description.strip()[:500],
        created_at=now,
    )
    session.add(bank)
    session.flush()
    return bank


def update_bank(
    session: Session,
    bank: Bank,
    *,
    name: str,
    description: str = "",
    match_rules: Iterable[str] | None = None,
) -> None:
    """Rename a bank; ``match_rules`` (when given) is the default for its new fill-ins."""
    name = _clean_name(name, BANK_NAME_MAX, _l("Enter the bank's name."))
    if name != bank.name:
        _check_bank_name(session, bank.committee_id, name)
    bank.name = name
    bank.description = description.strip()[:500]
    if match_rules is not None:
        bank.match_rules = clean_match_rules(match_rules) or []
    session.flush()


def bank_by_name(
    session: Session, committee: OrgUnit, name: str, *, create: bool = False, now: datetime
) -> tuple[Bank, bool]:
    """The committee's bank called ``name`` and whether it was created just now."""
    bank = session.scalar(
        select(Bank).where(Bank.committee_id == committee.id, Bank.name == name.strip())
    )
    if bank is not None:
        return bank, False
    if not create:
        raise InvalidInput(_l("There is no bank called %(name)s.", name=name))
    return create_bank(session, committee, name=name, now=now), True


def _check_bank_name(session: Session, committee_id: int, name: str) -> None:
    clash = select(Bank.id).where(Bank.committee_id == committee_id, Bank.name == name)
    if session.scalar(clash) is not None:
        raise Conflict(_l("A bank called %(name)s exists already.", name=name))


def _clean_name(name: str, limit: int, empty: Any) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(empty)
    if len(name) > limit:
        raise InvalidInput(_l("The name is too long (%(n)d characters at most).", n=limit))
    return name


# Categories --------------------------------------------------------------------------------


def split_path(path: str | Sequence[str]) -> list[str]:
    """A category path as names: ``"党史 / 新民主主义革命时期"`` → two names."""
    parts = (
        path.replace("／", PATH_SEPARATOR).split(PATH_SEPARATOR) if isinstance(path, str) else path
    )
    return [" ".join(part.split()) for part in parts if part and part.strip()]


def create_category(
    session: Session, bank: Bank, *, name: str, parent: Category | None = None
) -> Category:
    """A category in ``bank``, at the top or below ``parent``."""
    name = _category_name(name)
    if parent is not None and parent.bank_id != bank.id:
        raise InvalidInput(_l("The parent category is in another bank."))
    if _sibling(session, bank.id, parent.id if parent else None, name) is not None:
        raise Conflict(_l("%(name)s exists already there.", name=name))
    return _add_category(session, bank.id, name, parent)


def ensure_category(
    session: Session,
    bank: Bank,
    path: str | Sequence[str],
    *,
    under_category: Category | None = None,
) -> Category | None:
    """The category at ``path`` (names), below ``under_category``, creating what is missing.

    An empty path is ``under_category`` itself (None: the bank's top level).
    """
    category = under_category
    for name in split_path(path):
        name = _category_name(name)
        parent_id = category.id if category else None
        category = _sibling(session, bank.id, parent_id, name) or _add_category(
            session, bank.id, name, category
        )
    return category


def rename_category(session: Session, category: Category, *, name: str) -> None:
    name = _category_name(name)
    if name == category.name:
        return
    clash = _sibling(session, category.bank_id, category.parent_id, name)
    if clash is not None:
        raise Conflict(_l("%(name)s exists already there.", name=name))
    category.name = name
    session.flush()


def move_category(session: Session, category: Category, *, parent: Category | None) -> None:
    """Hang ``category`` and everything below it under ``parent`` (None: the top)."""
    if parent is not None:
        if parent.bank_id != category.bank_id:
            raise InvalidInput(_l("Categories move only within their bank."))
        if parent.path.startswith(category.path):
            raise InvalidInput(_l("A category cannot be moved below itself."))
    parent_id = parent.id if parent else None
    if parent_id == category.parent_id:
        return
    if _sibling(session, category.bank_id, parent_id, category.name) is not None:
        raise Conflict(_l("%(name)s exists already there.", name=category.name))
    old_path = category.path
    new_path = f"{parent.path if parent else '/'}{category.id}/"
    session.execute(
        update(Category)
        .where(Category.bank_id == category.bank_id, under(Category.path, old_path))
        .values(
            path=literal(new_path, String).concat(func.substr(Category.path, len(old_path) + 1))
        )
        .execution_options(synchronize_session=False)
    )
    category.parent_id = parent_id
    session.flush()
    session.expire_all()


def category_names(session: Session, category: Category) -> list[str]:
    """The names from the top of the bank down to ``category``."""
    ids = [int(part) for part in category.path.strip("/").split("/")]
    stmt = select(Category.id, Category.name).where(Category.id.in_(ids))
    names = dict(session.execute(stmt).all())
    return [names[i] for i in ids]


def _category_name(name: str) -> str:
    name = _clean_name(name, CATEGORY_NAME_MAX, _l("Enter the category's name."))
    if PATH_SEPARATOR in name:
        raise InvalidInput(_l("A category's name cannot contain “/”."))
    return name


def _sibling(session: Session, bank_id: int, parent_id: int | None, name: str) -> Category | None:
    stmt = select(Category).where(Category.bank_id == bank_id, Category.name == name)
    stmt = stmt.where(
        Category.parent_id == parent_id if parent_id is not None else Category.parent_id.is_(None)
    )
    return session.scalar(stmt)


def _add_category(session: Session, bank_id: int, name: str, parent: Category | None) -> Category:
    category = Category(bank_id=bank_id, name=name, parent_id=parent.id if parent else None)
    session.add(category)
    session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    session.flush()
    return category


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


def clean_match_rules(rules: Iterable[str] | None) -> list[str] | None:
    """Known rule names in their order (None stays None: the bank's default applies)."""
    if rules is None:
        return None
    given = set(rules)
    return [rule for rule in ALL_MATCH_RULES if rule in given]


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


# The category tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryNode:
    """A category as the tree shows it: its depth, full name path and live questions below it."""

    id: int
    name: str
    path: str
    parent_id: int | None
    depth: int
    label: str
    count: int


def category_tree(session: Session, bank: Bank) -> list[CategoryNode]:
    """The bank's categories depth first, siblings by name, with subtree question counts."""
    categories = list(session.scalars(queries.categories_of(bank.id)))
    direct = dict(session.execute(queries.question_counts_by_category(bank.id)).all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    for siblings in children.values():
        siblings.sort(key=lambda c: c.name)
    totals: dict[int, int] = {}

    def total(category: Category) -> int:
        if category.id not in totals:
            totals[category.id] = direct.get(category.id, 0) + sum(
                total(child) for child in children.get(category.id, [])
            )
        return totals[category.id]

    nodes: list[CategoryNode] = []

    def walk(parent_id: int | None, depth: int, prefix: str) -> None:
        for category in children.get(parent_id, []):
            label = f"{prefix}{category.name}"
            nodes.append(
                CategoryNode(
                    id=category.id,
                    name=category.name,
                    path=category.path,
                    parent_id=category.parent_id,
                    depth=depth,
                    label=label,
                    count=total(category),
                )
            )
            walk(category.id, depth + 1, label + PATH_SEPARATOR)

    walk(None, 0, "")
    return nodes
