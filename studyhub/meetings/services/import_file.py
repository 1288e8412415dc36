"""The file of past meetings: its columns, reading it, its cells, and the template.

:mod:`imports` checks and writes what this module reads. The sheet is read as a
stream (openpyxl read-only); the first row naming the columns (within the first
ten) is the header, in Chinese as the template writes it or by the English keys.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import MeetingKind
from studyhub.meetings.services.register import KIND_NAMES
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.web.sheets import Sheet, keyed_sheet, xlsx_rows
from studyhub.web.spreadsheets import openpyxl_cell, style_template_sheet

MAX_ROWS = 5000  # the template's list of kinds reaches this far
# The template's columns in order (key → Chinese name); the keys are accepted as names too.
HEADERS: dict[str, str] = {
    "branch": "所属支部",
    "kind": "会议类型",
    "group": "党小组",
    "title": "议题",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "place": "地点",
    "host_name": "主持人",
    "recorder_name": "记录人",
    "lecturer_name": "讲授人",
    "invitees": "列席人员",
    "minutes": "会议内容",
    "decisions": "决议",
    "plan": "关联学习计划",
}
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "branch": ("支部", "党支部", "所在支部", "支部名称"),
    "kind": ("类型", "会议类别", "类别"),
    "group": ("所属党小组", "小组"),
    "title": ("会议议题", "主题", "会议主题", "topic"),
    "started_at": ("时间", "会议时间", "召开时间", "日期时间", "start"),
    "ended_at": ("结束", "end"),
    "place": ("会议地点", "地址"),
    "host_name": ("主持", "host"),
    "recorder_name": ("记录", "recorder"),
    "lecturer_name": ("讲课人", "授课人", "lecturer"),
    "invitees": ("列席", "列席人", "guests"),
    "minutes": ("内容", "会议记录", "主要内容", "content"),
    "decisions": ("决定", "会议决议", "决议事项"),
    "plan": ("学习计划", "study_plan"),
}
ALIASES: dict[str, str] = {
    alias.lower(): key for key, name in HEADERS.items() for alias in (key, name, *_SYNONYMS[key])
}
REQUIRED = ("branch", "kind", "title", "started_at")
KIND_VALUES: dict[str, MeetingKind] = {
    **{name: kind for kind, name in KIND_NAMES.items()},
    **{kind.value: kind for kind in MeetingKind},
    "支部党员大会": MeetingKind.GENERAL_MEETING,
    "党员大会": MeetingKind.GENERAL_MEETING,
    "支部大会": MeetingKind.GENERAL_MEETING,
    "支委会": MeetingKind.COMMITTEE_MEETING,
    "支部委员会会议": MeetingKind.COMMITTEE_MEETING,
    "支委会议": MeetingKind.COMMITTEE_MEETING,
    "小组会": MeetingKind.GROUP_MEETING,
    "党小组会议": MeetingKind.GROUP_MEETING,
    "党课": MeetingKind.LESSON,
    "主题党日活动": MeetingKind.THEME_DAY,
    "专题组织生活会": MeetingKind.ORG_LIFE,
    "民主评议": MeetingKind.DEMOCRATIC_REVIEW,
    "民主评议党员大会": MeetingKind.DEMOCRATIC_REVIEW,
}
EXAMPLE = {
    "branch": "第一党支部",
    "kind": "党课",
    "group": "",
    "title": "（示例）书记讲党课：坚定理想信念",
    "started_at": "2025-03-28 14:30",
    "ended_at": "2025-03-28 16:00",
    "place": "三楼会议室",
    "host_name": "王建国",
    "recorder_name": "李明",
    "lecturer_name": "王建国",
    "invitees": "",
    "minutes": "传达学习有关精神，党员交流学习体会。",
    "decisions": "每位党员撰写学习心得。",
    "plan": "",
}
INSTRUCTIONS = [
    "填写说明",
    "1. 每行一次往期会议；第一行是列名，第二行是示例（导入时跳过），可直接删除。",
    "2. 必填：所属支部、会议类型、议题、开始时间。会议类型填写：支部党员大会、支部委员会、"
    "党小组会、党课、主题党日。",
    "3. 党小组会必须填写党小组（该支部的党小组名称）；其他会议不填党小组。",
    "4. 开始时间和结束时间写到分钟，如 2025-03-28 14:30（按党委所在时区）；"
    "开始时间须早于导入时间，结束时间须晚于开始时间。",
    "5. 支部同名时写上党总支，如 机关党总支/第一党支部。",
    "6. 关联学习计划（可选）只用于党课和支部党员大会，填写本党委已发布学习计划的标题。",
    "7. 不导入出席情况：往期会议的应到名单无从核对，人数只由签到名单得出，"
    "因此导入的会议应到、实到等人数为空，也不计入党员出勤率。",
    "8. 全部行检查无误后才会一次导入；任何一行有错都不会导入，并逐行列出问题。"
    "已导入过的会议（同一支部、类型、党小组和开始时间）会跳过。",
]

_DATETIME_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})\s*秒?)?\s*分?)?$"
)
_PATH_SEPARATORS = re.compile(r"[/／\\>＞]")


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read: wrong kind or columns."""


# Reading -------------------------------------------------------------------------------------


@contextmanager
def open_sheet(path: Path) -> Iterator[Sheet]:
    """The first worksheet of an .xlsx file; :class:`ImportFileError` when it cannot be read."""
    unreadable = _l("The file cannot be read as an Excel workbook (.xlsx). Use the template.")
    with xlsx_rows(path, unreadable=unreadable, error=ImportFileError) as raw:
        yield keyed_sheet(
            raw,
            aliases=ALIASES,
            labels=HEADERS,
            anchor="title",
            missing=lambda found: [HEADERS[k] for k in REQUIRED if k not in found],
            error=ImportFileError,
        )


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u200b", "").replace("\ufeff", "").strip()


def cell_line(value: Any) -> str:
    return " ".join(cell_text(value).split())


def unit_name(text: str) -> str:
    return " ".join(text.split()).replace("(", "（").replace(")", "）")


def parse_datetime(value: Any, timezone: str) -> datetime:
    """A local date and time (an Excel date-time cell, or text like 2025-03-28 14:30,
    2025/3/28 14:30, 2025年3月28日 14时30分) as UTC. A date without a time is refused."""
    local: datetime | None = None
    if isinstance(value, datetime):
        local = value if value.time() != time(0) else None
    elif isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 100000:
        converted = from_excel(value)
        local = converted if isinstance(converted, datetime) and converted.time() else None
    elif not isinstance(value, date):
        match = _DATETIME_RE.match(cell_line(value))
        if match and match[4] is not None:
            try:
                local = datetime(
                    int(match[1]),
                    int(match[2]),
                    int(match[3]),
                    int(match[4]),
                    int(match[5]),
                    int(match[6] or 0),
                )
            except ValueError:
                local = None
        elif match:
            raise InvalidInput(
                _l("Write the time too, like %(value)s 14:30.", value=cell_line(value))
            )
    if local is None:
        if isinstance(value, date):
            raise InvalidInput(_l("Write the time too, like 2025-03-28 14:30."))
        raise InvalidInput(
            _l(
                "%(value)s is not a date and time; write it like 2025-03-28 14:30.",
                value=cell_line(value),
            )
        )
    if not 1921 <= local.year <= 2100:
        raise InvalidInput(_l("%(value)s is not a possible date.", value=local.date().isoformat()))
    return local.replace(tzinfo=ZoneInfo(timezone), microsecond=0).astimezone(UTC)


class Units:
    """The active branches and groups under the unit, to resolve the names a file gives."""

    def __init__(self, session: Session, unit: OrgUnit) -> None:
        rows = session.execute(queries.compliance_units(unit.path)).all()
        general = session.execute(
            select(OrgUnit.id, OrgUnit.name).where(
                under(OrgUnit.path, unit.path), OrgUnit.kind == UnitKind.GENERAL_BRANCH
            )
        ).all()
        parent_names = {row.id: unit_name(row.name) for row in general}
        self.unit_name = unit.name
        self.names = {row.id: row.name for row in rows}
        self.branches: dict[str, list[tuple[str | None, int]]] = {}
        self.groups: dict[tuple[int, str], int] = {}
        for row in rows:
            if row.kind == UnitKind.BRANCH:
                parent = parent_names.get(row.parent_id) if row.parent_id else None
                self.branches.setdefault(unit_name(row.name), []).append((parent, row.id))
            elif row.parent_id is not None:
                self.groups[(row.parent_id, unit_name(row.name))] = row.id

    def branch(self, text: str) -> int:
        parts = [unit_name(p) for p in _PATH_SEPARATORS.split(text) if p.strip()]
        found = self.branches.get(parts[-1], []) if parts else []
        if len(parts) > 1:
            found = [(parent, i) for parent, i in found if parent == parts[-2]]
        if not found:
            raise InvalidInput(
                _l("%(name)s is not a branch of %(unit)s.", name=text, unit=self.unit_name)
            )
        if len(found) > 1:
            raise InvalidInput(
                _l(
                    "Several branches are called %(name)s; write the general branch too, "
                    "like 党总支/%(name)s.",
                    name=text,
                )
            )
        return found[0][1]

    def group(self, branch_id: int, text: str) -> int:
        group_id = self.groups.get((branch_id, unit_name(text)))
        if group_id is None:
            raise InvalidInput(
                _l(
                    "%(branch)s has no Party group %(name)s.",
                    branch=self.names[branch_id],
                    name=text,
                )
            )
        return group_id


# The template --------------------------------------------------------------------------------


def build_template(session: Session, unit: OrgUnit) -> io.BytesIO:
    """The XLSX template: the columns, an example row, instructions and the unit's branches."""
    units = Units(session, unit)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "往期会议"
    sheet.append(list(HEADERS.values()))
    example = dict(EXAMPLE)
    if units.branches:
        example["branch"] = sorted(units.branches)[0]
    sheet.append([openpyxl_cell(sheet, v) for v in example.values()])
    style_template_sheet(sheet)
    widths = (18, 12, 12, 32, 17, 17, 16, 10, 10, 10, 14, 40, 30, 24)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    kinds = DataValidation(
        type="list", formula1='"' + ",".join(KIND_NAMES.values()) + '"', allow_blank=False
    )
    sheet.add_data_validation(kinds)
    kinds.add(f"B2:B{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    notes.append([])
    notes.append([openpyxl_cell(notes, f"{unit.name}的支部和党小组：")])
    notes.append(["所属支部", "党小组"])
    groups: dict[int, list[str]] = {}
    for (branch_id, _name), group_id in units.groups.items():
        groups.setdefault(branch_id, []).append(units.names[group_id])
    for name, found in sorted(units.branches.items()):
        for parent, branch_id in found:
            label = f"{parent}/{name}" if len(found) > 1 and parent else name
            notes.append(
                [
                    openpyxl_cell(notes, v)
                    for v in (label, "、".join(sorted(groups.get(branch_id, []))))
                ]
            )
    notes.column_dimensions["A"].width = 60
    notes.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer
