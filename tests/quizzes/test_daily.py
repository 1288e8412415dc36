"""The daily quiz: one go a day, recently seen questions avoided, points for right answers only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import Closed, InvalidInput, NotFound
from studyhub.points import services as points
from studyhub.points.models import PointEntry
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    MistakeCard,
    QuizMode,
)
from studyhub.quizzes.services import attempts, daily
from tests.conftest import NOW
from tests.quizzes.stats_helpers import make_bank, many

DAY = timedelta(days=1)
TODAY = date(2026, 11, 20)  # NOW in Asia/Shanghai


@pytest.fixture
def setting(session, make):
    committee = make.committee()
    branch = make.branch(committee)
    member = make.member(branch)
    bank = make_bank(session, committee)
    questions = many(session, bank, 12)  # every right answer is "B"
    quiz = daily.ensure_daily_quiz(session, committee, now=NOW)
    return committee, member, bank, questions, quiz


def _items(session, attempt):
    return list(
        session.scalars(
            select(AttemptItem)
            .where(AttemptItem.attempt_id == attempt.id)
            .order_by(AttemptItem.position)
        )
    )


def _daily_points(session, member):
    return session.scalar(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.user_id == member.user_id, PointEntry.kind == points.DAILY_QUIZ
        )
    )


def _answer_all(session, attempt, answers, *, now=NOW):
    results = []
    for position, answer in enumerate(answers, start=1):
        results.append(
            daily.answer_daily(session, attempt, position=position, response=answer, now=now)
        )
    return results


def test_the_daily_quiz_is_made_once_with_every_bank(session, setting, make):
    committee, _member, bank, _questions, quiz = setting
    assert quiz.mode == QuizMode.DAILY and quiz.daily_question_count == 5
    assert daily.chosen_bank_ids(quiz) == [bank.id]
    assert quiz.published_at is not None
    assert daily.ensure_daily_quiz(session, committee, now=NOW + DAY).id == quiz.id
    with pytest.raises(InvalidInput):
        daily.ensure_daily_quiz(session, make.branch(committee), now=NOW)


def test_a_committee_without_banks_has_no_questions(session, make):
    committee = make.committee()
    member = make.member(make.branch(committee))
    quiz = daily.ensure_daily_quiz(session, committee, now=NOW)

    assert quiz.published_at is None
    with pytest.raises(Closed):
        daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=1)


def test_one_attempt_a_day(session, setting):
    _committee, member, _bank, questions, quiz = setting

    first = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=1)
    again = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=2)

    assert again.id == first.id
    assert first.daily_on == TODAY
    items = _items(session, first)
    assert len(items) == 5
    assert len({i.question_id for i in items}) == 5
    assert {i.question_id for i in items} <= {q.id for q in questions}
    assert session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id)) == 1


def test_right_answers_earn_points_wrong_ones_go_to_the_mistake_book(session, setting):
    _committee, member, _bank, _questions, quiz = setting
    attempt = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=1)

    results = _answer_all(session, attempt, ["B", "A", "B", "C", "B"])

    assert [r.points for r in results] == [1, 0, 1, 0, 1]
    assert [r.item.is_correct for r in results] == [True, False, True, False, True]
    assert [r.is_finished for r in results] == [False] * 4 + [True]
    session.refresh(attempt)
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.score == 3 and attempt.max_score == 5
    assert _daily_points(session, member) == 3
    wrong = {r.item.question_id for r in results if not r.item.is_correct}
    cards = set(
        session.scalars(
            select(MistakeCard.question_id).where(MistakeCard.user_id == member.user_id)
        )
    )
    assert cards == wrong
    # Done for today: the same attempt comes back, and it takes no more answers.
    assert daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=9).id == (
        attempt.id
    )
    with pytest.raises(attempts.AttemptClosed):
        daily.answer_daily(session, attempt, position=2, response="B", now=NOW)
    assert _daily_points(session, member) == 3


def test_an_answer_is_graded_once(session, setting):
    _committee, member, _bank, _questions, quiz = setting
    attempt = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=1)

    first = daily.answer_daily(session, attempt, position=1, response="A", now=NOW)
    second = daily.answer_daily(session, attempt, position=1, response="B", now=NOW)

    assert first.applied and not first.item.is_correct
    assert not second.applied and second.points == 0
    assert second.item.response == "A" and not second.item.is_correct
    assert _daily_points(session, member) == 0


def test_the_daily_cap_is_the_committees(session, setting):
    committee, member, _bank, _questions, quiz = setting
    daily.configure_daily(
        session,
        quiz,
        daily.DailySettings(
            bank_ids=daily.chosen_bank_ids(quiz), question_count=5, points=2, daily_cap=5
        ),
        actor_id=None,
        now=NOW,
    )
    attempt = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=1)

    results = _answer_all(session, attempt, ["B"] * 5)

    assert [r.points for r in results] == [2, 2, 1, 0, 0]
    assert _daily_points(session, member) == 5
    assert daily.settings_of(session, quiz) == daily.DailySettings(
        bank_ids=daily.chosen_bank_ids(quiz), question_count=5, points=2, daily_cap=5
    )


def test_settings_are_checked(session, setting, make):
    _committee, _member, bank, _questions, quiz = setting
    other_bank = make_bank(session, make.committee(), name="别人的题库")
    with pytest.raises(InvalidInput):
        daily.configure_daily(
            session, quiz, daily.DailySettings([bank.id], 0, 1, 5), actor_id=None, now=NOW
        )
    with pytest.raises(NotFound):
        daily.configure_daily(
            session, quiz, daily.DailySettings([other_bank.id], 5, 1, 5), actor_id=None, now=NOW
        )
    daily.configure_daily(session, quiz, daily.DailySettings([], 5, 1, 5), actor_id=None, now=NOW)
    assert quiz.published_at is None  # no bank, no daily quiz


def test_recently_seen_questions_are_avoided(session, setting):
    _committee, member, _bank, questions, quiz = setting
    seen: list[set[int]] = []
    for day in range(2):
        attempt = daily.start_daily(
            session, quiz, user_id=member.user_id, now=NOW + day * DAY, seed=7
        )
        assert attempt.daily_on == TODAY + day * DAY
        seen.append({i.question_id for i in _items(session, attempt)})
        _answer_all(session, attempt, ["B"] * 5, now=NOW + day * DAY)
    assert not seen[0] & seen[1]  # 12 questions: the second day's 5 are all new

    third = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW + 2 * DAY, seed=7)
    third_ids = {i.question_id for i in _items(session, third)}
    fresh = {q.id for q in questions} - seen[0] - seen[1]
    assert len(fresh) == 2
    # The two never seen, then three of the first day's (the longest unseen).
    assert fresh <= third_ids
    assert third_ids - fresh <= seen[0]


def test_another_member_is_not_affected(session, setting, make):
    _committee, member, _bank, _questions, quiz = setting
    other = make.member(member.branch)
    mine = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=3)
    _answer_all(session, mine, ["B"] * 5)

    theirs = daily.start_daily(session, quiz, user_id=other.user_id, now=NOW, seed=3)

    assert theirs.id != mine.id
    assert {i.question_id for i in _items(session, theirs)} == {
        i.question_id for i in _items(session, mine)
    }  # same seed, nothing seen: the same draw


def test_yesterdays_unfinished_quiz_is_closed_when_today_starts(session, setting):
    _committee, member, _bank, _questions, quiz = setting
    yesterday = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW - DAY, seed=1)
    daily.answer_daily(session, yesterday, position=1, response="B", now=NOW - DAY)

    today = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=1)

    session.refresh(yesterday)
    assert today.id != yesterday.id and today.daily_on == TODAY
    assert yesterday.state == AttemptState.SUBMITTED and yesterday.is_auto_submitted
    assert _daily_points(session, member) == 1  # yesterday's right answer keeps its point
    assert daily.streak(session, quiz, user_id=member.user_id, today=TODAY) == 0


def test_streak_counts_finished_days(session, setting):
    _committee, member, _bank, _questions, quiz = setting
    for day in (-3, -1, 0):  # a gap two days ago
        attempt = daily.start_daily(
            session, quiz, user_id=member.user_id, now=NOW + day * DAY, seed=day + 10
        )
        _answer_all(session, attempt, ["A"] * 5, now=NOW + day * DAY)

    assert daily.streak(session, quiz, user_id=member.user_id, today=TODAY) == 2
    assert daily.streak(session, quiz, user_id=member.user_id, today=TODAY + DAY) == 2
    assert daily.streak(session, quiz, user_id=member.user_id, today=TODAY + 2 * DAY) == 0
    assert _daily_points(session, member) == 0  # all wrong: no points for showing up


def test_home_summary(session, setting, count_queries):
    _committee, member, _bank, _questions, quiz = setting

    with count_queries() as statements:
        before = daily.today_for(session, user_id=member.user_id, now=NOW)
    assert len(statements) == 3
    assert before.is_available and before.attempt_id is None and not before.is_done

    attempt = daily.start_daily(session, quiz, user_id=member.user_id, now=NOW, seed=1)
    daily.answer_daily(session, attempt, position=1, response="B", now=NOW)
    daily.answer_daily(session, attempt, position=2, response="A", now=NOW)
    middle = daily.today_for(session, user_id=member.user_id, now=NOW)
    assert (middle.attempt_id, middle.questions, middle.answered, middle.correct) == (
        attempt.id,
        5,
        2,
        1,
    )
    assert middle.points_today == 1 and not middle.is_done

    for position in (3, 4, 5):
        daily.answer_daily(session, attempt, position=position, response="B", now=NOW)
    done = daily.today_for(session, user_id=member.user_id, now=NOW)
    assert done.is_done and done.correct == 4 and done.points_today == 4
    assert done.streak == 1
    assert done.mistakes_due == 1


def test_home_summary_of_someone_without_membership(session, make):
    admin = make.admin()
    assert daily.today_for(session, user_id=admin.id, now=NOW) is None


def test_before_the_first_start_the_quiz_is_available_if_there_are_questions(session, make):
    committee = make.committee()
    member = make.member(make.branch(committee))
    assert not daily.today_for(session, user_id=member.user_id, now=NOW).is_available
    many(session, make_bank(session, committee), 3)

    today = daily.today_for(session, user_id=member.user_id, now=NOW)

    assert today.is_available and today.attempt_id is None
    assert daily.daily_quiz_of(session, committee.id) is None  # made at the first start
