"""The built-in activity measures as registry entries: code → figure from a figures row."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from studyhub.reports import scoring
from studyhub.reports.scoring import ATTENDANCE, DAILY_QUIZ, READING, TEST, Figure

# (row, days of the quarter so far, committee has daily quiz, committee has attendance)
Measure = Callable[[Any, int, bool, bool], Figure]


def _reading(row: Any, days: int, daily: bool, attendance: bool) -> Figure:
    return Figure.ratio(row.readings_studied, row.readings_required)


def _test(row: Any, days: int, daily: bool, attendance: bool) -> Figure:
    if not row.tests_required:
        return Figure(missing=scoring.NOT_REQUIRED)
    return Figure.percent(scoring.cents(Decimal(row.best_sum) / row.tests_required))


def _daily_quiz(row: Any, days: int, daily: bool, attendance: bool) -> Figure:
    return Figure.ratio(row.daily_days, days) if daily else Figure.no_data()


def _attendance(row: Any, days: int, daily: bool, attendance: bool) -> Figure:
    if not attendance:
        return Figure.no_data()
    return Figure.ratio(row.attendance_attended, row.attendance_required)


BUILTIN: dict[str, Measure] = {
    READING: _reading,
    TEST: _test,
    DAILY_QUIZ: _daily_quiz,
    ATTENDANCE: _attendance,
}
