"""Raw figures from the database, each dimension, and the scores they make."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from studyhub.meetings.models import AttendanceStatus
from studyhub.reports import scoring
from studyhub.reports.services.scores import LiveScores
from studyhub.reports.services.settings import settings_for
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import AFTER_Q4, Q4


def live(session, q4, scope=None, now=AFTER_Q4):
    return LiveScores(session, q4.committee, Q4, scope or q4.committee, now=now).compute()


def by_name(scores):
    return {s.name: s for s in scores}


def test_reading_completion_counts_the_quarters_dailies_and_the_plans_materials(session, q4):
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a1, found, at(2026, 10, 5, 3))
    helpers.study(session, q4.a2, q4.dailies[0], at(2026, 10, 5, 3))
    # After the quarter's end (1 January 00:00 Beijing = 31 December 16:00 UTC): not counted.
    helpers.study(session, q4.a2, q4.materials[0], at(2026, 12, 31, 16))
    helpers.study(session, q4.b1, q4.dailies[0], at(2026, 10, 2, 1))
    helpers.study(session, q4.b1, q4.dailies[1], at(2026, 12, 31, 15, 59))
    # A material of branch A's plan does not count for branch B.
    helpers.study(session, q4.b1, q4.materials[0], at(2026, 10, 2, 1))

    with live(session, q4) as scores:
        rows = by_name(scores)
    reading = {name: rows[name].score.line(scoring.READING) for name in ("张一", "张二", "李一")}
    assert (reading["张一"].value, reading["张一"].out_of) == (5, 5)
    assert (reading["张二"].value, reading["张二"].out_of) == (1, 5)
    assert (reading["李一"].value, reading["李一"].out_of) == (2, 3)
    assert reading["李一"].normalised == Decimal("66.67")


def test_test_is_the_best_percent_and_zero_when_not_taken(session, q4):
    helpers.attempt(session, q4.a1, q4.test, percent=80, at=at(2026, 11, 1))
    helpers.attempt(session, q4.a1, q4.test, percent=90, at=at(2026, 11, 2))
    helpers.attempt(session, q4.a1, q4.test, percent=70, at=at(2026, 11, 3))
    # An unsubmitted attempt does not count.
    helpers.attempt(session, q4.a2, q4.test, percent=None, at=at(2026, 11, 3), submitted=False)

    with live(session, q4) as scores:
        rows = by_name(scores)
    a1, a2, b1 = rows["张一"], rows["张二"], rows["李一"]
    assert a1.score.line(scoring.TEST).normalised == 90
    assert (a1.tests.required, a1.tests.taken, a1.tests.passed) == (1, 1, 1)
    assert a2.score.line(scoring.TEST).normalised == 0
    assert a2.score.line(scoring.TEST).missing is None
    assert (a2.tests.required, a2.tests.taken) == (1, 0)
    # No plan test targets branch B: the test does not count for b1, its weight moves.
    assert b1.score.line(scoring.TEST).missing == scoring.NOT_REQUIRED
    assert b1.score.line(scoring.READING).share == Decimal("75.00")


def test_daily_quiz_is_days_with_a_go_over_days_so_far(session, q4):
    for day in range(1, 11):
        helpers.attempt(
            session,
            q4.a1,
            q4.daily,
            percent=100,
            at=at(2026, 10, day, 2),
            daily_on=date(2026, 10, day),
        )
    helpers.attempt(
        session, q4.a2, q4.daily, percent=0, at=at(2026, 9, 30, 2), daily_on=date(2026, 9, 30)
    )
    with live(session, q4) as scores:
        rows = by_name(scores)
    line = rows["张一"].score.line(scoring.DAILY_QUIZ)
    assert (line.value, line.out_of) == (10, 92)
    assert rows["张二"].score.line(scoring.DAILY_QUIZ).value == 0

    # Halfway through the quarter the denominator is the days so far (1 Oct – 20 Nov).
    with live(session, q4, now=helpers.IN_Q4) as scores:
        line = by_name(scores)["张一"].score.line(scoring.DAILY_QUIZ)
    assert (line.value, line.out_of) == (10, 51)


def test_attendance_is_attended_over_expected_less_excused(session, q4):
    present, late, excused, absent = (
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
        AttendanceStatus.EXCUSED,
        AttendanceStatus.ABSENT,
    )
    helpers.meeting(
        session, q4.branch_a, at=at(2026, 10, 10, 6), attendance={q4.a1: present, q4.a2: absent}
    )
    helpers.meeting(
        session, q4.branch_a, at=at(2026, 11, 10, 6), attendance={q4.a1: late, q4.a2: excused}
    )
    # Outside the quarter: not counted.
    helpers.meeting(
        session, q4.branch_a, at=at(2026, 9, 10, 6), attendance={q4.a1: absent, q4.a2: absent}
    )
    with live(session, q4) as scores:
        rows = by_name(scores)
    a1 = rows["张一"].score.line(scoring.ATTENDANCE)
    a2 = rows["张二"].score.line(scoring.ATTENDANCE)
    assert (a1.value, a1.out_of, a1.normalised) == (2, 2, 100)
    assert (a2.value, a2.out_of, a2.normalised) == (0, 1, 0)
    # b1 was expected at no meeting: attendance does not count for them.
    assert rows["李一"].score.line(scoring.ATTENDANCE).missing == scoring.NOT_REQUIRED

    # With MEETING_EXCUSED_COUNTS_AS = "attended", a2's excused absence counts as attended.
    found = LiveScores(
        session, q4.committee, Q4, q4.committee, now=AFTER_Q4, excused_counts_as="attended"
    )
    with found.compute() as scores:
        a2 = by_name(scores)["张二"].score.line(scoring.ATTENDANCE)
    assert (a2.value, a2.out_of) == (1, 2)


def test_without_meetings_attendance_counts_for_nobody_and_the_page_can_say_so(session, q4):
    with live(session, q4) as scores:
        assert scoring.ATTENDANCE in scores.not_counted
        rows = by_name(scores)
    line = rows["张一"].score.line(scoring.ATTENDANCE)
    assert line.missing == scoring.NO_DATA
    assert line.points == 0
    # 30 / 40 / 10 of the remaining 80.
    assert [line.share for line in rows["张一"].score.lines if not line.missing] == [
        Decimal("37.50"),
        Decimal("50.00"),
        Decimal("12.50"),
    ]


def test_a_whole_score_adds_up(session, q4):
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a1, found, at(2026, 10, 5, 3))
    helpers.attempt(session, q4.a1, q4.test, percent=90, at=at(2026, 11, 2))
    for day in (1, 2):
        helpers.attempt(
            session,
            q4.a1,
            q4.daily,
            percent=100,
            at=at(2026, 10, day, 2),
            daily_on=date(2026, 10, day),
        )
    from studyhub.reports.services import adjustments

    adjustments.add_adjustment(
        session,
        q4.a1,
        Q4,
        points=Decimal(2),
        reason="志愿服务",
        by=q4.secretary_a.user,
        now=AFTER_Q4,
    )
    with live(session, q4) as scores:
        a1 = by_name(scores)["张一"]
    points = {line.code: line.points for line in a1.score.lines}
    # reading 100 × 37.5%, test 90 × 50%, daily 2/92 = 2.17 × 12.5% = 0.27
    assert points == {
        scoring.READING: Decimal("37.50"),
        scoring.TEST: Decimal("45.00"),
        scoring.DAILY_QUIZ: Decimal("0.27"),
        scoring.ATTENDANCE: Decimal("0"),
    }
    assert a1.score.adjustment == 2
    assert a1.score.total == Decimal("84.77")
    assert a1.rating == scoring.Rating.QUALIFIED
    assert a1.adjustments == ((Decimal("2.00"), "志愿服务"),)


def test_ranks_within_branch_and_committee_break_ties_by_who_completed_first(session, q4):
    # a1 and a2 reach the same figures; a2 completed a day earlier.
    for member, day in ((q4.a1, 6), (q4.a2, 5)):
        for found in [*q4.dailies, *q4.materials]:
            helpers.study(session, member, found, at(2026, 10, day, 3))
        helpers.attempt(session, member, q4.test, percent=80, at=at(2026, 10, day, 4))
    with live(session, q4) as scores:
        rows = by_name(scores)
        ordered = [s.name for s in scores if s.branch_id == q4.branch_a.id]
    assert rows["张一"].score.total == rows["张二"].score.total
    assert rows["张二"].branch_rank == 1
    assert rows["张一"].branch_rank == 2
    assert ordered[:2] == ["张二", "张一"]
    assert rows["张二"].committee_rank == 1
    assert rows["李一"].branch_rank == 1


def test_a_branch_scope_gives_branch_ranks_only(session, q4):
    with live(session, q4, scope=q4.branch_b) as scores:
        rows = list(scores)
    # Nobody studied: equal totals, never completed, so they share the rank.
    assert [(r.name, r.branch_rank, r.committee_rank) for r in rows] == [
        ("乙书记", 1, None),
        ("李一", 1, None),
    ]


def test_settings_without_rows_are_the_defaults(session, q4):
    settings = settings_for(session, q4.committee.id)
    assert {d.code: d.weight for d in settings.dimensions} == scoring.DEFAULT_WEIGHTS
    assert settings.thresholds == scoring.Thresholds()
    assert settings.adjustment_cap == 10
