"""Item analysis from the database (SQL sums), and members' statuses on a quiz."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from studyhub.org.models import Role
from studyhub.quizzes import statistics
from studyhub.quizzes.models import Attempt, AttemptItem, GradingMethod
from studyhub.quizzes.services import attempts, stats
from tests.conftest import NOW, shared_data
from tests.quizzes.attempt_helpers import RIGHT, WRONG, items_of, make_quiz, numbered, start

SLOTS = range(1, 8)


def _submit(session, quiz, member, answers, *, seed=7):
    attempt = start(session, quiz, member, seed=seed)
    for item, answer in zip(items_of(session, attempt), answers, strict=True):
        if answer is not None:
            attempts.save_answer(
                session, attempt, position=item.position, response=answer, seq=1, now=NOW
            )
    attempts.submit_attempt(session, attempt, now=NOW)
    return attempt


def test_the_database_reproduces_moodles_figures(session, world, make):
    """results00.csv's marks stored as attempt items give qstats00.csv's figures.

    Scores are stored with four places, so each question is worth 3 points and the marks are
    tripled (Moodle's 0.3333333 is a third: 1.0000 of 3); facility, SD as a fraction of the
    maximum, and the indices do not depend on the scale.
    """
    with shared_data("moodle/quiz_statistics/results00.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    with shared_data("moodle/quiz_statistics/qstats00.csv").open(newline="") as f:
        expected = {int(r["slot"]): r for r in csv.DictReader(f)}
    questions = [numbered(session, world.bank, n) for n in SLOTS]
    quiz = make_quiz(session, world, questions=questions, points=Decimal(3))
    for row in rows:
        attempt = _submit(session, quiz, make.member(world.branch), [None] * 7)
        marks = [
            (Decimal(row[f"slots.{slot}.mark"]) * 3).quantize(Decimal("0.0001")) for slot in SLOTS
        ]
        for slot, mark in zip(SLOTS, marks, strict=True):
            session.execute(
                update(AttemptItem)
                .where(AttemptItem.attempt_id == attempt.id, AttemptItem.position == slot)
                .values(score=mark)
            )
        session.execute(update(Attempt).where(Attempt.id == attempt.id).values(score=sum(marks)))

    result = stats.quiz_statistics(session, quiz)

    tolerance = 1e-4
    assert result.summary.n == 25
    by_question = {row.question_id: row.stats for row in result.questions}
    for slot, question in zip(SLOTS, questions, strict=True):
        ours = by_question[question.id]
        theirs = expected[slot]
        assert ours.n == 25
        assert ours.facility == pytest.approx(float(theirs["facility"]), abs=tolerance)
        assert ours.sd == pytest.approx(float(theirs["sd"]), abs=tolerance)
        assert ours.discrimination_index == pytest.approx(
            float(theirs["discriminationindex"]), abs=tolerance
        )
        assert ours.discriminative_efficiency == pytest.approx(
            float(theirs["discriminativeefficiency"]), abs=tolerance
        )
        assert ours.effective_weight == pytest.approx(
            float(theirs["effectiveweight"]), abs=tolerance
        )
        assert "negative" in ours.flags
    assert result.flagged == 7


def test_statistics_match_the_pure_functions(session, world, make, count_queries):
    quiz = make_quiz(session, world, attempts_allowed=2)
    order = ["single", "multiple", "truefalse", "fillin"]
    patterns = [
        ("RRRR"),
        ("RRRW"),
        ("RRWW"),
        ("RWW-"),
        ("WWWW"),
        ("RRRR"),
    ]
    members = [make.member(world.branch) for _ in patterns]
    for member, pattern in zip(members, patterns, strict=True):
        answers = [
            None if mark == "-" else (RIGHT if mark == "R" else WRONG)[qtype]
            for qtype, mark in zip(order, pattern, strict=True)
        ]
        _submit(session, quiz, member, answers)
    # A second try by the first member: counted only with "all".
    _submit(session, quiz, members[4], [RIGHT[q] for q in order])
    # An attempt in progress never counts.
    start(session, quiz, members[5])

    with count_queries() as statements:
        first = stats.quiz_statistics(session, quiz)
    assert len(statements) <= 6
    every = stats.quiz_statistics(session, quiz, which="all")

    ids = [world.questions[q].id for q in order]
    marks = [
        {qid: (1.0 if mark == "R" else 0.0) for qid, mark in zip(ids, pattern, strict=True)}
        for pattern in patterns
    ]
    expected = statistics.analyse(marks, {qid: 1.0 for qid in ids})
    rows = {row.question_id: row for row in first.questions}
    for qid in ids:
        for name in (
            "facility",
            "sd",
            "discrimination_index",
            "discriminative_efficiency",
            "effective_weight",
        ):
            assert getattr(rows[qid].stats, name) == pytest.approx(
                getattr(expected[qid], name), abs=1e-9
            ), name
    assert first.summary.n == 6 and every.summary.n == 7
    assert first.summary.mean == pytest.approx((100 + 75 + 50 + 25 + 0 + 100) / 6)
    assert first.summary.median == pytest.approx(62.5)
    assert every.questions[0].stats.n == 7

    single = rows[world.questions["single"].id]
    assert single.options == [("A", 1), ("B", 5), ("C", 0)]
    assert single.right == ["B"]
    truefalse = rows[world.questions["truefalse"].id]
    assert truefalse.options == [("true", 3), ("false", 3)]
    multiple = rows[world.questions["multiple"].id]
    assert multiple.options == [("A", 6), ("B", 4), ("C", 4), ("D", 2)]
    fillin = rows[world.questions["fillin"].id]
    assert fillin.options == [("农民", 3), ("工人阶级", 2), (statistics.NO_ANSWER, 1)]


def test_no_attempts_no_figures(session, world):
    quiz = make_quiz(session, world)
    result = stats.quiz_statistics(session, quiz)
    assert result.summary.n == 0 and result.summary.mean is None
    assert result.questions == []


# Statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(GradingMethod))
def test_unit_status_one_row_per_member(session, world, make, count_queries, method):
    quiz = make_quiz(session, world, attempts_allowed=3, grading_method=method)
    right = [RIGHT[q] for q in ("single", "multiple", "truefalse", "fillin")]
    half = right[:2] + [None, None]
    _submit(session, quiz, world.member, half)  # 50: fails
    _submit(session, quiz, world.member, right)  # 100
    start(session, quiz, world.neighbour)
    inactive = make.member(world.branch, name="停用党员")
    inactive.is_active = False
    _submit(session, quiz, world.outsider, right)  # another branch: not in the table
    session.flush()

    with count_queries() as statements:
        table = stats.unit_status(session, quiz, world.branch)
    assert len(statements) == 1

    by_name = {row.name: row for row in table.rows}
    assert "停用党员" not in by_name and world.outsider.user.name not in by_name
    mine = by_name[world.member.user.name]
    expected = {
        GradingMethod.HIGHEST: Decimal(100),
        GradingMethod.FIRST: Decimal(50),
        GradingMethod.LAST: Decimal(100),
        GradingMethod.AVERAGE: Decimal(75),
    }[method]
    assert (mine.status, mine.attempts, mine.grade) == (stats.SUBMITTED, 2, expected)
    assert mine.is_passed == (expected >= 60)
    neighbour = by_name[world.neighbour.user.name]
    assert (neighbour.status, neighbour.grade, neighbour.is_passed) == (
        stats.IN_PROGRESS,
        None,
        None,
    )
    assert by_name[world.staff.user.name].status == stats.NOT_STARTED
    assert table.count(stats.NOT_STARTED) == 1
    assert [r.name for r in table.rows] == sorted(r.name for r in table.rows)


def test_unit_status_of_a_general_branch_covers_its_branches(session, world, make):
    quiz = make_quiz(session, world, assign_to=world.general)
    secretary = make.member(world.branch, role=Role.SECRETARY)
    table = stats.unit_status(session, quiz, world.general)
    names = {row.name for row in table.rows}
    assert {world.member.user.name, secretary.user.name} <= names
    assert world.outsider.user.name not in names
    assert session.scalar(select(Attempt.id).where(Attempt.quiz_id == quiz.id)) is None
