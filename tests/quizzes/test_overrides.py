"""Overrides: a member's or a unit's exceptions to an exam, and how several combine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.audit.models import AuditEntry
from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, InvalidInput
from studyhub.quizzes import jobs
from studyhub.quizzes.models import AttemptState, QuizMode
from studyhub.quizzes.services import attempts, overrides, stats
from studyhub.quizzes.services.attempts import AttemptClosed
from studyhub.quizzes.services.overrides import OverrideFields
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import RIGHT, answer_all, later, make_quiz, start

pytestmark = pytest.mark.usefixtures("in_english")
GRACE = timedelta(seconds=60)


def override(session, quiz, *, member=None, unit=None, **fields):
    return overrides.save_override(
        session,
        quiz,
        OverrideFields(**fields),
        user_id=member.user_id if member else None,
        unit_id=unit.id if unit else None,
        actor_id=None,
        now=NOW,
    )


def test_a_longer_time_limit_moves_the_deadline_saves_and_the_automatic_submission(session, world):
    quiz = make_quiz(session, world)  # 600 seconds
    override(session, quiz, member=world.member, time_limit_seconds=1200)
    mine = start(session, quiz, world.member)
    theirs = start(session, quiz, world.neighbour)
    assert mine.deadline_at == later(1200) and theirs.deadline_at == later(600)
    assert attempts.remaining_seconds(mine, now=later(700)) == 500
    # At 700 s the neighbour's time (and grace) is over, the member's is not.
    answer_all(session, world, mine, {"single": RIGHT["single"]}, at=later(700))
    with pytest.raises(AttemptClosed):
        answer_all(session, world, theirs, {"single": RIGHT["single"]}, at=later(700))
    # The scheduler's job submits the member's attempt only past their own deadline.
    assert jobs.submit_expired_attempts(session, now=later(1200), grace=GRACE) == 0
    assert jobs.submit_expired_attempts(session, now=later(1261), grace=GRACE) == 1
    session.refresh(mine)
    assert mine.state == AttemptState.SUBMITTED and mine.is_auto_submitted
    assert mine.score == 1


def test_extra_attempts_and_a_later_close_for_a_branch(session, world):
    quiz = make_quiz(session, world, attempts_allowed=1, closes_at=later(3600))
    override(session, quiz, unit=world.branch, attempts_allowed=2, closes_at=later(7200))
    first = start(session, quiz, world.member)
    attempts.submit_attempt(session, first, now=later(10))
    second = start(session, quiz, world.member, at=later(4000))  # after the quiz's close
    assert second.number == 2 and second.deadline_at == later(4600)
    attempts.submit_attempt(session, second, now=later(4100))
    with pytest.raises(Closed, match="2 attempts"):
        start(session, quiz, world.member, at=later(4200))
    facts = attempts.overview(session, quiz, user_id=world.member.user_id, now=later(4200))
    assert facts.settings.is_overridden and facts.settings.attempts_allowed == 2


def test_an_earlier_opening_for_one_member(session, world):
    quiz = make_quiz(session, world, opens_at=later(3600))
    override(session, quiz, member=world.member, opens_at=NOW)
    assert start(session, quiz, world.member).number == 1
    with pytest.raises(Closed, match="not opened"):
        start(session, quiz, world.neighbour)


def test_the_most_generous_value_applies_per_setting(session, world):
    quiz = make_quiz(session, world, attempts_allowed=1, time_limit_seconds=600)
    override(session, quiz, unit=world.general, time_limit_seconds=900, attempts_allowed=3)
    override(session, quiz, unit=world.branch, time_limit_seconds=1800, closes_at=later(100))
    override(session, quiz, member=world.member, attempts_allowed=2, closes_at=later(5000))
    rules = overrides.effective(session, quiz, user_id=world.member.user_id)
    assert rules.time_limit_seconds == 1800  # the branch's, longer than the general branch's
    assert rules.attempts_allowed == 3  # the general branch's, more than the member's
    assert rules.closes_at == later(5000)  # the member's, later than the branch's
    neighbour = overrides.effective(session, quiz, user_id=world.neighbour.user_id)
    assert neighbour.closes_at == later(100)  # a branch override may close earlier
    outsider = overrides.effective(session, quiz, user_id=world.outsider.user_id)
    assert not outsider.is_overridden and outsider.time_limit_seconds == 600
    # 0 is "no limit" / "unlimited" and beats any number.
    override(session, quiz, member=world.neighbour, time_limit_seconds=0, attempts_allowed=0)
    neighbour = overrides.effective(session, quiz, user_id=world.neighbour.user_id)
    assert neighbour.time_limit_seconds is None and neighbour.attempts_allowed is None


def test_saving_an_override_moves_attempts_in_progress_and_is_audited(session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member)
    saved = override(session, quiz, member=world.member, time_limit_seconds=900)
    session.refresh(attempt)
    assert as_utc(attempt.deadline_at) == later(900)
    overrides.delete_override(session, quiz, saved.id, actor_id=world.staff.user_id, now=NOW)
    session.refresh(attempt)
    assert as_utc(attempt.deadline_at) == later(600)
    kinds = list(
        session.scalars(
            select(AuditEntry.kind).where(AuditEntry.object_id == quiz.id).order_by(AuditEntry.id)
        )
    )
    assert "quiz.override_saved" in kinds and "quiz.override_deleted" in kinds


def test_the_status_page_shows_whom_an_override_covers(session, world):
    quiz = make_quiz(session, world)
    override(session, quiz, member=world.member, time_limit_seconds=1200)
    covered = overrides.for_members(session, quiz, world.branch)
    assert set(covered) == {world.member.id}
    assert covered[world.member.id].time_limit_seconds == 1200
    assert stats.unit_status(session, quiz, world.branch).rows  # the page's table still builds


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "at least one"),
        ({"attempts_allowed": 101}, "attempts"),
        ({"time_limit_seconds": 25 * 3600}, "24 hours"),
        ({"opens_at": later(10), "closes_at": later(5)}, "close after"),
    ],
)
def test_bad_overrides_are_refused(session, world, fields, message):
    quiz = make_quiz(session, world)
    with pytest.raises(InvalidInput, match=message):
        override(session, quiz, member=world.member, **fields)


def test_practice_quizzes_have_no_overrides(session, world):
    quiz = make_quiz(session, world, mode=QuizMode.PRACTICE)
    with pytest.raises(InvalidInput):
        override(session, quiz, member=world.member, attempts_allowed=3)


def test_answers_shown_after_close_wait_for_the_members_own_close(session, world):
    quiz = make_quiz(session, world, closes_at=later(3600))
    override(session, quiz, member=world.member, closes_at=later(7200), attempts_allowed=2)
    mine = start(session, quiz, world.member)
    attempts.submit_attempt(session, mine, now=later(60))
    theirs = start(session, quiz, world.neighbour)
    attempts.submit_attempt(session, theirs, now=later(60))
    # Between the quiz's close and the member's: the neighbour sees the answers, not the member.
    shown, _views = attempts.item_views(session, mine, now=later(5000))
    assert not shown.answers
    shown, _views = attempts.item_views(session, theirs, now=later(5000))
    assert shown.answers
    shown, _views = attempts.item_views(session, mine, now=later(7300))
    assert shown.answers
