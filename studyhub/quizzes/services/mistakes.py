"""The mistake book (错题本): questions a member got wrong, reviewed on an FSRS schedule.

Every question a member gets wrong becomes a card (one per member and
question). Reviewing a card means answering the question again: a right answer
is rated Good, a wrong one Again, and the `fsrs` package's scheduler decides
when the card comes back. The card's FSRS state is stored as JSON
(``fsrs.Card.to_dict``) and its due time in an indexed column, so the queue is
one index range.

Scheduling choices (see :data:`SCHEDULER`): no minute-long learning steps —
members review on their phones once in a while, not in one sitting — so a new
card answered right comes back in about two days and one answered wrong the
next day; a card forgotten after it was learnt (a lapse) comes back the next
day too. Fuzzing is off so that the schedule is reproducible.

Mastered: a card is mastered, and leaves the queue, once FSRS expects it to be
remembered for :data:`MASTERED_STABILITY_DAYS` days (its stability). For a
new card that is three right answers in a row (stability about 2, 11, then 46
days); after a lapse, usually two. Getting the question wrong again (in a
review, an exam or the daily quiz) puts a mastered card back in the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, NotFound
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    AttemptItem,
    MistakeCard,
    MistakeReview,
    QuestionType,
    QuestionVersion,
    Quiz,
    ReviewTiming,
)
from studyhub.quizzes.services import grading, review

SCHEDULER = Scheduler(
    learning_steps=(),
    relearning_steps=(timedelta(days=1),),
    enable_fuzzing=False,
)
MASTERED_STABILITY_DAYS = 21.0


# FSRS state <-> JSON ------------------------------------------------------------------------


def new_state(card_id: int, *, now: datetime) -> dict[str, Any]:
    """The JSON state of a card never reviewed, due at ``now``."""
    return Card(card_id=card_id, due=as_utc(now)).to_dict()


def schedule(state: dict[str, Any], rating: Rating, *, now: datetime) -> dict[str, Any]:
    """The state after a review rated ``rating`` at ``now`` (JSON in, JSON out)."""
    card, _log = SCHEDULER.review_card(Card.from_dict(state), rating, as_utc(now))
    return card.to_dict()


def due_of(state: dict[str, Any]) -> datetime:
    return as_utc(datetime.fromisoformat(state["due"]))


def stability_of(state: dict[str, Any]) -> float:
    return float(state.get("stability") or 0.0)


def is_mastered_state(state: dict[str, Any]) -> bool:
    return (
        state.get("state") == State.Review.value and stability_of(state) >= MASTERED_STABILITY_DAYS
    )


# Adding mistakes -------------------------------------------------------------------------


def first_review_at(quiz: Quiz, *, now: datetime) -> datetime | None:
    """When a mistake made in ``quiz`` may first come up for review, or ``None``: never.

    Reviewing shows the right answer, so a card waits until the quiz's review
    policy shows the answers (an exam reviewed after close: its close time). A
    quiz that never shows its answers keeps its questions out of the book.
    """
    if quiz.mode in review.INSTANT_FEEDBACK_MODES:
        return now
    timing = quiz.review_answers
    if timing == ReviewTiming.IMMEDIATELY:
        return now
    if timing == ReviewTiming.AFTER_CLOSE and quiz.closes_at is not None:
        return max(as_utc(now), as_utc(quiz.closes_at))
    return None


def add_mistakes(
    session: Session,
    *,
    user_id: int,
    question_ids: Iterable[int],
    now: datetime,
    not_before: datetime | None = None,
) -> int:
    """Put the questions a member got wrong in their book; returns how many cards are new.

    Idempotent per question: a question already in the book is not added
    again; if it was reviewed before, it lapses (an Again review now) and is no
    longer mastered. ``not_before`` keeps a card out of the queue until then
    (see :func:`first_review_at`).
    """
    wanted = sorted(set(question_ids))
    if not wanted:
        return 0
    available = as_utc(max(as_utc(now), as_utc(not_before))) if not_before else as_utc(now)
    existing = {
        card.question_id: card
        for card in session.scalars(queries.mistake_cards_of(user_id, wanted).with_for_update())
    }
    for card in existing.values():
        _lapse(session, card, now=now, not_before=available)
    added = 0
    for question_id in wanted:
        if question_id in existing:
            continue
        card = MistakeCard(
            user_id=user_id,
            question_id=question_id,
            fsrs_state=new_state(question_id, now=available),
            due_at=available,
            added_at=now,
            review_count=0,
            lapse_count=0,
            is_mastered=False,
        )
        try:
            with session.begin_nested():
                session.add(card)
        except IntegrityError:  # added by a concurrent request: that one counts
            continue
        added += 1
    session.flush()
    return added


def _lapse(session: Session, card: MistakeCard, *, now: datetime, not_before: datetime) -> None:
    if card.last_reviewed_at is None:  # never reviewed: still waiting, perhaps sooner now
        card.due_at = min(as_utc(card.due_at), not_before)
        return
    state = schedule(card.fsrs_state, Rating.Again, now=now)
    card.fsrs_state = state
    card.due_at = max(due_of(state), not_before)
    card.last_reviewed_at = now
    card.review_count += 1
    card.lapse_count += 1
    card.is_mastered = False
    session.add(
        MistakeReview(card_id=card.id, rating=Rating.Again.value, is_correct=False, reviewed_at=now)
    )


# Reviewing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewResult:
    card: MistakeCard
    is_correct: bool
    view: review.ItemView  # the question with the member's answer, the right one, the explanation
    is_mastered: bool
    next_due_at: datetime


def load_card(
    session: Session, card_id: int, *, user_id: int
) -> tuple[MistakeCard, QuestionVersion]:
    """A member's card with its question's current version, or :class:`NotFound`."""
    row = session.execute(queries.mistake_card_with_version(card_id, user_id)).first()
    if row is None:
        raise NotFound(_l("This question is not in your mistake book."))
    return row[0], row[1]


def present(
    version: QuestionVersion, *, response: Any = None, show: review.Visibility = review.NOTHING
) -> review.ItemView:
    """The question as the review page shows it (the answer only when ``show`` allows)."""
    keys = review.option_keys(version)
    item = AttemptItem(
        position=1,
        slot_position=1,
        option_order=keys,
        response=response,
        response_seq=0,
        is_flagged=False,
        points=Decimal(1),
    )
    if show.correctness:
        mark = grading.grade(
            QuestionType(version.question.qtype),
            version.answer,
            response,
            keys=keys,
            match_rules=version.match_rules,
        )
        item.is_correct = mark.is_correct
        item.score = mark.score(Decimal(1))
    return review.present_item(item, version, show)


def review_card(
    session: Session,
    card: MistakeCard,
    version: QuestionVersion,
    *,
    raw_response: Any,
    expected_reviews: int,
    now: datetime,
) -> ReviewResult:
    """Answer a card's question again: right → Good, wrong → Again; returns the feedback.

    ``expected_reviews`` is the card's review count when the question was
    shown: a second post of the same screen (a double tap, two tabs) finds it
    changed and is refused with :class:`Conflict` instead of counting twice.
    """
    locked = session.scalars(
        select(MistakeCard)
        .where(MistakeCard.id == card.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.review_count != expected_reviews:
        raise Conflict(_l("You have already answered this question. Here is the next one."))
    qtype = QuestionType(version.question.qtype)
    keys = review.option_keys(version)
    response = grading.clean_response(
        qtype, raw_response, keys=keys, blanks=review.blank_count(version)
    )
    is_correct = grading.grade(
        qtype, version.answer, response, keys=keys, match_rules=version.match_rules
    ).is_correct
    rating = Rating.Good if is_correct else Rating.Again
    state = schedule(locked.fsrs_state, rating, now=now)
    locked.fsrs_state = state
    locked.due_at = due_of(state)
    locked.last_reviewed_at = now
    locked.review_count += 1
    if not is_correct and locked.review_count > 1:
        locked.lapse_count += 1
    locked.is_mastered = is_correct and is_mastered_state(state)
    session.add(
        MistakeReview(
            card_id=locked.id, rating=rating.value, is_correct=is_correct, reviewed_at=now
        )
    )
    session.flush()
    return ReviewResult(
        card=locked,
        is_correct=is_correct,
        view=present(version, response=response, show=review.EVERYTHING),
        is_mastered=locked.is_mastered,
        next_due_at=locked.due_at,
    )


# The book ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookCounts:
    total: int
    due: int
    mastered: int


def counts(session: Session, *, user_id: int, now: datetime) -> BookCounts:
    """How many cards the member has, how many are due now and how many are mastered (1 query)."""
    row = session.execute(queries.mistake_counts(user_id, now)).one()
    return BookCounts(total=row[0] or 0, due=row[1] or 0, mastered=row[2] or 0)


def due_count(session: Session, *, user_id: int, now: datetime) -> int:
    return session.scalar(queries.mistake_due_count(user_id, now)) or 0


def next_due(session: Session, *, user_id: int, now: datetime) -> MistakeCard | None:
    """The card to review next: the longest overdue one."""
    return session.scalars(queries.mistakes_due(user_id, now).limit(1)).first()


def next_due_at(session: Session, *, user_id: int) -> datetime | None:
    """When the next card of the queue comes due (to say "come back tomorrow")."""
    value = session.scalar(
        queries.mistakes_due(user_id, None)
        .with_only_columns(func.min(MistakeCard.due_at))
        .order_by(None)
    )
    return as_utc(value) if value is not None else None
