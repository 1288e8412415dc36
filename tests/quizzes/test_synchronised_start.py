"""The synchronised start: 2,000 members starting one exam within a minute.

A start must not serialise on one lock or one row: it reads the quiz and the
questions without locking them and writes only the member's own rows (the
attempt and its items), so concurrent starts of different members never wait
on each other in PostgreSQL. (On SQLite every writer queues for the database's
one write lock anyway: bench/examday.py measures that queue.) A second start
of the same member at the same moment makes one attempt (the unique number).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from studyhub.quizzes.models import Attempt, AttemptItem
from studyhub.quizzes.services import attempts
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import make_quiz, numbered

QUESTIONS = 50
# The member, their exceptions, the open attempt and last number, the draw, the versions
# and the two inserts (the items in one executemany): none per question.
START_STATEMENTS = 11
WRITE = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", re.IGNORECASE)


def test_a_start_locks_nothing_shared_and_writes_only_the_members_rows(
    session, world, count_queries
):
    questions = [numbered(session, world.bank, n) for n in range(1, QUESTIONS + 1)]
    quiz = make_quiz(session, world, questions=questions, shuffle_questions=True)

    with count_queries() as statements:
        attempt = attempts.start_attempt(
            session, quiz, user_id=world.member.user_id, now=NOW, seed=11
        )

    written = {m.group(2).lower() for s in statements if (m := WRITE.match(s))}
    assert written == {"attempt", "attempt_item"}, written
    assert not [s for s in statements if "FOR UPDATE" in s.upper()]
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    # A fixed number of statements, whatever the questions (no statement per question).
    assert len(statements) <= START_STATEMENTS, statements
    held = session.scalar(select(func.count()).where(AttemptItem.attempt_id == attempt.id))
    assert held == QUESTIONS


def test_many_members_start_at_once_each_with_their_own_attempt(session, world, make):
    questions = [numbered(session, world.bank, n) for n in range(1, 11)]
    quiz = make_quiz(session, world, questions=questions, shuffle_questions=True)
    members = [make.member(world.branch, name=f"同时{n}") for n in range(30)]

    for n, member in enumerate(members):
        attempts.start_attempt(session, quiz, user_id=member.user_id, now=NOW, seed=n)
    again = attempts.start_attempt(session, quiz, user_id=members[0].user_id, now=NOW, seed=99)

    started = session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)).all()
    assert len(started) == len(members)  # the second start resumed the first attempt
    assert again.id in {a.id for a in started}
    assert {a.user_id for a in started} == {m.user_id for m in members}


# What two transactions may hold at once on a table (PostgreSQL's table-level modes): a start
# may read shared tables (AccessShare) and take key-share row locks through foreign keys
# (RowShare, compatible with every other start's); it writes only its own new rows.
SHARED_OK = {"AccessShareLock", "RowShareLock"}
OWN_TABLES = {"attempt", "attempt_item"}


def test_on_postgresql_a_start_holds_no_lock_another_start_would_wait_for(session, world):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's locks; SQLite's writers queue by design")
    questions = [numbered(session, world.bank, n) for n in range(1, 21)]
    quiz = make_quiz(session, world, questions=questions, shuffle_questions=True)

    before = _locks(session)  # the setup's own, in this test's transaction

    attempts.start_attempt(session, quiz, user_id=world.member.user_id, now=NOW, seed=3)
    taken = _locks(session) - before

    assert {name for name, _mode in taken} >= OWN_TABLES  # the start wrote its own rows
    for name, mode in taken:
        if name in OWN_TABLES:
            assert mode in SHARED_OK | {"RowExclusiveLock"}, (name, mode)
        else:
            assert mode in SHARED_OK, (name, mode)


def _locks(session) -> set[tuple[str, str]]:
    """(table, mode) of the table locks this transaction holds."""
    rows = session.execute(
        text(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = pg_backend_pid() AND c.relkind = 'r'"
        )
    ).all()
    return {(name, mode) for name, mode in rows}
