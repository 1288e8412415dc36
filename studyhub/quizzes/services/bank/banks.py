"""Question banks and their categories (knowledge points), and the category tree.

A bank belongs to a committee. Categories nest; each has a materialised
``path`` of ids (``/3/8/``) like the organisation tree, so a subtree is one
index range. Staff name a category by its names joined with "/"
(``党史/新民主主义革命时期``); creating by such a path creates the parents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, literal, select, update
from sqlalchemy.orm import Session

from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    ALL_MATCH_RULES,
    Bank,
    Category,
)

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


def clean_match_rules(rules: Iterable[str] | None) -> list[str] | None:
    """Known rule names in their order (None stays None: the bank's default applies)."""
    if rules is None:
        return None
    given = set(rules)
    return [rule for rule in ALL_MATCH_RULES if rule in given]


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
