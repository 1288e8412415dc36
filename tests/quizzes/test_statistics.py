"""Item analysis against Moodle's own figures (results00.csv → qstats00.csv)."""

from __future__ import annotations

import csv

import pytest

from studyhub.quizzes import statistics
from tests.conftest import shared_data

SLOTS = range(1, 8)
# Our name → the oracle's column.
COLUMNS = {
    "facility": "facility",
    "sd": "sd",
    "effective_weight": "effectiveweight",
    "covariance": "covariance",
    "mark_variance": "markvariance",
    "other_mark_variance": "othermarkvariance",
    "discrimination_index": "discriminationindex",
    "covariance_max": "covariancemax",
    "discriminative_efficiency": "discriminativeefficiency",
}


def _attempts() -> list[dict[int, float]]:
    path = shared_data("moodle/quiz_statistics/results00.csv")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 25
    attempts = [{slot: float(row[f"slots.{slot}.mark"]) for slot in SLOTS} for row in rows]
    for row, marks in zip(rows, attempts, strict=True):  # the file's totals are its marks' sums
        assert sum(marks.values()) == pytest.approx(float(row["summarks"]), abs=1e-4)
    return attempts


def _expected(relative: str) -> dict[int, dict[str, str]]:
    """The per-slot rows of a qstats file (rows for sub-questions and variants left out)."""
    path = shared_data(relative)
    with path.open(newline="") as f:
        rows = [
            row for row in csv.DictReader(f) if not row.get("subqname") and not row.get("variant")
        ]
    return {int(row["slot"]): row for row in rows}


@pytest.mark.parametrize(
    "oracle",
    ["moodle/quiz_statistics/qstats00.csv", "moodle/quiz_statistics/qstats00.moodle-4.5.6.csv"],
)
def test_reproduces_moodles_figures_to_four_places(oracle):
    expected = _expected(oracle)
    assert sorted(expected) == list(SLOTS)
    result = statistics.analyse(_attempts(), {slot: 1.0 for slot in SLOTS})
    for slot in SLOTS:
        assert result[slot].n == 25
        for ours, theirs in COLUMNS.items():
            value = getattr(result[slot], ours)
            assert value is not None, (slot, ours)
            # Agree to four decimal places: within half a unit of the fourth place.
            assert abs(value - float(expected[slot][theirs])) <= 0.5e-4, (
                slot,
                ours,
                value,
                expected[slot][theirs],
            )


def test_every_oracle_question_is_flagged_for_negative_discrimination():
    result = statistics.analyse(_attempts(), {slot: 1.0 for slot in SLOTS})
    assert all("negative" in result[slot].flags for slot in SLOTS)
    assert result[3].facility > 0.95 and "easy" in result[3].flags
    assert "easy" not in result[1].flags


def test_scaled_marks_keep_facility_and_indices():
    """Points per item scale the marks, not the fractions or the correlations."""
    attempts = _attempts()
    plain = statistics.analyse(attempts, {slot: 1.0 for slot in SLOTS})
    scaled = statistics.analyse(
        [{slot: mark * 2 for slot, mark in marks.items()} for marks in attempts],
        {slot: 2.0 for slot in SLOTS},
    )
    for slot in SLOTS:
        assert scaled[slot].facility == pytest.approx(plain[slot].facility)
        assert scaled[slot].sd == pytest.approx(plain[slot].sd)
        assert scaled[slot].discrimination_index == pytest.approx(plain[slot].discrimination_index)
        assert scaled[slot].discriminative_efficiency == pytest.approx(
            plain[slot].discriminative_efficiency
        )


def test_a_good_item_discriminates_positively():
    # Strong members get item 1 right, weak ones wrong; item 2 is noise.
    attempts = [
        {1: 1, 2: 1, 3: 1},
        {1: 1, 2: 0, 3: 1},
        {1: 1, 2: 1, 3: 1},
        {1: 0, 2: 1, 3: 0},
        {1: 0, 2: 0, 3: 0},
    ]
    result = statistics.analyse(attempts, {1: 1, 2: 1, 3: 1})
    assert result[1].discrimination_index > 50
    assert result[1].discriminative_efficiency == pytest.approx(100)
    assert result[1].flags == []
    assert result[1].facility == pytest.approx(0.6)


def test_undefined_values_are_none():
    one = statistics.analyse([{1: 1.0, 2: 0.0}], {1: 1, 2: 1})
    assert one[1].facility == 1.0
    assert one[1].sd is None and one[1].discrimination_index is None
    everyone_right = statistics.analyse([{1: 1, 2: 0}, {1: 1, 2: 1}], {1: 1, 2: 1})
    assert everyone_right[1].sd == 0
    assert everyone_right[1].discrimination_index is None  # no variance: no correlation
    assert everyone_right[1].flags == ["easy"]


def test_moments_are_what_the_database_adds_up():
    pairs = [(1.0, 3.0), (0.0, 2.0), (0.5, 2.5)]
    m = statistics.moments_from_marks(pairs)
    assert (m.n, m.sum_x, m.sum_y) == (3, 1.5, 6.0)
    assert m.sum_xy == pytest.approx(1 * 2 + 0 * 2 + 0.5 * 2)
    assert m.sum_sorted_xy == pytest.approx(0 * 2 + 0.5 * 2 + 1 * 2)


def test_summary_mean_median_sd():
    s = statistics.summary([60, 80, 100, 40])
    assert (s.n, s.mean, s.median) == (4, 70, 70)
    assert s.sd == pytest.approx(25.8198889747)
    odd = statistics.summary([3, 1, 2])
    assert odd.median == 2
    assert statistics.summary([]).mean is None
    sums = statistics.summary_from_sums(4, 280, 60**2 + 80**2 + 100**2 + 40**2, 70)
    assert sums.sd == pytest.approx(s.sd)
    assert sums.mean == 70


def test_option_frequencies():
    counts = statistics.option_frequencies(
        [("A", 3), (["A", "C"], 2), (None, 1), ("B", 1)], keys=["A", "B", "C", "D"]
    )
    assert counts == {"A": 5, "B": 1, "C": 2, "D": 0, statistics.NO_ANSWER: 1}
    assert statistics.option_frequencies([(True, 4), (False, 1)]) == {"true": 4, "false": 1}
    fill = statistics.option_frequencies([(["遵义", "1935"], 2), (["遵义会议", ""], 1)])
    assert fill == {"遵义 / 1935": 2, "遵义会议 / ": 1}
