"""The pure scoring: normalisation, weights, redistribution, adjustment cap, ties, ratings,
and calendar quarters in a committee's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from studyhub.reports import scoring
from studyhub.reports.quarters import Quarter
from studyhub.reports.scoring import (
    ATTENDANCE,
    DAILY_QUIZ,
    READING,
    TEST,
    Dimension,
    Figure,
    Rating,
    Settings,
    Thresholds,
)

D = Decimal


def full(**overrides: Figure) -> dict[str, Figure]:
    figures = {
        READING: Figure.ratio(8, 10),
        TEST: Figure.percent(90),
        DAILY_QUIZ: Figure.ratio(46, 92),
        ATTENDANCE: Figure.ratio(3, 4),
    }
    figures.update(overrides)
    return figures


# Normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        (Figure.ratio(8, 10), D("80.00")),
        (Figure.ratio(2, 3), D("66.67")),
        (Figure.ratio(12, 10), D("100.00")),  # capped
        (Figure.ratio(0, 10), D("0.00")),
        (Figure.percent(D("87.5")), D("87.50")),
        (Figure.percent(130), D("100.00")),
        (Figure.percent(-5), D("0.00")),
        (Figure.no_data(), D(0)),
        (Figure.ratio(3, 0), D(0)),
    ],
)
def test_normalisation(figure, expected):
    assert figure.normalised == expected


def test_nothing_required_means_the_dimension_does_not_count():
    assert Figure.ratio(0, 0).missing == scoring.NOT_REQUIRED
    assert Figure.ratio(1, 1).missing is None


# Weights ------------------------------------------------------------------------------------


def test_default_weights_make_the_total():
    result = scoring.score(Settings.default(), full())
    points = {line.code: line.points for line in result.lines}
    # 80 × 30% + 90 × 40% + 50 × 10% + 75 × 20%
    assert points == {READING: D("24.00"), TEST: D("36.00"), DAILY_QUIZ: D("5.00"),
                      ATTENDANCE: D("15.00")}  # fmt: skip
    assert result.weighted == result.total == D("80.00")
    assert [line.share for line in result.lines] == [D(30), D(40), D(10), D(20)]
    assert result.redistributed == ()


def test_a_dimension_without_data_gives_its_weight_to_the_others_in_proportion():
    result = scoring.score(Settings.default(), full(**{ATTENDANCE: Figure.no_data()}))
    shares = {line.code: line.share for line in result.lines}
    assert shares == {READING: D("37.50"), TEST: D("50.00"), DAILY_QUIZ: D("12.50"),
                      ATTENDANCE: D(0)}  # fmt: skip
    # 80 × 37.5% + 90 × 50% + 50 × 12.5% = 30 + 45 + 6.25
    assert result.total == D("81.25")
    assert [line.code for line in result.redistributed] == [ATTENDANCE]
    assert result.line(ATTENDANCE).missing == scoring.NO_DATA


def test_a_missing_figure_counts_as_no_data():
    figures = full()
    del figures[DAILY_QUIZ]
    assert scoring.score(Settings.default(), figures).line(DAILY_QUIZ).missing == scoring.NO_DATA


def test_two_dimensions_missing():
    result = scoring.score(
        Settings.default(),
        full(**{ATTENDANCE: Figure.no_data(), TEST: Figure(missing=scoring.NOT_REQUIRED)}),
    )
    # 30 and 10 of 40: 75% and 25%
    assert result.line(READING).share == D("75.00")
    assert result.line(DAILY_QUIZ).share == D("25.00")
    assert result.total == D("72.50")


def test_nothing_counts_gives_zero():
    nothing = {code: Figure.no_data() for code in scoring.CODES}
    result = scoring.score(Settings.default(), nothing, adjustment=D(3))
    assert result.weighted == 0
    assert result.total == D(3)


def test_inactive_or_zero_weight_dimensions_are_not_lines():
    settings = Settings(
        dimensions=(
            Dimension(READING, "阅读", D(50)),
            Dimension(TEST, "测试", D(50)),
            Dimension(DAILY_QUIZ, "答题", D(0)),
            Dimension(ATTENDANCE, "出勤", D(20), is_active=False),
        )
    )
    result = scoring.score(settings, full())
    assert [line.code for line in result.lines] == [READING, TEST]
    assert result.total == D("85.00")


# Adjustments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("adjustment", "applied", "total"),
    [
        (D(3), D(3), D("83.00")),
        (D(25), D(10), D("90.00")),
        (D(-25), D(-10), D("70.00")),
        (D("-10.00"), D(-10), D("70.00")),
    ],
)
def test_adjustments_are_capped_either_way(adjustment, applied, total):
    result = scoring.score(Settings.default(), full(), adjustment=adjustment)
    assert result.adjustment_requested == adjustment.quantize(D("0.01"))
    assert result.adjustment == applied
    assert result.total == total


def test_the_total_never_goes_below_zero():
    zeros = {READING: Figure.ratio(0, 5), TEST: Figure.percent(0)}
    result = scoring.score(Settings.default(), zeros, adjustment=D(-10))
    assert result.total == 0


# Ratings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "rating"),
    [
        (D(100), Rating.EXCELLENT),
        (D(90), Rating.EXCELLENT),
        (D("89.99"), Rating.QUALIFIED),
        (D(70), Rating.QUALIFIED),
        (D("69.99"), Rating.BASIC),
        (D(60), Rating.BASIC),
        (D("59.99"), Rating.UNQUALIFIED),
        (D(0), Rating.UNQUALIFIED),
    ],
)
def test_ratings_by_thresholds(total, rating):
    assert Thresholds().rate(total) == rating


def test_thresholds_are_configurable_and_round_trip():
    thresholds = Thresholds(excellent=D(95), qualified=D(75), basic=D(50))
    assert thresholds.rate(D(94)) == Rating.QUALIFIED
    assert Thresholds.from_dict(thresholds.to_dict()) == thresholds
    assert not Thresholds(excellent=D(60), qualified=D(70), basic=D(50)).is_ordered()


def test_an_override_replaces_the_suggestion():
    assert scoring.final_rating(Rating.BASIC, None) == Rating.BASIC
    assert scoring.final_rating(Rating.BASIC, "excellent") == Rating.EXCELLENT


def test_a_score_round_trips_through_json():
    result = scoring.score(
        Settings.default(),
        full(**{ATTENDANCE: Figure.no_data()}),
        adjustment=D(2),
        completed_at=datetime(2026, 12, 1, 3, tzinfo=UTC),
    )
    assert scoring.Score.from_dict(result.to_dict()) == result


# Ranks --------------------------------------------------------------------------------------

T0 = datetime(2026, 10, 10, tzinfo=UTC)


def test_higher_totals_rank_first_within_branch_and_overall():
    ranks = scoring.ranks(
        [(1, 10, D(80), T0), (2, 10, D(90), T0), (3, 20, D(85), T0), (4, 20, D(70), T0)]
    )
    assert ranks == {2: (1, 1), 3: (1, 2), 1: (2, 3), 4: (2, 4)}


def test_ties_go_to_who_completed_first():
    ranks = scoring.ranks(
        [
            (1, 10, D(80), T0 + timedelta(hours=2)),
            (2, 10, D(80), T0),
            (3, 10, D(80), None),  # never completed anything: last of the tie
            (4, 10, D(80), T0 + timedelta(hours=1)),
        ]
    )
    assert ranks == {2: (1, 1), 4: (2, 2), 1: (3, 3), 3: (4, 4)}


def test_identical_totals_and_times_share_a_rank():
    ranks = scoring.ranks([(1, 10, D(80), T0), (2, 10, D(80), T0), (3, 10, D(70), T0)])
    assert ranks == {1: (1, 1), 2: (1, 1), 3: (3, 3)}


def test_naive_and_aware_completion_times_compare():
    naive = datetime(2026, 10, 10, 1)
    ranks = scoring.ranks([(1, 1, D(80), naive), (2, 1, D(80), T0)])
    assert ranks == {2: (1, 1), 1: (2, 2)}


def test_completion_time_is_the_latest_of_known_times():
    assert scoring.completion_time(None, None) is None
    later = T0 + timedelta(days=1)
    assert scoring.completion_time(T0, later, None) == later


# Quarters -----------------------------------------------------------------------------------


def test_quarters_parse_and_label():
    assert Quarter.parse("2026Q4") == Quarter(2026, 4)
    assert Quarter.parse("2026-q1") == Quarter(2026, 1)
    assert str(Quarter(2026, 2)) == "2026Q2"
    for bad in ("2026Q5", "2026", "Q4", ""):
        with pytest.raises(ValueError):
            Quarter.parse(bad)


def test_quarters_are_calendar_quarters():
    assert Quarter.of(date(2026, 1, 1)) == Quarter(2026, 1)
    assert Quarter.of(date(2026, 3, 31)) == Quarter(2026, 1)
    assert Quarter.of(date(2026, 4, 1)) == Quarter(2026, 2)
    assert Quarter.of(date(2026, 12, 31)) == Quarter(2026, 4)
    assert Quarter(2026, 1).last_day == date(2026, 3, 31)
    assert Quarter(2026, 4).days == 92
    assert Quarter(2024, 1).days == 91  # leap year
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)


def test_quarter_boundaries_in_the_committees_time_zone():
    beijing = "Asia/Shanghai"
    # 31 March 23:59 in Beijing is 15:59 UTC: Q1. 1 April 00:00 Beijing is 16:00 UTC: Q2.
    last_minute = datetime(2026, 3, 31, 15, 59, tzinfo=UTC)
    first_minute = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert Quarter.at(last_minute, beijing) == Quarter(2026, 1)
    assert Quarter.at(first_minute, beijing) == Quarter(2026, 2)
    assert Quarter(2026, 1).ends_at(beijing) == first_minute
    assert Quarter(2026, 2).starts_at(beijing) == first_minute
    # The same instants in London (UTC+1 in summer time) are both still 31 March.
    assert Quarter.at(first_minute, "Europe/London") == Quarter(2026, 1)
    assert Quarter(2026, 2).starts_at("Europe/London") == datetime(2026, 3, 31, 23, tzinfo=UTC)


def test_days_until_today():
    q4 = Quarter(2026, 4)
    assert q4.days_until(date(2026, 9, 30)) == 0
    assert q4.days_until(date(2026, 10, 1)) == 1
    assert q4.days_until(date(2026, 11, 20)) == 51
    assert q4.days_until(date(2027, 2, 1)) == 92
