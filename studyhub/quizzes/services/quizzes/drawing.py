"""The draw: the questions each attempt gets, and whether every rule can be filled."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import Conflict
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Category,
    Question,
    Quiz,
    QuizSlot,
)
from studyhub.quizzes.services.quizzes.common import PUBLISH_CHECK_SEED


@dataclass(frozen=True)
class Drawn:
    """One question an attempt gets: from which slot, which version, worth what."""

    slot_position: int
    question_id: int
    version_id: int
    points: Decimal


@dataclass(frozen=True)
class Shortfall:
    slot_position: int
    wanted: int
    found: int


def _rule_category_path(session: Session, slot: QuizSlot) -> str | None:
    if slot.category_id is None:
        return None
    category = session.get(Category, slot.category_id)
    return category.path if category is not None else None


def _pool(session: Session, slot: QuizSlot, exclude: set[int]) -> list[tuple[int, int]]:
    assert slot.bank_id is not None
    rows = session.execute(
        queries.draw_pool(
            slot.bank_id,
            category_path=_rule_category_path(session, slot),
            category_id=slot.category_id,
            include_subcategories=slot.include_subcategories,
            qtype=slot.qtype,
        )
    )
    return [(qid, vid) for qid, vid in rows if qid not in exclude]


def match(pools: Sequence[Sequence[int]], counts: Sequence[int], rng: random.Random) -> list[int]:
    """Give every unit (``counts[r]`` units of rule ``r``) a different question of its pool.

    Each rule's pool is shuffled once (with ``rng``) and its units start at
    successive places in it, so without clashes a rule gets a uniformly random
    set. A unit that finds all its candidates taken moves an earlier unit to
    another question (augmenting paths, Kuhn's algorithm), so the draw succeeds
    whenever some assignment exists: two overlapping rules cannot starve each
    other. Returns the question of each unit, rules in order, with 0 for a unit
    that could not be served (only when no full assignment exists).
    """
    units: list[tuple[list[int], int]] = []
    for pool, count in zip(pools, counts, strict=True):
        shuffled = list(pool)
        rng.shuffle(shuffled)
        units.extend((shuffled, offset) for offset in range(count))
    owner: dict[int, int] = {}

    def serve(unit: int, seen: set[int]) -> bool:
        candidates, offset = units[unit]
        size = len(candidates)
        for step in range(size):
            question = candidates[(offset + step) % size]
            if question in seen:
                continue
            seen.add(question)
            if question not in owner or serve(owner[question], seen):
                owner[question] = unit
                return True
        return False

    for unit in range(len(units)):
        serve(unit, set())
    chosen = [0] * len(units)
    for question, unit in owner.items():
        chosen[unit] = question
    return chosen


def _plan(session: Session, quiz: Quiz, rng: random.Random) -> tuple[list[Drawn], list[Shortfall]]:
    fixed_ids = {slot.question_id for slot in quiz.slots if slot.question_id is not None}
    fixed_versions = {
        qid: vid
        for qid, vid in session.execute(
            select(Question.id, Question.current_version_id).where(Question.id.in_(fixed_ids))
        )
    }
    rules = [slot for slot in quiz.slots if slot.question_id is None]
    pools = [_pool(session, slot, fixed_ids) for slot in rules]
    versions = {qid: vid for pool in pools for qid, vid in pool}
    chosen = iter(match([[q for q, _ in pool] for pool in pools], [s.count for s in rules], rng))
    picked: dict[int, list[int]] = {
        slot.position: [next(chosen) for _ in range(slot.count)] for slot in rules
    }
    drawn: list[Drawn] = []
    shortfalls: list[Shortfall] = []
    for slot in quiz.slots:
        if slot.question_id is not None:
            version_id = fixed_versions.get(slot.question_id)
            if version_id is None:
                shortfalls.append(Shortfall(slot.position, 1, 0))
                continue
            drawn.append(Drawn(slot.position, slot.question_id, version_id, slot.points))
            continue
        got = [q for q in picked[slot.position] if q]
        if len(got) < slot.count:
            shortfalls.append(Shortfall(slot.position, slot.count, len(got)))
        drawn.extend(Drawn(slot.position, q, versions[q], slot.points) for q in got)
    return drawn, shortfalls


def draw_questions(session: Session, quiz: Quiz, rng: random.Random) -> list[Drawn]:
    """The questions of a new attempt, slot by slot (random ones in random order)."""
    drawn, shortfalls = _plan(session, quiz, rng)
    if shortfalls:
        raise Conflict(
            _l("The question bank no longer has enough questions for this quiz. Tell the staff.")
        )
    return drawn


def slot_problems(session: Session, quiz: Quiz) -> list[str]:
    """What stops the quiz from being published, for staff to read (empty: it can be)."""
    if not quiz.slots:
        return [str(_l("Add at least one question or random rule."))]
    problems = []
    retired = set(
        session.scalars(
            select(Question.id).where(
                Question.id.in_([s.question_id for s in quiz.slots if s.question_id]),
                Question.is_retired.is_(True),
            )
        )
    )
    for slot in quiz.slots:
        if slot.question_id in retired:
            problems.append(
                str(
                    _l(
                        "Question %(id)d (number %(position)d) is retired.",
                        id=slot.question_id,
                        position=slot.position,
                    )
                )
            )
    _, shortfalls = _plan(session, quiz, random.Random(PUBLISH_CHECK_SEED))
    for short in shortfalls:
        problems.append(
            str(
                _l(
                    "Number %(position)d asks for %(wanted)d questions but only %(found)d can be "
                    "drawn (questions are never repeated in an attempt).",
                    position=short.slot_position,
                    wanted=short.wanted,
                    found=short.found,
                )
            )
        )
    return problems
