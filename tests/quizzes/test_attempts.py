"""Attempt services: start and resume, draws, saves with sequence numbers, deadline and grace,
submit and grade once, versions, practice, grading methods, the mistake book."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, Conflict, InvalidInput, NotAllowed, NotFound
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    GradingMethod,
    MistakeCard,
    QuestionType,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services import attempts, quizzes, review
from studyhub.quizzes.services import bank as banks
from studyhub.quizzes.services.attempts import AttemptClosed
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import (
    RIGHT,
    WRONG,
    answer_all,
    items_of,
    later,
    make_quiz,
    numbered,
    position_of,
    start,
)

pytestmark = pytest.mark.usefixtures("in_english")
GRACE = timedelta(seconds=60)


# Starting -------------------------------------------------------------------------------


def test_start_freezes_questions_versions_and_the_deadline(session, world):
    quiz = make_quiz(session, world, points=Decimal("2.5"))
    attempt = start(session, quiz, world.member)
    assert attempt.number == 1 and attempt.state == AttemptState.IN_PROGRESS
    assert attempt.started_at == NOW and attempt.deadline_at == NOW + timedelta(seconds=600)
    assert attempt.max_score == Decimal("10")
    items = items_of(session, attempt)
    assert [i.position for i in items] == [1, 2, 3, 4]
    assert [i.question_id for i in items] == [
        world.questions[t].id for t in ("single", "multiple", "truefalse", "fillin")
    ]
    assert [i.version_id for i in items] == [
        world.questions[t].current_version_id for t in ("single", "multiple", "truefalse", "fillin")
    ]
    assert [i.option_order for i in items] == [["A", "B", "C"], ["A", "B", "C", "D"], [], []]
    assert all(i.response is None and i.response_seq == 0 and i.points == 2.5 for i in items)


def test_the_deadline_never_passes_the_close(session, world):
    quiz = make_quiz(session, world, closes_at=later(120))
    assert start(session, quiz, world.member).deadline_at == later(120)
    untimed = make_quiz(session, world, time_limit_seconds=None, closes_at=later(3600))
    assert start(session, untimed, world.member).deadline_at == later(3600)
    open_ended = make_quiz(session, world, time_limit_seconds=None)
    assert start(session, open_ended, world.member).deadline_at is None


def test_an_attempt_in_progress_is_resumed(session, world):
    quiz = make_quiz(session, world)
    first = start(session, quiz, world.member)
    again = start(session, quiz, world.member, at=later(300), seed=99)
    assert again.id == first.id
    assert session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id)) == 1


def test_two_starts_racing_make_one_attempt(session, world, monkeypatch):
    """The second start's insert hits the unique (quiz, user, number) and resumes the first."""
    quiz = make_quiz(session, world)
    first = start(session, quiz, world.member)
    real_open_attempt = queries.open_attempt
    calls = []

    def open_attempt_seen_too_early(quiz_id, user_id):
        """As if the second request had looked before the first attempt existed."""
        calls.append(1)
        stmt = real_open_attempt(quiz_id, user_id)
        return stmt.where(Attempt.id != first.id) if len(calls) == 1 else stmt

    monkeypatch.setattr(queries, "open_attempt", open_attempt_seen_too_early)
    monkeypatch.setattr(
        queries, "last_attempt_number", lambda q, u: select(func.max(Attempt.number) - 1)
    )
    again = start(session, quiz, world.member, seed=3)
    assert again.id == first.id and len(calls) == 2
    assert session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id)) == 1


@pytest.mark.parametrize(
    ("settings", "at", "message"),
    [
        ({"opens_at": later(60)}, NOW, "not opened"),
        ({"closes_at": later(60)}, later(60), "closed"),
    ],
)
def test_start_keeps_to_the_window(session, world, settings, at, message):
    quiz = make_quiz(session, world, **settings)
    with pytest.raises(Closed, match=message):
        start(session, quiz, world.member, at=at)


def test_an_unpublished_quiz_cannot_be_started(session, world):
    quiz = make_quiz(session, world, publish=False)
    with pytest.raises(Closed):
        start(session, quiz, world.member)


def test_attempts_allowed(session, world):
    quiz = make_quiz(session, world, attempts_allowed=2)
    for n in (1, 2):
        attempt = start(session, quiz, world.member, at=later(n))
        assert attempt.number == n
        attempts.submit_attempt(session, attempt, now=later(n))
    with pytest.raises(Closed, match="2 attempts"):
        start(session, quiz, world.member, at=later(10))
    # Another member has their own count.
    assert start(session, quiz, world.neighbour).number == 1


def test_practice_is_unlimited(session, world):
    quiz = make_quiz(session, world, mode=QuizMode.PRACTICE, attempts_allowed=1)
    for n in range(1, 4):
        attempt = start(session, quiz, world.member, at=later(n))
        assert attempt.number == n
        attempts.submit_attempt(session, attempt, now=later(n))


def test_shuffles_are_seeded_and_kept(session, world):
    more = [numbered(session, world.bank, n) for n in range(1, 9)]
    quiz = make_quiz(session, world, questions=more, shuffle_questions=True, shuffle_options=True)
    orders = []
    for member in (world.member, world.neighbour):
        attempt = start(session, quiz, member, seed=12345)
        items = items_of(session, attempt)
        orders.append(([i.question_id for i in items], [i.option_order for i in items]))
    assert orders[0] == orders[1]  # same seed, same attempt
    questions, options = orders[0]
    assert sorted(questions) == sorted(q.id for q in more)
    assert questions != [q.id for q in more]  # shuffled (this seed does)
    assert all(sorted(o) == ["A", "B", "C", "D"] for o in options)
    assert any(o != ["A", "B", "C", "D"] for o in options)


# Random rules -----------------------------------------------------------------------------


@pytest.fixture
def categorised(session, world):
    """党史 (4 questions) with a child 遵义会议 (1 question), and 党章 (2 questions)."""
    history = banks.ensure_category(session, world.bank, "党史")
    zunyi = banks.ensure_category(session, world.bank, "党史/遵义会议")
    charter = banks.ensure_category(session, world.bank, "党章")
    qs = {
        "history": [numbered(session, world.bank, n, category=history) for n in range(10, 13)],
        "zunyi": [numbered(session, world.bank, 20, category=zunyi)],
        "charter": [numbered(session, world.bank, n, category=charter) for n in (30, 31)],
    }
    return {"history": history, "zunyi": zunyi, "charter": charter}, qs


def test_rules_draw_without_repeats_per_category_and_type(session, world, categorised):
    cats, qs = categorised
    quiz = make_quiz(
        session,
        world,
        rules=[
            {"category_id": cats["history"].id, "count": 3},  # subtree: 3 of 4
            {"category_id": cats["zunyi"].id, "count": 1},  # needs the only one
            {"qtype": QuestionType.FILLIN, "count": 1},
        ],
    )
    history_ids = {q.id for q in qs["history"]}
    for seed in range(25):  # every seed must find the assignment that exists
        attempt = attempts.start_attempt(
            session, quiz, user_id=world.member.user_id, now=later(seed), seed=seed
        )
        items = items_of(session, attempt)
        ids = [i.question_id for i in items]
        assert len(ids) == len(set(ids)) == 5
        assert [i.slot_position for i in items] == [1, 1, 1, 2, 3]
        assert set(ids[:3]) == history_ids  # the 遵义会议 question went to rule 2
        assert ids[3] == qs["zunyi"][0].id
        assert ids[4] == world.questions["fillin"].id
        attempts.submit_attempt(session, attempt, now=later(seed))
        quiz.attempts_allowed = None


def test_rules_without_subcategories_and_draws_vary_with_the_seed(session, world, categorised):
    cats, qs = categorised
    quiz = make_quiz(
        session,
        world,
        attempts_allowed=None,
        rules=[{"category_id": cats["history"].id, "include_subcategories": False, "count": 1}],
    )
    drawn = Counter()
    for seed in range(30):
        attempt = start(session, quiz, world.member, at=later(seed), seed=seed)
        (item,) = items_of(session, attempt)
        drawn[item.question_id] += 1
        attempts.submit_attempt(session, attempt, now=later(seed))
    assert set(drawn) == {q.id for q in qs["history"]}  # never the child's question


def test_fixed_questions_are_not_drawn_again_by_rules(session, world, categorised):
    cats, qs = categorised
    quiz = make_quiz(
        session,
        world,
        questions=[qs["charter"][0]],
        rules=[{"category_id": cats["charter"].id, "count": 1}],
    )
    ids = [i.question_id for i in items_of(session, start(session, quiz, world.member))]
    assert ids == [qs["charter"][0].id, qs["charter"][1].id]


def test_publishing_refuses_a_rule_the_bank_cannot_meet(session, world, categorised):
    cats, _ = categorised
    quiz = make_quiz(
        session,
        world,
        publish=False,
        rules=[
            {"category_id": cats["history"].id, "count": 4},
            {"category_id": cats["zunyi"].id, "count": 1},  # 4 + 1 > 4 in the subtree
        ],
    )
    problems = quizzes.slot_problems(session, quiz)
    assert len(problems) == 1 and "only 0" in problems[0]
    with pytest.raises(InvalidInput, match="asks for 1 questions but only 0"):
        quizzes.publish_quiz(session, quiz, actor_id=None, now=NOW)
    assert quiz.published_at is None
    quizzes.remove_slot(session, quiz, quiz.slots[1].id, actor_id=None, now=NOW)
    quizzes.publish_quiz(session, quiz, actor_id=None, now=NOW)
    assert quiz.published_at == NOW


def test_publishing_needs_questions_and_live_ones(session, world):
    quiz = make_quiz(session, world, publish=False, questions=[])
    with pytest.raises(InvalidInput, match="at least one"):
        quizzes.publish_quiz(session, quiz, actor_id=None, now=NOW)
    quizzes.add_question_slot(
        session,
        quiz,
        question_id=world.questions["single"].id,
        points=Decimal(1),
        actor_id=None,
        now=NOW,
    )
    banks.set_retired(session, world.questions["single"], is_retired=True, now=NOW)
    with pytest.raises(InvalidInput, match="retired"):
        quizzes.publish_quiz(session, quiz, actor_id=None, now=NOW)


def test_slots_are_fixed_once_members_started(session, world):
    quiz = make_quiz(session, world)
    start(session, quiz, world.member)
    with pytest.raises(Conflict):
        quizzes.add_question_slot(
            session,
            quiz,
            question_id=numbered(session, world.bank, 5).id,
            points=1,
            actor_id=None,
            now=NOW,
        )
    with pytest.raises(Conflict):
        quizzes.remove_slot(session, quiz, quiz.slots[0].id, actor_id=None, now=NOW)


def test_slots_only_from_the_committees_banks(session, world):
    other_bank = banks.create_bank(
        session, world.stranger_staff.branch.parent, name="外委题库", now=NOW
    )
    foreign = numbered(session, other_bank, 1)
    quiz = make_quiz(session, world, publish=False, questions=[])
    with pytest.raises(NotFound):
        quizzes.add_question_slot(
            session, quiz, question_id=foreign.id, points=1, actor_id=None, now=NOW
        )
    with pytest.raises(NotFound):
        quizzes.add_rule_slot(
            session,
            quiz,
            bank_id=other_bank.id,
            category_id=None,
            include_subcategories=True,
            qtype=None,
            count=1,
            points=Decimal(1),
            actor_id=None,
            now=NOW,
        )


def test_the_draw_matches_whenever_an_assignment_exists():
    rng = random.Random(5)
    # Rule 0 could take 1 or 2; rule 1 only 1; rule 2 only 2 or 3 → unique: 0→?, …
    chosen = quizzes.match([[1, 2], [1], [2, 3]], [1, 1, 1], rng)
    assert chosen[1] == 1 and chosen[0] == 2 and chosen[2] == 3
    assert quizzes.match([[1, 2], [1, 2]], [1, 2], rng).count(0) == 1  # 3 units, 2 questions


# Access ---------------------------------------------------------------------------------


def test_who_may_take_a_quiz(session, world):
    quiz = make_quiz(session, world, assign_to=world.general)  # a unit above the branch
    assert quizzes.taker_for(session, quiz, user_id=world.member.user_id) == world.member
    with pytest.raises(NotAllowed):
        quizzes.taker_for(session, quiz, user_id=world.outsider.user_id)
    with pytest.raises(NotFound):
        quizzes.taker_for(session, quiz, user_id=world.stranger.user_id)
    quizzes.unpublish_quiz(session, quiz, actor_id=None, now=NOW)
    with pytest.raises(NotFound):
        quizzes.taker_for(session, quiz, user_id=world.member.user_id)


def test_assigning_twice_is_one_assignment_and_only_within_the_committee(session, world):
    quiz = make_quiz(session, world)
    again = quizzes.assign_quiz(session, quiz, world.branch, actor_id=None, now=NOW)
    assert again.unit_id == world.branch.id
    with pytest.raises(NotFound):
        quizzes.assign_quiz(session, quiz, world.stranger.branch, actor_id=None, now=NOW)


# Saving ---------------------------------------------------------------------------------


def save(session, attempt, position, response, seq, at=NOW, **kwargs):
    return attempts.save_answer(
        session, attempt, position=position, response=response, seq=seq, now=at, **kwargs
    )


def test_a_save_is_stamped_with_the_server_time(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    saved = save(session, attempt, 1, "B", 1, at=later(30))
    assert saved.applied and saved.seq == 1
    assert saved.saved_at == later(30) and saved.remaining == 570
    item = items_of(session, attempt)[0]
    assert (item.response, item.response_seq, item.score) == ("B", 1, None)  # exams grade later


def test_stale_and_repeated_saves_change_nothing(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    assert save(session, attempt, 1, "C", 5).applied
    repeated = save(session, attempt, 1, "C", 5, at=later(1))
    assert not repeated.applied and repeated.seq == 5 and repeated.saved_at == NOW
    stale = save(session, attempt, 1, "A", 3, at=later(2))
    assert not stale.applied and stale.seq == 5
    item = items_of(session, attempt)[0]
    assert (item.response, item.response_seq, as_utc(item.saved_at)) == ("C", 5, NOW)


def test_two_tabs_interleaving_keep_the_newest(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    tab_b = session.get(Attempt, attempt.id)  # the same row seen by another request
    results = [
        save(session, attempt, 2, ["A"], 11),
        save(session, tab_b, 2, ["A", "B"], 13),
        save(session, attempt, 2, ["B"], 12),  # arrives late
        save(session, tab_b, 4, ["工人阶级"], 14),
    ]
    assert [r.applied for r in results] == [True, True, False, True]
    items = items_of(session, attempt)
    assert items[1].response == ["A", "B"] and items[1].response_seq == 13
    assert items[3].response == ["工人阶级"]


def test_a_form_post_without_a_number_wins_as_the_next(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    save(session, attempt, 1, "A", 4)
    saved = save(session, attempt, 1, "C", None)
    assert saved.applied and saved.seq == 5
    assert items_of(session, attempt)[0].response == "C"


def test_clearing_an_answer(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    save(session, attempt, 2, ["A"], 1)
    assert save(session, attempt, 2, [], 2).applied
    item = items_of(session, attempt)[1]
    assert item.response is None
    assert session.scalar(
        select(func.count()).where(AttemptItem.id == item.id, AttemptItem.response.is_(None))
    )


@pytest.mark.parametrize(
    ("position", "response", "seq"),
    [(1, "Z", 1), (2, ["A", "Q"], 1), (3, "maybe", 1), (4, ["a", "b"], 1), (1, "A", 0)],
)
def test_answers_that_do_not_fit_are_refused(session, world, position, response, seq):
    attempt = start(session, make_quiz(session, world), world.member)
    with pytest.raises(InvalidInput):
        save(session, attempt, position, response, seq)
    assert all(i.response is None for i in items_of(session, attempt))


def test_a_question_not_in_the_attempt(session, world):
    attempt = start(session, make_quiz(session, world), world.member)
    with pytest.raises(NotFound):
        save(session, attempt, 9, "A", 1)


def test_flags(session, world):
    attempt = start(session, make_quiz(session, world), world.member)
    attempts.flag_item(session, attempt, position=3, is_flagged=True, now=NOW)
    assert [i.is_flagged for i in items_of(session, attempt)] == [False, False, True, False]


# Deadline and grace ----------------------------------------------------------------------


def test_saves_are_accepted_until_the_deadline_plus_grace(session, world):
    quiz = make_quiz(session, world, time_limit_seconds=300)
    attempt = start(session, quiz, world.member)
    on_time = save(session, attempt, 1, "B", 1, at=later(300 + 59), grace=GRACE)
    assert on_time.applied and on_time.remaining == 0
    just_in = save(session, attempt, 3, "true", 2, at=later(360), grace=GRACE)
    assert just_in.applied
    with pytest.raises(AttemptClosed, match="Time is up") as refused:
        save(session, attempt, 2, ["A", "B", "C"], 3, at=later(361), grace=GRACE)
    assert refused.value.was_submitted_now
    # Submitted there and then, with the answers saved in time (2 of 4 right).
    session.refresh(attempt)
    assert attempt.state == AttemptState.SUBMITTED and attempt.is_auto_submitted
    assert as_utc(attempt.submitted_at) == later(361)
    assert attempt.score == 2 and attempt.percent == 50
    assert items_of(session, attempt)[1].response is None
    with pytest.raises(AttemptClosed, match="submitted") as again:
        save(session, attempt, 2, ["A"], 4, at=later(362), grace=GRACE)
    assert not again.value.was_submitted_now


def test_the_grace_is_a_setting(session, world):
    attempt = start(session, make_quiz(session, world, time_limit_seconds=60), world.member)
    with pytest.raises(Closed):
        save(session, attempt, 1, "B", 1, at=later(66), grace=timedelta(seconds=5))


def test_touching_an_expired_attempt_submits_it(session, world):
    attempt = start(session, make_quiz(session, world, time_limit_seconds=60), world.member)
    answer_all(session, world, attempt, {"single": "B"})
    assert not attempts.touch_attempt(session, attempt, now=later(120), grace=GRACE)
    assert attempts.touch_attempt(session, attempt, now=later(121), grace=GRACE)
    assert attempt.state == AttemptState.SUBMITTED and attempt.is_auto_submitted
    assert attempt.score == 1
    assert not attempts.touch_attempt(session, attempt, now=later(122), grace=GRACE)


def test_starting_again_submits_an_expired_attempt_first(session, world):
    quiz = make_quiz(session, world, time_limit_seconds=60, attempts_allowed=2)
    first = start(session, quiz, world.member)
    second = start(session, quiz, world.member, at=later(200))
    assert second.id != first.id and second.number == 2
    session.refresh(first)
    assert first.state == AttemptState.SUBMITTED and first.is_auto_submitted


def test_the_last_attempt_expired_then_none_left(session, world):
    quiz = make_quiz(session, world, time_limit_seconds=60, attempts_allowed=1)
    first = start(session, quiz, world.member)
    with pytest.raises(Closed, match="1 attempts"):
        start(session, quiz, world.member, at=later(200))
    session.refresh(first)
    assert first.state == AttemptState.SUBMITTED  # submitted on touch all the same


# Submitting and grading -------------------------------------------------------------------


def test_submit_grades_every_type_and_stores_the_result(session, world):
    quiz = make_quiz(session, world, points=Decimal(5), pass_percent=Decimal(75))
    attempt = start(session, quiz, world.member)
    answer_all(session, world, attempt, RIGHT | {"multiple": ["A", "B"]})
    assert attempts.submit_attempt(session, attempt, now=later(100))
    items = items_of(session, attempt)
    assert [i.is_correct for i in items] == [True, False, True, True]
    assert [i.score for i in items] == [5, 0, 5, 5]
    assert (attempt.score, attempt.max_score, attempt.percent) == (15, 20, 75)
    assert attempt.is_passed is True
    assert as_utc(attempt.submitted_at) == later(100) and not attempt.is_auto_submitted


def test_partial_credit_and_fillin_normalisation_in_an_attempt(session, world):
    quiz = make_quiz(session, world, points=Decimal(3), multiple_partial_credit=True)
    attempt = start(session, quiz, world.member)
    answer_all(
        session,
        world,
        attempt,
        {"multiple": ["A", "B", "D"], "fillin": ["  工人阶级 "], "truefalse": "false"},
    )
    attempts.submit_attempt(session, attempt, now=NOW)
    items = items_of(session, attempt)
    # multiple: 2/3 right − 1/1 wrong → 0; fill-in right; true/false wrong; single unanswered.
    assert [i.score for i in items] == [0, 0, 0, 3]
    multiple_only = make_quiz(
        session,
        world,
        questions=[world.questions["multiple"]],
        points=Decimal(3),
        multiple_partial_credit=True,
    )
    attempt = start(session, multiple_only, world.member)
    save(session, attempt, 1, ["A", "B"], 1)
    attempts.submit_attempt(session, attempt, now=NOW)
    assert attempt.score == 2 and attempt.percent == Decimal("66.67")
    assert attempt.is_passed is True


def test_a_double_submit_grades_once(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    answer_all(session, world, attempt, {"single": "B"})
    other_tab = session.get(Attempt, attempt.id)
    assert attempts.submit_attempt(session, attempt, now=later(5))
    # Change a stored answer behind its back: a second grading would notice.
    session.execute(
        update(AttemptItem).where(AttemptItem.attempt_id == attempt.id).values(response=None)
    )
    assert not attempts.submit_attempt(session, other_tab, now=later(6))
    session.refresh(attempt)
    assert attempt.score == 1 and as_utc(attempt.submitted_at) == later(5)


def test_an_attempt_keeps_grading_against_its_version(session, world):
    quiz = make_quiz(session, world, questions=[world.questions["single"]])
    attempt = start(session, quiz, world.member)
    old_version = world.questions["single"].current_version_id
    # Staff change the right answer after the attempt began: a new version.
    banks.update_question(
        session,
        world.questions["single"],
        banks.QuestionFields(
            qtype=QuestionType.SINGLE,
            stem="遵义会议是哪一年召开的？",
            options=["一九三四年召开", "一九三五年召开", "一九三六年召开"],
            answer="C",
        ),
        by_user_id=None,
        now=later(10),
    )
    assert world.questions["single"].current_version_id != old_version
    save(session, attempt, 1, "B", 1)
    attempts.submit_attempt(session, attempt, now=later(20))
    (item,) = items_of(session, attempt)
    assert item.version_id == old_version and item.is_correct
    # A new attempt gets the new version.
    attempt2 = start(session, quiz, world.member, at=later(30))
    assert items_of(session, attempt2)[0].version_id == world.questions["single"].current_version_id


def test_practice_grades_each_answer_at_once_and_keeps_it(session, world):
    quiz = make_quiz(session, world, mode=QuizMode.PRACTICE)
    attempt = start(session, quiz, world.member)
    first = save(session, attempt, 1, "A", 1)
    assert first.applied and first.is_correct is False and first.score == 0
    changed = save(session, attempt, 1, "B", 2)  # after the feedback: kept as it was
    assert not changed.applied and changed.response == "A"
    with pytest.raises(InvalidInput):
        save(session, attempt, 2, [], 3)
    assert save(session, attempt, 3, "true", 4).is_correct
    attempts.submit_attempt(session, attempt, now=NOW)
    assert attempt.score == 1 and attempt.is_passed is None


# Grading methods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "grade"),
    [
        (GradingMethod.HIGHEST, Decimal("100.00")),
        (GradingMethod.FIRST, Decimal("50.00")),
        (GradingMethod.LAST, Decimal("75.00")),
        (GradingMethod.AVERAGE, Decimal("75.00")),
    ],
)
def test_grading_methods(session, world, method, grade):
    quiz = make_quiz(session, world, attempts_allowed=None, grading_method=method)
    runs = [
        RIGHT | {"multiple": WRONG["multiple"], "fillin": WRONG["fillin"]},  # 50
        RIGHT,  # 100
        RIGHT | {"single": WRONG["single"]},  # 75
    ]
    assert attempts.final_grade(session, quiz, user_id=world.member.user_id) is None
    for n, answers in enumerate(runs):
        attempt = start(session, quiz, world.member, at=later(n))
        answer_all(session, world, attempt, answers)
        attempts.submit_attempt(session, attempt, now=later(n))
    start(session, quiz, world.member, at=later(9))  # in progress: does not count
    neighbour = start(session, quiz, world.neighbour)
    attempts.submit_attempt(session, neighbour, now=NOW)
    assert attempts.final_grade(session, quiz, user_id=world.member.user_id) == grade
    rows = session.execute(queries.final_grades(quiz.id, method))
    by_user = {user_id: (Decimal(str(percent)), n) for user_id, percent, n in rows}
    assert by_user[world.member.user_id] == (grade, 3)
    assert by_user[world.neighbour.user_id] == (Decimal(0), 1)


# The mistake book ---------------------------------------------------------------------------


def test_answers_wrong_go_to_the_mistake_book(session, world):
    quiz = make_quiz(session, world, review_answers=ReviewTiming.IMMEDIATELY)
    attempt = start(session, quiz, world.member)
    answer_all(session, world, attempt, RIGHT | {"single": "A", "truefalse": "false"})
    fillin = position_of(session, attempt, world.questions["fillin"])
    save(session, attempt, fillin, [], 9)  # unanswered: not a mistake
    attempts.submit_attempt(session, attempt, now=NOW)
    cards = session.scalars(
        select(MistakeCard.question_id).where(MistakeCard.user_id == world.member.user_id)
    ).all()
    assert sorted(cards) == sorted([world.questions["single"].id, world.questions["truefalse"].id])


def test_no_mistake_cards_while_the_answers_stay_hidden(session, world):
    quiz = make_quiz(session, world, review_answers=ReviewTiming.NEVER)
    attempt = start(session, quiz, world.member)
    answer_all(session, world, attempt, WRONG)
    attempts.submit_attempt(session, attempt, now=NOW)
    assert not session.scalar(
        select(func.count(MistakeCard.id)).where(MistakeCard.user_id == world.member.user_id)
    )


# The review policy (pure) -------------------------------------------------------------------

IMMEDIATELY, AFTER_CLOSE, NEVER = (
    ReviewTiming.IMMEDIATELY,
    ReviewTiming.AFTER_CLOSE,
    ReviewTiming.NEVER,
)
POLICY = review.ReviewPolicy(
    score=IMMEDIATELY, correctness=AFTER_CLOSE, answers=AFTER_CLOSE, explanations=NEVER
)


@pytest.mark.parametrize(
    ("state", "closes_at", "expected"),
    [
        (AttemptState.IN_PROGRESS, None, review.NOTHING),
        (AttemptState.IN_PROGRESS, later(-60), review.NOTHING),
        (AttemptState.SUBMITTED, later(60), review.Visibility(score=True)),
        (AttemptState.SUBMITTED, None, review.Visibility(score=True)),  # never closes
        (
            AttemptState.SUBMITTED,
            later(-60),
            review.Visibility(score=True, correctness=True, answers=True),
        ),
        (
            AttemptState.SUBMITTED,
            NOW,  # closes at this very moment: closed
            review.Visibility(score=True, correctness=True, answers=True),
        ),
    ],
)
def test_what_an_exam_shows_and_when(state, closes_at, expected):
    shown = review.attempt_visibility(
        POLICY, mode=QuizMode.EXAM, state=state, closes_at=closes_at, now=NOW
    )
    assert shown == expected
    assert review.item_visibility(shown, mode=QuizMode.EXAM, is_graded=True) == expected


def test_practice_shows_each_graded_item_at_once_whatever_the_policy():
    never = review.ReviewPolicy(NEVER, NEVER, NEVER, NEVER)
    shown = review.attempt_visibility(
        never, mode=QuizMode.PRACTICE, state=AttemptState.IN_PROGRESS, closes_at=None, now=NOW
    )
    assert shown == review.NOTHING
    assert review.item_visibility(shown, mode=QuizMode.PRACTICE, is_graded=True) == (
        review.EVERYTHING
    )
    assert review.item_visibility(shown, mode=QuizMode.PRACTICE, is_graded=False) == (
        review.NOTHING
    )


def test_present_item_leaves_out_what_is_hidden(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    answer_all(session, world, attempt, RIGHT)
    attempts.submit_attempt(session, attempt, now=NOW)
    items = attempts.load_items(session, attempt)
    hidden = [review.present_item(i, i.version, review.Visibility(score=True)) for i in items]
    for view in hidden:
        assert view.is_correct is None and view.score is None and view.explanation_html is None
        assert all(o.is_right is None for o in view.options)
        assert all(b.accepted is None and b.is_right is None for b in view.blanks)
        assert view.is_answered
    shown = [review.present_item(i, i.version, review.EVERYTHING) for i in items]
    assert [v.right_labels for v in shown] == [["B"], ["A", "B", "C"], ["A"], []]
    assert shown[3].blanks[0].accepted == ["工人阶级"] and shown[3].blanks[0].is_right
    assert all(v.is_correct and v.score == 1 for v in shown)
    assert shown[0].explanation_html and "遵义会议解析文字" in shown[0].explanation_html
