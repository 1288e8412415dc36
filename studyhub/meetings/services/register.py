"""The meeting register (会议台账) of a branch's year and the statistics of every branch under a
unit, as XLSX.

Both are written by XlsxWriter in constant-memory mode (a row leaves memory when
the next begins) from statements read with ``yield_per``: the register streams
one row per meeting; the statistics read one grouped statement of counts per
(branch, kind, group, month) in tree order and write each branch as soon as its
rows have passed. Every text cell goes through the shared neutraliser
(:func:`studyhub.web.spreadsheets.xlsx_write_row`): a topic like ``=HYPERLINK(…)``
stays text and the files hold no formula cells.

The sheets are Chinese documents (column names, kinds, states), as the branches
file them. Counts (应到/实到/请假/缺席) are derived from the attendance rows; a
meeting without a roster (planned, or imported from a file of past meetings)
has them blank, not zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.meetings import queries
from studyhub.meetings.models import Meeting, MeetingKind, MeetingState
from studyhub.meetings.periods import Every, month_starts
from studyhub.meetings.services.compliance import (
    KIND_ORDER,
    MonthTally,
    Status,
    YearCompliance,
    frequencies_of,
    rate_of,
    year_compliance,
)
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.web.spreadsheets import xlsx_write_row

Progress = Callable[[int], None]
YIELD_PER = 500

KIND_NAMES = {
    MeetingKind.COMMITTEE_MEETING: "支部委员会",
    MeetingKind.GROUP_MEETING: "党小组会",
    MeetingKind.GENERAL_MEETING: "支部党员大会",
    MeetingKind.LESSON: "党课",
    MeetingKind.THEME_DAY: "主题党日",
    MeetingKind.ORG_LIFE: "组织生活会",
    MeetingKind.DEMOCRATIC_REVIEW: "民主评议党员",
}
STATE_NAMES = {
    MeetingState.PLANNED: "计划中",
    MeetingState.HELD: "已召开（未报送）",
    MeetingState.SUBMITTED: "已报送待审核",
    MeetingState.RETURNED: "已退回修改",
    MeetingState.APPROVED: "已审核",
    MeetingState.CANCELLED: "已取消",
}
REGISTER_HEADERS = (
    "序号",
    "会议类型",
    "党小组",
    "议题",
    "时间",
    "结束时间",
    "地点",
    "主持人",
    "记录人",
    "讲授人",
    "列席人员",
    "应到",
    "实到",
    "请假",
    "缺席",
    "请假人员及原因",
    "缺席人员及原因",
    "决议",
    "状态",
    "退回或取消原因",
    "关联学习计划",
    "记录填写时间",
    "来源",
)
MONTH_HEADERS = (
    "支部",
    "月份",
    *(f"{KIND_NAMES[k]}（次）" for k in KIND_ORDER),
    "本月应开（项）",
    "已开",
    "未开",
    "完成率",
)
YEAR_HEADERS = (
    "支部",
    *(f"{KIND_NAMES[k]}（次）" for k in KIND_ORDER),
    "应开（项·期）",
    "已开",
    "未开",
    "完成率",
)
NOTES = (
    "说明",
    "1. 各类会议按召开时间（未记录开始时间的按计划时间）计入所在月份或季度，按党委所在时区计算。",
    "2. 已召开、已报送、已退回修改、已审核的会议计为已召开；已取消和仍在计划中的会议不计。",
    "3. 应开按党委设定的频次（默认：支部委员会、党小组会每月一次，支部党员大会、党课每季度一次）；"
    "党小组会按每个党小组分别计算。",
    "4. 完成率 = 已开 ÷（已开 + 未开），只计已结束的月份或季度以及已完成的，进行中的不计。",
    "5. 导入的往期会议没有签到名单，应到、实到等人数留空。",
)


def _local(value: datetime | None, timezone: str) -> str | None:
    if value is None:
        return None
    return as_utc(value).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _names(text: str | None) -> str | None:
    """Aggregated names in a stable order (the databases concatenate in any order)."""
    if not text:
        return None
    return "；".join(sorted(text.split("；")))


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    bounds = month_starts(year, timezone)
    return bounds[0], bounds[-1]


def count_register(session: Session, branch: OrgUnit, year: int) -> int:
    """How many rows :func:`write_register` writes (for a progress bar)."""
    since, until = year_bounds(year, branch.timezone)
    rows = queries.register_rows(branch.id, since, until).subquery()
    return session.scalar(select(func.count()).select_from(rows)) or 0


def register_values(number: int, row: Any, timezone: str) -> list[Any]:
    meeting: Meeting = row.Meeting
    has_roster = bool(row.expected)
    counts = (row.expected, row.attended, row.excused, row.absent) if has_roster else (None,) * 4
    return [
        number,
        KIND_NAMES[meeting.kind],
        row.group_name,
        meeting.title,
        _local(meeting.started_at or meeting.planned_at, timezone),
        _local(meeting.ended_at, timezone),
        meeting.place or None,
        meeting.host_name or None,
        meeting.recorder_name or None,
        meeting.lecturer_name or None,
        meeting.invitees or None,
        *counts,
        _names(row.excused_names),
        _names(row.absent_names),
        meeting.decisions or None,
        STATE_NAMES[meeting.state],
        meeting.state_reason,
        row.plan_title,
        _local(meeting.recorded_at, timezone),
        "导入" if row.is_imported else None,
    ]


def write_register(
    session: Session,
    branch: OrgUnit,
    year: int,
    path: Path,
    *,
    progress: Progress | None = None,
) -> int:
    """The branch's meetings of ``year`` (local calendar), one row each, to ``path``.

    Returns the number of meetings written.
    """
    timezone = branch.timezone
    since, until = year_bounds(year, timezone)
    workbook = _workbook(path)
    count = 0
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#F1E4E4", "text_wrap": True})
        sheet = workbook.add_worksheet(f"{year}年会议台账")
        sheet.freeze_panes(2, 0)
        for column, width in enumerate(
            (6, 12, 12, 36, 17, 17, 18, 10, 10, 10, 16, 6, 6, 6, 6, 24, 24, 30, 14, 20, 24, 17, 6)
        ):
            sheet.set_column(column, column, width)
        xlsx_write_row(sheet, 0, [f"{branch.name} {year}年“三会一课”会议台账"])
        xlsx_write_row(sheet, 1, REGISTER_HEADERS, bold)
        stmt = queries.register_rows(branch.id, since, until)
        for count, row in enumerate(
            session.execute(stmt.execution_options(yield_per=YIELD_PER)), start=1
        ):
            xlsx_write_row(sheet, count + 1, register_values(count, row, timezone))
            if progress is not None:
                progress(1)
    finally:
        workbook.close()
    return count


def _workbook(path: Path) -> xlsxwriter.Workbook:
    return xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )


# Statistics ----------------------------------------------------------------------------------


def count_branches(session: Session, unit: OrgUnit) -> int:
    """How many branches :func:`write_statistics` writes (for a progress bar)."""
    return sum(
        1
        for row in session.execute(queries.compliance_units(unit.path))
        if row.kind == UnitKind.BRANCH
    )


def _month_values(name: str, year: int, month: int, tally: MonthTally, result: YearCompliance):
    cells = [
        cell
        for line in result.lines
        if line.every == Every.MONTH
        for cell in line.cells
        if cell.period.number == month
    ]
    met = sum(cell.status == Status.MET for cell in cells)
    missing = sum(cell.status == Status.MISSING for cell in cells)
    return [
        name,
        f"{year}-{month:02d}",
        *(tally.held(kind, month) for kind in KIND_ORDER),
        len(cells),
        met,
        missing,
    ], rate_of(met, missing)


def _year_values(name: str, tally: MonthTally, result: YearCompliance):
    held = [sum(tally.held(kind, month) for month in range(1, 13)) for kind in KIND_ORDER]
    counted = result.met + result.missing
    return [name, *held, counted, result.met, result.missing], result.rate


def write_statistics(
    session: Session,
    unit: OrgUnit,
    year: int,
    path: Path,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> int:
    """Per branch under ``unit``: meetings held per month and kind, the requirements met
    and missed, and the completion rates by month and for the year. Returns the branches.

    Three statements: frequencies, the branches and groups, and the grouped counts.
    """
    assert unit.committee_id is not None
    timezone = unit.timezone
    frequencies = frequencies_of(session, unit.committee_id)
    branches: list[tuple[int, str]] = []
    groups: dict[int, list[tuple[int, str]]] = {}
    for row in session.execute(queries.compliance_units(unit.path)):
        if row.kind == UnitKind.BRANCH:
            branches.append((row.id, row.name))
        elif row.parent_id is not None:
            groups.setdefault(row.parent_id, []).append((row.id, row.name))
    counts = queries.meeting_counts(month_starts(year, timezone), path=unit.path).subquery()
    stmt = (
        select(counts)
        .join(OrgUnit, OrgUnit.id == counts.c.branch_id)
        .order_by(OrgUnit.path, counts.c.branch_id)
    )
    tallies = _tallies(session.execute(stmt.execution_options(yield_per=YIELD_PER)))
    workbook = _workbook(path)
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#F1E4E4", "text_wrap": True})
        percent = workbook.add_format({"num_format": "0.0%"})
        by_month = workbook.add_worksheet("按月统计")
        by_year = workbook.add_worksheet("年度汇总")
        notes = workbook.add_worksheet("说明")
        for sheet, headers in ((by_month, MONTH_HEADERS), (by_year, YEAR_HEADERS)):
            sheet.freeze_panes(1, 1)
            sheet.set_column(0, 0, 24)
            sheet.set_column(1, len(headers) - 1, 11)
            xlsx_write_row(sheet, 0, headers, bold)
        month_row = year_row = 0
        totals = [0, 0]
        active = {branch_id for branch_id, _name in branches}
        next_tally = next(tallies, None)
        for branch_id, name in branches:
            tally = MonthTally()
            while next_tally is not None and next_tally[0] not in active:
                next_tally = next(tallies, None)  # a closed branch's meetings
            if next_tally is not None and next_tally[0] == branch_id:
                tally = next_tally[1]
                next_tally = next(tallies, None)
            result = year_compliance(
                branch_id, year, timezone, frequencies, groups.get(branch_id, []), tally, now=now
            )
            for month in range(1, 13):
                values, rate = _month_values(name, year, month, tally, result)
                month_row += 1
                xlsx_write_row(by_month, month_row, values)
                _write_rate(by_month, month_row, len(values), rate, percent)
            values, rate = _year_values(name, tally, result)
            year_row += 1
            xlsx_write_row(by_year, year_row, values)
            _write_rate(by_year, year_row, len(values), rate, percent)
            totals[0] += result.met
            totals[1] += result.missing
            if progress is not None:
                progress(1)
        met, missing = totals
        xlsx_write_row(
            by_year,
            year_row + 1,
            [f"合计（{unit.name}）", *([None] * len(KIND_ORDER)), met + missing, met, missing],
            bold,
        )
        _write_rate(by_year, year_row + 1, len(YEAR_HEADERS) - 1, rate_of(met, missing), percent)
        notes.set_column(0, 0, 100)
        for row, line in enumerate(NOTES):
            xlsx_write_row(notes, row, [line])
    finally:
        workbook.close()
    return len(branches)


def _tallies(rows: Iterator[Any]) -> Iterator[tuple[int, MonthTally]]:
    """(branch id, its tally) for each branch with meetings, in the rows' (tree) order."""
    for branch_id, branch_rows in groupby(rows, key=lambda row: row.branch_id):
        tally = MonthTally()
        for row in branch_rows:
            tally.add(row)
        yield branch_id, tally


def _write_rate(sheet: Any, row: int, column: int, rate: float | None, percent: Any) -> None:
    if rate is not None:
        sheet.write_number(row, column, round(rate, 4), percent)
