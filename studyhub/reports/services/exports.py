"""Quarterly score exports: XLSX (members and branch summaries) and CSV (members), streamed.

Rows come from :func:`frozen.quarter_scores` (frozen rows once the quarter is
closed, else computed now), one at a time: the XLSX is written by XlsxWriter
in ``constant_memory`` mode (each row goes to disk as it is written) and the
CSV is produced line by line (UTF-8 with a BOM, so Excel in China opens it).
Every text cell goes through the shared neutraliser in ``web.spreadsheets``;
the XLSX holds no formula cells at all. Branch summaries are tallied as the
member rows go by (one small record per branch).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy.orm import Session

from studyhub.meetings.models import MeetingKind
from studyhub.org.models import OrgUnit
from studyhub.reports import queries, scoring
from studyhub.reports.quarters import Quarter
from studyhub.reports.scoring import RATING_NAMES, Line
from studyhub.reports.services.frozen import FrozenScores, closed_record, quarter_scores
from studyhub.reports.services.scores import LiveScores, MemberScore, Progress
from studyhub.web.spreadsheets import csv_lines, xlsx_write_row

FORMATS = ("xlsx", "csv")
MEMBERS_SHEET = "党员得分"
BRANCHES_SHEET = "支部汇总"
STATUS_NAMES = {"full": "正式党员", "probationary": "预备党员"}
MEETING_NAMES = {
    MeetingKind.GENERAL_MEETING: "支部党员大会",
    MeetingKind.COMMITTEE_MEETING: "支部委员会",
    MeetingKind.GROUP_MEETING: "党小组会",
    MeetingKind.LESSON: "党课",
    MeetingKind.THEME_DAY: "主题党日",
}
MISSING_NAMES = {scoring.NO_DATA: "无数据", scoring.NOT_REQUIRED: "不适用"}
BRANCH_HEADERS = [
    "年度",
    "季度",
    "党委",
    "党支部",
    "党员人数",
    "完成率（%）",
    "测试参与率（%）",
    "通过率（%）",
    "平均分",
    *(f"{name}（次）" for name in MEETING_NAMES.values()),
]

Scores = LiveScores | FrozenScores
# Progress is reported every this many rows.
TICK = 500


def member_headers(dimensions: Iterable[scoring.Dimension]) -> list[str]:
    per_dimension = [h for d in dimensions for h in (f"{d.name}（原始）", f"{d.name}（得分）")]
    return [
        "年度",
        "季度",
        "党委",
        "党支部",
        "姓名",
        "党员编号",
        "党籍状态",
        *per_dimension,
        "加权总分",
        "支部排名",
        "评定建议",
        "备注",
    ]


def _raw(line: Line | None) -> Any:
    if line is None:
        return None
    if line.missing:
        return MISSING_NAMES.get(line.missing, line.missing)
    if line.out_of is None:
        return line.value
    # Counts; a full-width solidus, since Excel would read "5/9" as a date.
    return f"{line.value}／{line.out_of}"


def notes(member: MemberScore) -> str:
    """备注: the adjustments with their reasons, a rating override, dimensions not required."""
    parts = [f"{reason}（{points:+}）" for points, reason in member.adjustments]
    if member.score.adjustment != member.score.adjustment_requested:
        parts.append(f"加减分超过上限，按{member.score.adjustment:+}计")
    if member.override_reason is not None:
        suggested = RATING_NAMES[member.score.suggested]
        parts.append(f"评定调整：原建议{suggested}，{member.override_reason}")
    parts.extend(
        f"{line.name}不适用" for line in member.score.lines if line.missing == scoring.NOT_REQUIRED
    )
    return "；".join(parts)


def member_values(
    member: MemberScore,
    dimensions: Iterable[scoring.Dimension],
    quarter: Quarter,
    committee_name: str,
) -> list[Any]:
    per_dimension: list[Any] = []
    for dimension in dimensions:
        line = member.score.line(dimension.code)
        per_dimension.extend([_raw(line), line.points if line is not None else None])
    return [
        quarter.year,
        quarter.number,
        committee_name,
        member.branch_name,
        member.name,
        member.member_no,
        STATUS_NAMES.get(member.status, member.status),
        *per_dimension,
        member.score.total,
        member.branch_rank,
        RATING_NAMES[member.rating],
        notes(member),
    ]


@dataclass
class BranchTally:
    branch_id: int
    name: str
    members: int = 0
    complete: int = 0
    with_tests: int = 0
    took_test: int = 0
    passed: int = 0
    total: Decimal = field(default_factory=Decimal)

    def add(self, member: MemberScore) -> None:
        self.members += 1
        self.complete += member.is_complete
        self.total += member.score.total
        if member.tests.required:
            self.with_tests += 1
            self.took_test += member.tests.taken > 0
            self.passed += member.tests.passed >= member.tests.required

    def values(
        self, quarter: Quarter, committee_name: str, meetings: dict[tuple[int, str], int]
    ) -> list[Any]:
        return [
            quarter.year,
            quarter.number,
            committee_name,
            self.name,
            self.members,
            _rate(self.complete, self.members),
            _rate(self.took_test, self.with_tests),
            _rate(self.passed, self.with_tests),
            scoring.cents(self.total / self.members) if self.members else None,
            *(meetings.get((self.branch_id, str(kind)), 0) for kind in MEETING_NAMES),
        ]


def _rate(part: int, whole: int) -> Decimal | None:
    return scoring.cents(Decimal(part) * 100 / whole) if whole else None


def tallied(
    members: Iterable[MemberScore], tallies: dict[int, BranchTally]
) -> Iterator[MemberScore]:
    """``members`` unchanged, counting each into its branch's tally on the way."""
    for member in members:
        tally = tallies.get(member.branch_id)
        if tally is None:
            tally = tallies[member.branch_id] = BranchTally(member.branch_id, member.branch_name)
        tally.add(member)
        yield member


def meetings_by_branch(session: Session, scores: Scores) -> dict[tuple[int, str], int]:
    """(branch id, kind) → meetings held in the quarter, for the branch summaries."""
    timezone = scores.committee.timezone
    stmt = queries.meetings_held(
        scores.scope.path, scores.quarter.starts_at(timezone), scores.quarter.ends_at(timezone)
    )
    if stmt is None:
        return {}
    return {(branch_id, str(kind)): count for branch_id, kind, count in session.execute(stmt)}


# Writers --------------------------------------------------------------------------------------


def csv_stream(scores: Scores, *, progress: Progress | None = None) -> Iterator[str]:
    """The members as CSV lines (BOM first), one row at a time."""
    committee_name = scores.committee.name
    dimensions = scores.dimensions

    def rows() -> Iterator[list[Any]]:
        for member in _ticking(scores, progress):
            yield member_values(member, dimensions, scores.quarter, committee_name)

    return csv_lines(member_headers(dimensions), rows())


def _ticking(members: Iterable[MemberScore], progress: Progress | None) -> Iterator[MemberScore]:
    """``members`` unchanged, reporting progress every :data:`TICK` rows."""
    done = 0
    for member in members:
        yield member
        done += 1
        if progress is not None and done % TICK == 0:
            progress(TICK)
    if progress is not None and done % TICK:
        progress(done % TICK)


def write_xlsx(
    session: Session, scores: Scores, path: Path, *, progress: Progress | None = None
) -> int:
    """Write the members sheet and the branch summaries to ``path``; returns member rows."""
    committee_name = scores.committee.name
    dimensions = scores.dimensions
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#F1E4E4"})
        sheet = workbook.add_worksheet(MEMBERS_SHEET)
        headers = member_headers(dimensions)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 1, 6)
        sheet.set_column(2, 3, 18)
        sheet.set_column(4, 6, 12)
        sheet.set_column(7, len(headers) - 2, 11)
        sheet.set_column(len(headers) - 1, len(headers) - 1, 40)
        xlsx_write_row(sheet, 0, headers, bold)
        tallies: dict[int, BranchTally] = {}
        count = 0
        for count, member in enumerate(tallied(_ticking(scores, progress), tallies), start=1):
            xlsx_write_row(
                sheet, count, member_values(member, dimensions, scores.quarter, committee_name)
            )

        meetings = meetings_by_branch(session, scores)
        summary = workbook.add_worksheet(BRANCHES_SHEET)
        summary.freeze_panes(1, 0)
        summary.set_column(2, 3, 18)
        summary.set_column(4, len(BRANCH_HEADERS) - 1, 12)
        xlsx_write_row(summary, 0, BRANCH_HEADERS, bold)
        for row, tally in enumerate(tallies.values(), start=1):
            xlsx_write_row(summary, row, tally.values(scores.quarter, committee_name, meetings))
    finally:
        workbook.close()
    return count


def member_count(session: Session, committee: OrgUnit, scope: OrgUnit, quarter: Quarter) -> int:
    """How many members an export of ``scope`` has: frozen rows once closed, else active members."""
    if closed_record(session, committee, quarter) is None:
        return session.scalar(queries.count_members(scope.path)) or 0
    return session.scalar(queries.count_frozen(committee.id, quarter, scope.path)) or 0


def steps(session: Session, committee: OrgUnit, scope: OrgUnit, quarter: Quarter) -> int:
    """How many steps an export reports to ``progress``: each member once to write, and once
    more to compute while the quarter is open."""
    count = member_count(session, committee, scope, quarter)
    return count if closed_record(session, committee, quarter) is not None else 2 * count


def export_scores(
    session: Session,
    committee: OrgUnit,
    scope: OrgUnit,
    quarter: Quarter,
    file_format: str,
    path: Path,
    *,
    now: datetime,
    progress: Progress | None = None,
    excused_counts_as: str = "excluded",
) -> int:
    """Export the quarter's scores of ``scope`` to ``path`` as XLSX or CSV; returns the rows."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}")
    with quarter_scores(
        session,
        committee,
        quarter,
        scope,
        now=now,
        progress=progress,
        excused_counts_as=excused_counts_as,
    ) as scores:
        if file_format == "xlsx":
            return write_xlsx(session, scores, path, progress=progress)
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(csv_stream(scores, progress=progress))
        return scores.count


def file_name(scope: OrgUnit, quarter: Quarter, file_format: str) -> str:
    return f"scores-{quarter.label}-{scope.id}.{file_format}"
