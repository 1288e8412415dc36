"""The mistake book: adding mistakes, FSRS reviews, mastery, and the JSON state kept whole."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, State
from sqlalchemy import func, select

from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, InvalidInput, NotFound
from studyhub.quizzes.models import MistakeCard, MistakeReview, Quiz, QuizMode, ReviewTiming
from studyhub.quizzes.services import mistakes
from tests.conftest import NOW, shared_data
from tests.quizzes.stats_helpers import fillin, make_bank, many, single, truefalse

DAY = timedelta(days=1)


@pytest.fixture
def setting(session, make):
    member = make.member()
    committee = session.get(type(member.branch), member.committee_id)
    bank = make_bank(session, committee)
    return member, bank


def _cards(session, user_id):
    return list(
        session.scalars(
            select(MistakeCard).where(MistakeCard.user_id == user_id).order_by(MistakeCard.id)
        )
    )


def _review(session, card, answer, *, now):
    card, version = mistakes.load_card(session, card.id, user_id=card.user_id)
    return mistakes.review_card(
        session, card, version, raw_response=answer, expected_reviews=card.review_count, now=now
    )


def test_add_mistakes_is_idempotent(session, setting):
    member, bank = setting
    questions = many(session, bank, 3)
    ids = [q.id for q in questions]

    assert mistakes.add_mistakes(session, user_id=member.user_id, question_ids=ids, now=NOW) == 3
    assert mistakes.add_mistakes(session, user_id=member.user_id, question_ids=ids, now=NOW) == 0

    cards = _cards(session, member.user_id)
    assert [c.question_id for c in cards] == ids
    assert all(as_utc(c.due_at) == NOW and not c.is_mastered for c in cards)
    assert all(c.review_count == 0 for c in cards)
    # Never reviewed, so adding it again records no lapse.
    assert session.scalar(select(func.count(MistakeReview.id))) == 0
    assert mistakes.due_count(session, user_id=member.user_id, now=NOW) == 3
    assert mistakes.due_count(session, user_id=member.user_id, now=NOW - DAY) == 0


def test_intervals_grow_with_good_and_reset_with_again(session, setting):
    member, bank = setting
    question = single(session, bank, 1, answer="B")
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=NOW)
    card = _cards(session, member.user_id)[0]

    now, intervals = NOW, []
    for _ in range(3):
        result = _review(session, card, "B", now=now)
        assert result.is_correct
        intervals.append(as_utc(result.next_due_at) - now)
        now = as_utc(result.next_due_at)
    assert intervals[0] < intervals[1] < intervals[2]
    assert intervals[0] == 2 * DAY  # FSRS's first Good: stability about 2.3 days
    assert result.is_mastered and card.is_mastered  # the third right answer in a row
    assert mistakes.next_due(session, user_id=member.user_id, now=now + 365 * DAY) is None

    # Wrong again (e.g. in an exam): back in the queue, due the next day.
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=now)
    session.refresh(card)
    assert not card.is_mastered and card.lapse_count == 1
    assert as_utc(card.due_at) == now + DAY
    assert card.fsrs_state["state"] == State.Relearning.value

    wrong = _review(session, card, "A", now=now + DAY)
    assert not wrong.is_correct and as_utc(wrong.next_due_at) == now + 2 * DAY
    assert card.lapse_count == 2
    right = _review(session, card, "B", now=now + 2 * DAY)
    # Back to days, far shorter than before the lapse.
    assert DAY < as_utc(right.next_due_at) - (now + 2 * DAY) < intervals[2]
    ratings = session.scalars(
        select(MistakeReview.rating)
        .where(MistakeReview.card_id == card.id)
        .order_by(MistakeReview.id)
    )
    assert list(ratings) == [3, 3, 3, 1, 1, 3]


def test_a_wrong_first_review_comes_back_tomorrow(session, setting):
    member, bank = setting
    question = truefalse(session, bank, 1, answer=True)
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=NOW)
    card = _cards(session, member.user_id)[0]

    result = _review(session, card, "false", now=NOW)

    assert not result.is_correct
    assert as_utc(result.next_due_at) == NOW + DAY
    assert mistakes.counts(session, user_id=member.user_id, now=NOW) == mistakes.BookCounts(
        total=1, due=0, mastered=0
    )
    assert mistakes.counts(session, user_id=member.user_id, now=NOW + DAY).due == 1
    # The feedback shows the right answer, the member's choice and the explanation.
    view = result.view
    assert [o.is_right for o in view.options] == [True, False]
    assert [o.is_chosen for o in view.options] == [False, True]
    assert "判断题解析" in view.explanation_html


def test_fill_in_is_checked_with_normalisation(session, setting):
    member, bank = setting
    question = fillin(session, bank, 1, ["全国代表大会"])
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=NOW)
    card = _cards(session, member.user_id)[0]

    assert _review(session, card, [" 全国代表大会 "], now=NOW).is_correct


def test_a_double_post_counts_once(session, setting):
    member, bank = setting
    question = single(session, bank, 1)
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=NOW)
    card, version = mistakes.load_card(
        session, _cards(session, member.user_id)[0].id, user_id=member.user_id
    )

    mistakes.review_card(session, card, version, raw_response="B", expected_reviews=0, now=NOW)
    with pytest.raises(Conflict):
        mistakes.review_card(session, card, version, raw_response="A", expected_reviews=0, now=NOW)

    assert card.review_count == 1
    assert session.scalar(select(func.count(MistakeReview.id))) == 1


def test_an_answer_that_does_not_fit_is_refused(session, setting):
    member, bank = setting
    question = single(session, bank, 1)
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=NOW)
    card = _cards(session, member.user_id)[0]

    with pytest.raises(InvalidInput):
        _review(session, card, "Z", now=NOW)
    assert card.review_count == 0


def test_cards_are_private(session, setting, make):
    member, bank = setting
    other = make.member(member.branch)
    question = single(session, bank, 1)
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=NOW)
    card = _cards(session, member.user_id)[0]

    with pytest.raises(NotFound):
        mistakes.load_card(session, card.id, user_id=other.user_id)
    assert mistakes.due_count(session, user_id=other.user_id, now=NOW) == 0


def test_retired_questions_leave_the_queue(session, setting):
    member, bank = setting
    questions = many(session, bank, 2)
    mistakes.add_mistakes(
        session, user_id=member.user_id, question_ids=[q.id for q in questions], now=NOW
    )
    questions[0].is_retired = True
    session.flush()

    assert mistakes.due_count(session, user_id=member.user_id, now=NOW) == 1
    assert mistakes.next_due(session, user_id=member.user_id, now=NOW).question_id == (
        questions[1].id
    )


def test_not_before_keeps_exam_answers_hidden_until_review(session, setting):
    member, bank = setting
    question = single(session, bank, 1)
    closes = NOW + 3 * DAY
    exam = Quiz(
        mode=QuizMode.EXAM,
        closes_at=closes,
        review_answers=ReviewTiming.AFTER_CLOSE,
    )
    at = mistakes.first_review_at(exam, now=NOW)
    assert at == closes
    mistakes.add_mistakes(
        session, user_id=member.user_id, question_ids=[question.id], now=NOW, not_before=at
    )

    assert mistakes.due_count(session, user_id=member.user_id, now=closes - DAY) == 0
    assert mistakes.due_count(session, user_id=member.user_id, now=closes) == 1
    # Wrong again in a practice quiz: it may come up now.
    mistakes.add_mistakes(session, user_id=member.user_id, question_ids=[question.id], now=NOW)
    assert mistakes.due_count(session, user_id=member.user_id, now=NOW) == 1


@pytest.mark.parametrize(
    ("mode", "answers", "closes_at", "expected"),
    [
        (QuizMode.PRACTICE, ReviewTiming.NEVER, None, NOW),
        (QuizMode.DAILY, ReviewTiming.NEVER, None, NOW),
        (QuizMode.EXAM, ReviewTiming.IMMEDIATELY, None, NOW),
        (QuizMode.EXAM, ReviewTiming.AFTER_CLOSE, NOW - DAY, NOW),
        (QuizMode.EXAM, ReviewTiming.AFTER_CLOSE, None, None),
        (QuizMode.EXAM, ReviewTiming.NEVER, NOW + DAY, None),
    ],
)
def test_first_review_follows_the_review_policy(mode, answers, closes_at, expected):
    quiz = Quiz(mode=mode, review_answers=answers, closes_at=closes_at)
    assert mistakes.first_review_at(quiz, now=NOW) == expected


# FSRS replay -------------------------------------------------------------------------------

REPLAYED_CARDS = 6


def _review_logs() -> dict[int, list[tuple[int, datetime]]]:
    """The first cards of py-fsrs's review log that have at least ten reviews."""
    path = shared_data("fsrs/review_logs.csv")
    logs: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            when = datetime.fromisoformat(row["review_time"]).astimezone(UTC)
            logs[int(row["card_id"])].append((int(row["review_rating"]), when))
    chosen = [card_id for card_id, reviews in logs.items() if len(reviews) >= 10]
    return {card_id: logs[card_id] for card_id in chosen[:REPLAYED_CARDS]}


def test_replaying_a_real_review_log_matches_fsrs(session, setting):
    """Through the database's JSON column and back at every step, nothing is lost."""
    member, bank = setting
    logs = _review_logs()
    assert len(logs) == REPLAYED_CARDS
    questions = many(session, bank, REPLAYED_CARDS)
    for question, (card_id, reviews) in zip(questions, logs.items(), strict=True):
        first = reviews[0][1]
        row = MistakeCard(
            user_id=member.user_id,
            question_id=question.id,
            fsrs_state=mistakes.new_state(card_id, now=first),
            due_at=first,
            added_at=first,
        )
        session.add(row)
        session.flush()
        oracle = Card(card_id=card_id, due=first)
        for rating, when in reviews:
            oracle, _ = mistakes.SCHEDULER.review_card(oracle, Rating(rating), when)
            state = mistakes.schedule(row.fsrs_state, Rating(rating), now=when)
            row.fsrs_state = json.loads(json.dumps(state))
            session.flush()
            session.expire(row)  # read the JSON back from the database
            assert Card.from_dict(row.fsrs_state) == oracle
            assert mistakes.due_of(row.fsrs_state) == oracle.due
        assert oracle.last_review == reviews[-1][1]
