"""A quiz's results and responses as downloads (CSV and XLSX), streamed.

Both read one statement with ``yield_per`` and hold one member's (results) or
one attempt's (responses) rows at a time, so memory stays bounded however many
attempts there are (``bench/quiz_downloads.py``). Every text cell goes through
the shared formula neutraliser of :mod:`studyhub.web.spreadsheets`.

- results: one row per active member under the scope — member, branch,
  submitted attempts, the grade by the quiz's grading method, the best and the
  last grade, the time taken by the last attempt, passed;
- responses: one row per submitted attempt — member, branch, attempt, grade,
  then per question (in the quiz's slot order) the answer given and its mark
  (an essay waiting for marking has no mark).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes.models import Attempt, AttemptItem, AttemptState, GradingMethod, Quiz
from studyhub.web.spreadsheets import csv_lines, xlsx_write_row

YIELD_PER = 2000
FORMATS = ("csv", "xlsx")
KINDS = ("results", "responses")
CELL_MAX = 32000  # below XLSX's 32,767 characters per cell


def _final(method: GradingMethod, percents: list[Decimal]) -> Decimal | None:
    if not percents:
        return None
    if method == GradingMethod.HIGHEST:
        return max(percents)
    if method == GradingMethod.FIRST:
        return percents[0]
    if method == GradingMethod.LAST:
        return percents[-1]
    return (sum(percents) / len(percents)).quantize(Decimal("0.01"))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def result_headers() -> list[str]:
    return [
        _("Member"),
        _("Branch"),
        _("Attempts"),
        _("Grade"),
        _("Best grade"),
        _("Last grade"),
        _("Time taken (last attempt)"),
        _("Passed"),
    ]


def result_rows(session: Session, quiz: Quiz, scope: OrgUnit) -> Iterator[list[Any]]:
    """One row per active member under ``scope`` (one statement, streamed)."""
    branch = aliased(OrgUnit)
    stmt = (
        select(
            Member.id,
            User.name,
            branch.name,
            Attempt.percent,
            Attempt.started_at,
            Attempt.submitted_at,
        )
        .join(User, User.id == Member.user_id)
        .join(branch, branch.id == Member.branch_id)
        .outerjoin(
            Attempt,
            and_(
                Attempt.user_id == Member.user_id,
                Attempt.quiz_id == quiz.id,
                Attempt.state == AttemptState.SUBMITTED,
            ),
        )
        .where(Member.org_path.startswith(scope.path), Member.is_active.is_(True))
        .order_by(branch.name, User.name, Member.id, Attempt.number)
        .execution_options(yield_per=YIELD_PER)
    )
    method = GradingMethod(quiz.grading_method)
    for _member, rows in itertools.groupby(session.execute(stmt), key=lambda r: r[0]):
        rows = list(rows)
        name, branch_name = rows[0][1], rows[0][2]
        done = [r for r in rows if r.submitted_at is not None]
        graded = [r.percent for r in done if r.percent is not None]
        final = _final(method, graded)
        last = done[-1] if done else None
        taken = (
            (as_utc(last.submitted_at) - as_utc(last.started_at)).total_seconds() if last else None
        )
        yield [
            name,
            branch_name,
            len(done),
            final,
            max(graded) if graded else None,
            last.percent if last is not None else None,
            _duration(taken),
            (_("Yes") if final >= quiz.pass_percent else _("No")) if final is not None else "",
        ]


def _answer_text(response: Any) -> str:
    if response is None:
        return ""
    if response is True:
        return _("True")
    if response is False:
        return _("False")
    if isinstance(response, list):
        return " | ".join(str(v) for v in response)
    return str(response)[:CELL_MAX]


def question_columns(quiz: Quiz) -> int:
    return sum(slot.count for slot in quiz.slots)


def response_headers(quiz: Quiz) -> list[str]:
    headers = [_("Member"), _("Branch"), _("Attempt"), _("Submitted"), _("Grade")]
    for n in range(1, question_columns(quiz) + 1):
        headers += [_("Question %(n)d answer", n=n), _("Question %(n)d mark", n=n)]
    return headers


def response_rows(session: Session, quiz: Quiz, scope: OrgUnit) -> Iterator[list[Any]]:
    """One row per submitted attempt of a member under ``scope`` (one statement, streamed)."""
    branch = aliased(OrgUnit)
    stmt = (
        select(
            Attempt.id,
            User.name,
            branch.name,
            Attempt.number,
            Attempt.submitted_at,
            Attempt.percent,
            AttemptItem.response,
            AttemptItem.score,
        )
        .join(Member, Member.user_id == Attempt.user_id)
        .join(User, User.id == Member.user_id)
        .join(branch, branch.id == Member.branch_id)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.state == AttemptState.SUBMITTED,
            Member.org_path.startswith(scope.path),
        )
        .order_by(Attempt.id, AttemptItem.slot_position, AttemptItem.position)
        .execution_options(yield_per=YIELD_PER)
    )
    columns = question_columns(quiz)
    zone = ZoneInfo(scope.timezone)  # submission times in the unit's local time
    for _attempt, rows in itertools.groupby(session.execute(stmt), key=lambda r: r[0]):
        rows = list(rows)
        first = rows[0]
        cells: list[Any] = [
            first[1],
            first[2],
            first.number,
            as_utc(first.submitted_at).astimezone(zone).replace(tzinfo=None, microsecond=0)
            if first.submitted_at
            else None,
            first.percent,
        ]
        for row in rows[:columns]:
            cells += [_answer_text(row.response), row.score]
        yield cells


def csv_stream(session: Session, quiz: Quiz, scope: OrgUnit, kind: str) -> Iterator[str]:
    if kind == "results":
        return csv_lines(result_headers(), result_rows(session, quiz, scope))
    return csv_lines(response_headers(quiz), response_rows(session, quiz, scope))


def write_xlsx(session: Session, quiz: Quiz, scope: OrgUnit, kind: str, path: Path) -> int:
    """Write the sheet to ``path`` (XlsxWriter's constant memory mode); returns data rows."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    count = 0
    try:
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet(_("Results") if kind == "results" else _("Responses"))
        if kind == "results":
            headers, rows = result_headers(), result_rows(session, quiz, scope)
        else:
            headers, rows = response_headers(quiz), response_rows(session, quiz, scope)
        xlsx_write_row(sheet, 0, headers, bold)
        for count, row in enumerate(rows, start=1):
            xlsx_write_row(sheet, count, row)
    finally:
        workbook.close()
    return count


def file_name(quiz: Quiz, scope: OrgUnit, kind: str, file_format: str) -> str:
    label = "results" if kind == "results" else "responses"
    return f"quiz-{quiz.id}-{label}-unit-{scope.id}.{file_format}"
