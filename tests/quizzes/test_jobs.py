"""The job that submits attempts whose time is up: saved answers graded, run twice → one effect."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from studyhub.core.clock import as_utc
from studyhub.quizzes import jobs
from studyhub.quizzes.models import Attempt, AttemptItem, AttemptState
from studyhub.quizzes.services import attempts
from studyhub.scheduler.registry import find_job
from studyhub.scheduler.runner import run_job
from tests.quizzes.attempt_helpers import RIGHT, answer_all, later, make_quiz, start

GRACE = timedelta(seconds=60)


def snapshot(session) -> list[tuple]:
    """Every attempt's and item's state: the job's whole effect."""
    session.expire_all()
    return [
        *session.execute(
            select(
                Attempt.id,
                Attempt.state,
                Attempt.submitted_at,
                Attempt.is_auto_submitted,
                Attempt.score,
                Attempt.percent,
            ).order_by(Attempt.id)
        ).all(),
        *session.execute(
            select(AttemptItem.id, AttemptItem.score, AttemptItem.is_correct).order_by(
                AttemptItem.id
            )
        ).all(),
    ]


def test_expired_attempts_are_submitted_with_their_saved_answers(session, world):
    timed = make_quiz(session, world, time_limit_seconds=300)
    expired = start(session, timed, world.member)
    answer_all(session, world, expired, {"single": RIGHT["single"], "fillin": RIGHT["fillin"]})
    in_grace = start(session, timed, world.neighbour, at=later(30))  # deadline +330 s
    untimed = start(session, make_quiz(session, world, time_limit_seconds=None), world.member)
    done = start(session, timed, world.outsider)
    attempts.submit_attempt(session, done, now=later(10))

    now = later(300 + 61)
    assert jobs.submit_expired_attempts(session, now=now, grace=GRACE) == 1
    session.refresh(expired)
    assert expired.state == AttemptState.SUBMITTED and expired.is_auto_submitted
    assert as_utc(expired.submitted_at) == now
    assert (expired.score, expired.max_score, expired.percent) == (2, 4, 50)
    assert [i.is_correct for i in expired.items] == [True, False, False, True]
    for attempt in (in_grace, untimed):
        session.refresh(attempt)
        assert attempt.state == AttemptState.IN_PROGRESS
    session.refresh(done)
    assert not done.is_auto_submitted and as_utc(done.submitted_at) == later(10)

    # Later the second one's time is up too.
    assert jobs.submit_expired_attempts(session, now=later(30 + 300 + 61), grace=GRACE) == 1
    session.refresh(in_grace)
    assert in_grace.state == AttemptState.SUBMITTED and in_grace.score == 0


def test_the_job_twice_has_one_effect(app, session, world):
    quiz = make_quiz(session, world, time_limit_seconds=60)
    for member in (world.member, world.neighbour, world.outsider):
        attempt = start(session, quiz, member)
        answer_all(session, world, attempt, RIGHT)
    job = find_job("quizzes.submit_expired_attempts", app.config)
    now = later(60 + app.config["QUIZ_GRACE_SECONDS"] + 1)
    first = run_job(app, job, now=now)
    assert first.ran and first.result == 3
    after_first = snapshot(session)
    assert {row[1] for row in after_first[:3]} == {AttemptState.SUBMITTED}
    assert job.function(session, now, app.config) == 0
    assert run_job(app, job, now=later(600)).result == 0
    assert snapshot(session) == after_first


def test_the_job_works_through_a_backlog_in_batches(session, world, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH", 2)
    quiz = make_quiz(session, world, time_limit_seconds=60)
    people = (world.member, world.neighbour, world.outsider, world.stranger, world.staff)
    for n, member in enumerate(people):
        start(session, quiz, member, at=later(n))
    assert jobs.submit_expired_attempts(session, now=later(5000), grace=GRACE) == 5
    states = session.scalars(select(Attempt.state).where(Attempt.quiz_id == quiz.id)).all()
    assert states == [AttemptState.SUBMITTED] * 5
