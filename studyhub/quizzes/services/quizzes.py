"""Quizzes: settings, slots (fixed questions and random rules), publishing, assignment.

A quiz is a list of slots in order. A fixed slot is one question; a random
rule draws ``count`` questions from a bank — all of it, or a category with or
without its subcategories — optionally of one type, each worth ``points``.
Every attempt draws its own questions, never the same question twice, so
before a quiz is published every rule must be satisfiable together with the
others: :func:`slot_problems` runs the draw that attempts will run and reports
each rule it cannot fill. Once members have started a quiz its slots are fixed.

Members take a quiz assigned to a unit above them (or their own) in the
quiz's committee; :func:`taker_for` is that check.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from studyhub.audit.services import diff
from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    Bank,
    Category,
    GradingMethod,
    Question,
    QuestionType,
    Quiz,
    QuizAssignment,
    QuizMode,
    QuizSlot,
    ReviewTiming,
)
from studyhub.quizzes.services import content

TITLE_MAX = 200
INSTRUCTIONS_MAX = 5000
MAX_TIME_LIMIT_SECONDS = 24 * 3600
MAX_ATTEMPTS = 100
MAX_RULE_COUNT = 200
MAX_QUESTIONS = 300  # per attempt; also bounds the draw's recursion
MAX_POINTS = Decimal(1000)
PUBLISH_CHECK_SEED = 0


@dataclass(frozen=True, kw_only=True)
class QuizFields:
    """A quiz's settings as staff set them (times aware, in UTC)."""

    title: str
    instructions: str = ""
    mode: QuizMode = QuizMode.EXAM
    time_limit_seconds: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    attempts_allowed: int | None = 1  # None: unlimited
    grading_method: GradingMethod = GradingMethod.HIGHEST
    pass_percent: Decimal = Decimal(60)
    shuffle_questions: bool = False
    shuffle_options: bool = False
    multiple_partial_credit: bool = False
    review_score: ReviewTiming = ReviewTiming.IMMEDIATELY
    review_correctness: ReviewTiming = ReviewTiming.AFTER_CLOSE
    review_answers: ReviewTiming = ReviewTiming.AFTER_CLOSE
    review_explanations: ReviewTiming = ReviewTiming.AFTER_CLOSE


def _clean(fields: QuizFields) -> dict[str, Any]:
    title = " ".join(fields.title.split())
    if not title:
        raise InvalidInput(_l("Enter a title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_l("The title is too long."))
    instructions = fields.instructions.replace("\r\n", "\n").strip()
    if len(instructions) > INSTRUCTIONS_MAX:
        raise InvalidInput(_l("The instructions are too long."))
    limit = fields.time_limit_seconds
    if limit is not None and not 0 < limit <= MAX_TIME_LIMIT_SECONDS:
        raise InvalidInput(_l("The time limit must be between 1 second and 24 hours."))
    if (
        fields.opens_at is not None
        and fields.closes_at is not None
        and as_utc(fields.closes_at) <= as_utc(fields.opens_at)
    ):
        raise InvalidInput(_l("The quiz must close after it opens."))
    allowed = fields.attempts_allowed
    if allowed is not None and not 0 < allowed <= MAX_ATTEMPTS:
        raise InvalidInput(_l("Allow between 1 and %(n)d attempts, or any number.", n=MAX_ATTEMPTS))
    if not Decimal(0) <= fields.pass_percent <= Decimal(100):
        raise InvalidInput(_l("The pass mark is a percentage from 0 to 100."))
    return {
        "title": title,
        "instructions": instructions,
        "mode": fields.mode,
        "time_limit_seconds": limit,
        "opens_at": fields.opens_at,
        "closes_at": fields.closes_at,
        "attempts_allowed": allowed,
        "grading_method": fields.grading_method,
        "pass_percent": fields.pass_percent,
        "shuffle_questions": fields.shuffle_questions,
        "shuffle_options": fields.shuffle_options,
        "multiple_partial_credit": fields.multiple_partial_credit,
        "review_score": fields.review_score,
        "review_correctness": fields.review_correctness,
        "review_answers": fields.review_answers,
        "review_explanations": fields.review_explanations,
    }


def fields_of(quiz: Quiz) -> QuizFields:
    """A quiz's settings, to fill the edit form."""
    return QuizFields(
        title=quiz.title,
        instructions=quiz.instructions,
        mode=quiz.mode,
        time_limit_seconds=quiz.time_limit_seconds,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        attempts_allowed=quiz.attempts_allowed,
        grading_method=quiz.grading_method,
        pass_percent=quiz.pass_percent,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_options=quiz.shuffle_options,
        multiple_partial_credit=quiz.multiple_partial_credit,
        review_score=quiz.review_score,
        review_correctness=quiz.review_correctness,
        review_answers=quiz.review_answers,
        review_explanations=quiz.review_explanations,
    )


def create_quiz(
    session: Session,
    committee: OrgUnit,
    fields: QuizFields,
    *,
    by_user_id: int | None,
    now: datetime,
) -> Quiz:
    """A new, unpublished quiz of ``committee`` without questions yet."""
    quiz = Quiz(
        committee_id=committee.id,
        created_by_id=by_user_id,
        created_at=now,
        updated_at=now,
        **_clean(fields),
    )
    session.add(quiz)
    session.flush()
    return quiz


def _record(
    session: Session,
    quiz: Quiz,
    kind: str,
    *,
    actor_id: int | None,
    now: datetime,
    changes: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An act on a quiz in its committee's audit log."""
    record_in(
        session,
        in_committee(session, quiz.committee_id),
        kind,
        actor_id=actor_id,
        now=now,
        object_type="quiz",
        object_id=quiz.id,
        summary=quiz.title,
        changes=changes,
        details=details,
    )


def _record_change(
    session: Session,
    quiz: Quiz,
    *,
    actor_id: int | None,
    now: datetime,
    changes: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """A change to a published quiz in the audit log (a draft's changes are not recorded)."""
    if quiz.published_at is not None:
        _record(
            session,
            quiz,
            "quiz.changed",
            actor_id=actor_id,
            now=now,
            changes=changes,
            details=details,
        )


def update_quiz(
    session: Session, quiz: Quiz, fields: QuizFields, *, actor_id: int | None, now: datetime
) -> None:
    """Change a quiz's settings; attempts already started keep their deadline.

    A change to a published quiz is recorded in the audit log with its fields before and after.
    """
    values = _clean(fields)
    before = {key: getattr(quiz, key) for key in values}
    for key, value in values.items():
        setattr(quiz, key, value)
    quiz.updated_at = now
    session.flush()
    changed = diff(before, values)
    if changed:
        _record_change(session, quiz, actor_id=actor_id, now=now, changes=changed)


def has_attempts(session: Session, quiz: Quiz) -> bool:
    return bool(session.scalar(select(exists().where(Attempt.quiz_id == quiz.id))))


def _require_editable(session: Session, quiz: Quiz) -> None:
    if has_attempts(session, quiz):
        raise Conflict(_l("Members have started this quiz; its questions can no longer change."))


def _check_points(points: Decimal) -> None:
    if not Decimal(0) < points <= MAX_POINTS:
        raise InvalidInput(_l("Points must be more than 0 and at most %(n)d.", n=MAX_POINTS))


def _bank_of_committee(session: Session, quiz: Quiz, bank_id: int) -> Bank:
    bank = session.get(Bank, bank_id)
    if bank is None or bank.committee_id != quiz.committee_id:
        raise NotFound(_l("This question bank does not exist."))
    return bank


def _next_position(quiz: Quiz) -> int:
    return max((slot.position for slot in quiz.slots), default=0) + 1


def add_question_slot(
    session: Session,
    quiz: Quiz,
    *,
    question_id: int,
    points: Decimal,
    actor_id: int | None,
    now: datetime,
) -> QuizSlot:
    """A fixed slot: question ``question_id`` of one of the committee's banks."""
    _require_editable(session, quiz)
    _check_points(points)
    question = session.get(Question, question_id)
    if question is None:
        raise NotFound(_l("Question %(id)d does not exist.", id=question_id))
    _bank_of_committee(session, quiz, question.bank_id)
    if question.is_retired or question.current_version_id is None:
        raise InvalidInput(_l("Question %(id)d is retired.", id=question_id))
    if any(slot.question_id == question_id for slot in quiz.slots):
        raise Conflict(_l("Question %(id)d is in this quiz already.", id=question_id))
    slot = QuizSlot(position=_next_position(quiz), question_id=question_id, count=1, points=points)
    quiz.slots.append(slot)
    quiz.updated_at = now
    session.flush()
    _record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={"added_question": question_id, "points": points},
    )
    return slot


def add_rule_slot(
    session: Session,
    quiz: Quiz,
    *,
    bank_id: int,
    category_id: int | None,
    include_subcategories: bool,
    qtype: QuestionType | None,
    count: int,
    points: Decimal,
    actor_id: int | None,
    now: datetime,
) -> QuizSlot:
    """A random rule: ``count`` questions of the bank (or category), of ``qtype`` if given."""
    _require_editable(session, quiz)
    _check_points(points)
    if not 0 < count <= MAX_RULE_COUNT:
        raise InvalidInput(_l("Draw between 1 and %(n)d questions.", n=MAX_RULE_COUNT))
    if question_count(quiz) + count > MAX_QUESTIONS:
        raise InvalidInput(_l("A quiz has at most %(n)d questions.", n=MAX_QUESTIONS))
    bank = _bank_of_committee(session, quiz, bank_id)
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None or category.bank_id != bank.id:
            raise NotFound(_l("This category is not in the bank."))
    slot = QuizSlot(
        position=_next_position(quiz),
        bank_id=bank.id,
        category_id=category_id,
        include_subcategories=include_subcategories,
        qtype=qtype,
        count=count,
        points=points,
    )
    quiz.slots.append(slot)
    quiz.updated_at = now
    session.flush()
    _record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={
            "added_rule": {"bank": bank.id, "category": category_id, "count": count},
            "points": points,
        },
    )
    return slot


def remove_slot(
    session: Session, quiz: Quiz, slot_id: int, *, actor_id: int | None, now: datetime
) -> None:
    """Take a slot out; the ones after it move up."""
    _require_editable(session, quiz)
    slot = next((s for s in quiz.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound(_l("This question is not in the quiz."))
    quiz.slots.remove(slot)
    session.flush()
    # Renumber in two steps so that the unique (quiz, position) never clashes midway.
    for offset, other in enumerate(quiz.slots, start=1):
        other.position = -offset
    session.flush()
    for other in quiz.slots:
        other.position = -other.position
    quiz.updated_at = now
    session.flush()
    _record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={"removed_slot": {"question": slot.question_id, "bank": slot.bank_id}},
    )


# Drawing -------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class SlotRow:
    """A slot as the staff page lists it."""

    id: int
    position: int
    is_rule: bool
    question_id: int | None
    text: str  # the question's first words, or the rule's bank and category
    qtype: QuestionType | None
    count: int
    points: Decimal


def slot_rows(session: Session, quiz: Quiz) -> list[SlotRow]:
    """The quiz's slots described for staff (three queries whatever their number)."""
    question_ids = [s.question_id for s in quiz.slots if s.question_id is not None]
    questions = {
        q.id: q
        for q in session.scalars(
            select(Question)
            .options(joinedload(Question.current_version))
            .where(Question.id.in_(question_ids))
        )
    }
    banks = {
        b.id: b.name
        for b in session.scalars(
            select(Bank).where(Bank.id.in_({s.bank_id for s in quiz.slots if s.bank_id}))
        )
    }
    categories = {
        c.id: c.name
        for c in session.scalars(
            select(Category).where(
                Category.id.in_({s.category_id for s in quiz.slots if s.category_id})
            )
        )
    }
    rows = []
    for slot in quiz.slots:
        if slot.question_id is not None:
            question = questions.get(slot.question_id)
            version = question.current_version if question is not None else None
            text = content.first_words(version.stem_html) if version is not None else "?"
            qtype = question.qtype if question is not None else None
        else:
            text = banks.get(slot.bank_id or 0, "?")
            if slot.category_id is not None:
                text += " › " + categories.get(slot.category_id, "?")
                if slot.include_subcategories:
                    text += " " + str(_l("(with subcategories)"))
            qtype = slot.qtype
        rows.append(
            SlotRow(
                id=slot.id,
                position=slot.position,
                is_rule=slot.question_id is None,
                question_id=slot.question_id,
                text=text,
                qtype=qtype,
                count=slot.count,
                points=slot.points,
            )
        )
    return rows


def max_score(quiz: Quiz) -> Decimal:
    return sum((slot.points * slot.count for slot in quiz.slots), Decimal(0))


def question_count(quiz: Quiz) -> int:
    return sum(slot.count for slot in quiz.slots)


# Publishing and assignment -------------------------------------------------------------------


def publish_quiz(session: Session, quiz: Quiz, *, actor_id: int | None, now: datetime) -> None:
    """Make the quiz visible to the units it is assigned to; refused while a rule cannot be met."""
    problems = slot_problems(session, quiz)
    if problems:
        raise InvalidInput(" ".join(problems))
    if quiz.published_at is None:
        quiz.published_at = now
        _record(
            session,
            quiz,
            "quiz.published",
            actor_id=actor_id,
            now=now,
            changes={"published": [False, True]},
            details={"questions": question_count(quiz), "max_score": max_score(quiz)},
        )
    quiz.updated_at = now
    session.flush()


def unpublish_quiz(session: Session, quiz: Quiz, *, actor_id: int | None, now: datetime) -> None:
    """Hide the quiz from members; attempts in progress can still be finished."""
    if quiz.published_at is not None:
        _record(
            session,
            quiz,
            "quiz.unpublished",
            actor_id=actor_id,
            now=now,
            changes={"published": [True, False]},
        )
    quiz.published_at = None
    quiz.updated_at = now
    session.flush()


def assign_quiz(
    session: Session, quiz: Quiz, unit: OrgUnit, *, actor_id: int | None, now: datetime
) -> QuizAssignment:
    """Give the quiz to ``unit`` and everyone under it (once; a repeat changes nothing)."""
    if unit.committee_id != quiz.committee_id:
        raise NotFound(_l("This unit is not in the quiz's committee."))
    found = session.scalar(
        select(QuizAssignment).where(
            QuizAssignment.quiz_id == quiz.id, QuizAssignment.unit_id == unit.id
        )
    )
    if found is not None:
        return found
    assignment = QuizAssignment(quiz_id=quiz.id, unit_id=unit.id, assigned_at=now)
    try:
        with session.begin_nested():
            session.add(assignment)
    except IntegrityError:  # assigned at the same moment by someone else
        return session.scalars(
            select(QuizAssignment).where(
                QuizAssignment.quiz_id == quiz.id, QuizAssignment.unit_id == unit.id
            )
        ).one()
    _record_change(
        session,
        quiz,
        actor_id=actor_id,
        now=now,
        details={"assigned_to": unit.name},
    )
    return assignment


def unassign_quiz(
    session: Session, quiz: Quiz, unit_id: int, *, actor_id: int | None, now: datetime
) -> None:
    removed = session.execute(
        delete(QuizAssignment).where(
            QuizAssignment.quiz_id == quiz.id, QuizAssignment.unit_id == unit_id
        )
    ).rowcount
    session.flush()
    if removed and quiz.published_at is not None:
        unit = session.get(OrgUnit, unit_id)
        _record(
            session,
            quiz,
            "quiz.changed",
            actor_id=actor_id,
            now=now,
            details={"unassigned_from": unit.name if unit else unit_id},
        )


def ancestor_ids(path: str) -> list[int]:
    """The ids in a materialised path, the unit itself last (``/1/5/9/`` → 1, 5, 9)."""
    return [int(part) for part in path.strip("/").split("/") if part]


def taker_for(session: Session, quiz: Quiz, *, user_id: int) -> Member:
    """The user's membership when they may take ``quiz``.

    Someone outside the quiz's committee, or a quiz not published, gets
    :class:`NotFound` (the quiz does not exist for them); a member of the
    committee whose unit it is not assigned to gets :class:`NotAllowed`.
    """
    member = session.scalars(
        select(Member).where(Member.user_id == user_id, Member.is_active.is_(True))
    ).first()
    if member is None or member.committee_id != quiz.committee_id or quiz.published_at is None:
        raise NotFound(_l("This quiz does not exist."))
    if not session.scalar(queries.is_assigned(quiz.id, ancestor_ids(member.org_path))):
        raise NotAllowed(_l("This quiz is not assigned to your branch."))
    return member
