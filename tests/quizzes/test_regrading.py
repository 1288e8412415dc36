"""Regrading after an answer key is fixed: dry run, applied run, quarters, messages, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from studyhub.audit.models import AuditEntry
from studyhub.notify import texts
from studyhub.notify.models import Message
from studyhub.quizzes.models import Attempt, QuestionType
from studyhub.quizzes.services import attempts, regrading
from studyhub.quizzes.services import bank as banks
from studyhub.reports.models import FrozenScore, QuarterClose
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import (
    RIGHT,
    WRONG,
    answer_all,
    items_of,
    later,
    make_quiz,
    start,
)

pytestmark = pytest.mark.usefixtures("in_english")


def fix_key(session, world, answer="A"):
    """The single-choice question's key was wrong: A is right (a new version)."""
    question = world.questions["single"]
    banks.update_question(
        session,
        question,
        banks.QuestionFields(
            qtype=QuestionType.SINGLE,
            stem="遵义会议是哪一年召开的？",
            options=["一九三四年召开", "一九三五年召开", "一九三六年召开"],
            answer=answer,
        ),
        by_user_id=None,
        now=NOW,
    )
    session.flush()


def taken(session, world, quiz, member, answers, at=NOW):
    attempt = start(session, quiz, member, at=at)
    answer_all(session, world, attempt, answers, at=at)
    attempts.submit_attempt(session, attempt, now=at)
    return attempt


def test_dry_run_lists_what_the_applied_run_changes(session, world):
    quiz = make_quiz(session, world, pass_percent=70)
    chose_a = taken(session, world, quiz, world.member, {**RIGHT, "single": "A"})  # 3 of 4
    chose_b = taken(session, world, quiz, world.neighbour, RIGHT)  # 4 of 4
    untouched = taken(session, world, quiz, world.staff, {"single": "C"})  # wrong either way
    assert (chose_a.percent, chose_a.is_passed) == (75, True)
    fix_key(session, world)

    dry = regrading.plan(session, quiz)
    assert dry.checked == 3
    by_attempt = {c.attempt_id: c for c in dry.changes}
    assert set(by_attempt) == {chose_a.id, chose_b.id}
    assert (by_attempt[chose_a.id].old_score, by_attempt[chose_a.id].new_score) == (3, 4)
    assert (by_attempt[chose_b.id].new_percent, by_attempt[chose_b.id].new_passed) == (75, True)
    assert by_attempt[chose_a.id].name == "答题党员" and by_attempt[chose_a.id].questions == [1]
    session.refresh(chose_a)
    assert chose_a.score == 3  # the dry run wrote nothing

    applied = regrading.apply(
        session, quiz, actor_id=world.staff.user_id, now=later(60), expected=dry.digest()
    )
    assert applied.key() == dry.key() and applied.digest() == dry.digest()
    for attempt in (chose_a, chose_b, untouched):
        session.refresh(attempt)
    assert (chose_a.score, chose_a.percent) == (4, 100)
    assert (chose_b.score, chose_b.percent) == (3, 75)
    assert untouched.score == 0
    single = items_of(session, chose_a)[0]
    assert single.is_correct and single.version_id == world.questions["single"].current_version_id
    # A second run finds nothing to do.
    assert regrading.plan(session, quiz).changes == []
    entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "quiz.regraded")).one()
    assert entry.actor_id == world.staff.user_id and entry.details["changed"] == 2


def test_members_whose_result_changed_are_told_once(session, world):
    quiz = make_quiz(session, world)
    attempt = taken(session, world, quiz, world.member, {**RIGHT, "single": "A"})
    taken(session, world, quiz, world.neighbour, WRONG)  # single "A" too
    fix_key(session, world)
    regrading.apply(session, quiz, actor_id=None, now=later(60))
    regrading.apply(session, quiz, actor_id=None, now=later(120))  # nothing changes again

    def messages(member):
        return session.scalar(
            select(func.count(Message.id)).where(
                Message.user_id == member.user_id, Message.kind == "quiz_regraded"
            )
        )

    assert messages(world.member) == 1 and messages(world.neighbour) == 1
    message = session.scalars(select(Message).where(Message.user_id == world.member.user_id)).one()
    assert message.params["quiz"] == quiz.title and message.params["new"] == "100.00"
    assert texts.render(message)[0] == f"Your result in {quiz.title} was corrected"
    assert messages(world.staff) == 0
    assert attempt.id


def test_closed_quarters_keep_their_frozen_scores_with_a_note(session, world):
    quiz = make_quiz(session, world)
    attempt = taken(session, world, quiz, world.member, {**RIGHT, "single": "A"})
    year = NOW.year
    quarter = (NOW.month - 1) // 3 + 1
    session.execute(
        insert(QuarterClose).values(
            committee_id=world.committee.id,
            year=year,
            quarter=quarter,
            is_closed=True,
            closed_at=NOW,
            history=[],
        )
    )
    frozen = FrozenScore(
        committee_id=world.committee.id,
        year=year,
        quarter=quarter,
        user_id=world.member.user_id,
        branch_id=world.branch.id,
        total=Decimal("75.00"),
        branch_rank=1,
        committee_rank=1,
        rating="good",
        explanation={"quiz": "75%"},
    )
    session.add(frozen)
    session.flush()
    fix_key(session, world)
    done = regrading.apply(session, quiz, actor_id=None, now=later(60))
    assert done.frozen_quarters == [f"{year}Q{quarter}"]
    session.refresh(attempt)
    session.refresh(frozen)
    assert attempt.score == 4  # the attempt is regraded; the frozen score is not
    assert (frozen.total, frozen.explanation) == (Decimal("75.00"), {"quiz": "75%"})


def test_an_item_whose_options_changed_is_not_regraded(session, world):
    quiz = make_quiz(session, world)
    attempt = taken(session, world, quiz, world.member, {**RIGHT, "single": "A"})
    question = world.questions["single"]
    banks.update_question(
        session,
        question,
        banks.QuestionFields(
            qtype=QuestionType.SINGLE, stem="新题干", options=["甲", "乙", "丙", "丁"], answer="A"
        ),
        by_user_id=None,
        now=NOW,
    )
    dry = regrading.plan(session, quiz)
    assert dry.changes == [] and dry.not_comparable == 1
    assert session.get(Attempt, attempt.id).score == 3
