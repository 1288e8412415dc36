"""Import past meetings from an XLSX file: check every row, then write all or nothing.

One row per meeting that took place before the system was used: branch, kind,
group (for a group meeting), topic, start (date and time), end, place, host,
recorder, lecturer, guests, content, decisions, and optionally the study plan a
lesson or general meeting covered. The rules:

- Attendance is not imported. The roster of a past meeting (who should have
  attended) is not known, and counts are derived from the roster, never typed;
  so an imported record has no attendance rows, its 应到/实到 are blank in the
  register, and it does not count in anyone's attendance ratio. Nor does it
  carry study evidence (that is a snapshot taken when a record is submitted).
- An imported record is complete: it is stored as approved, with the importer
  as its recorder and reviewer and the import time as when it was recorded and
  reviewed (so its age is visible), and its trail says ``imported`` with the
  file and row. It counts for compliance like any meeting held.
- A row naming the same branch, kind, group and start as a meeting already
  stored is skipped, so importing a file twice adds nothing the second time;
  two such rows in one file are an error.
- Any wrong row (unknown kind, branch or group; a date that is not a date and
  time in the past; a missing topic; text too long; an end before the start; a
  plan that is not the branch's) stops the whole import, with every problem
  listed by row and column.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import Meeting, MeetingKind, MeetingState
from studyhub.meetings.services import records
from studyhub.meetings.services.audit import log_event
from studyhub.meetings.services.register import KIND_NAMES
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.readings.services.content import render_markdown
from studyhub.web.spreadsheets import openpyxl_cell

DEFAULT_MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10
BATCH = 200
Progress = Callable[[int], None]

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
}
LIMITS = {
    "title": records.TITLE_MAX,
    "place": 200,
    "host_name": 64,
    "recorder_name": 64,
    "lecturer_name": 64,
    "invitees": 500,
    "minutes": records.MINUTES_MAX,
    "decisions": records.TEXT_MAX,
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


@dataclass(frozen=True, slots=True)
class RowError:
    row: int | None
    column: str | None
    message: str


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """One checked row, ready to write."""

    row: int
    branch_id: int
    branch_name: str
    kind: MeetingKind
    title: str
    started_at: datetime  # UTC
    ended_at: datetime | None = None
    group_id: int | None = None
    group_name: str | None = None
    place: str = ""
    host_name: str = ""
    recorder_name: str = ""
    lecturer_name: str = ""
    invitees: str = ""
    minutes: str = ""
    decisions: str = ""
    plan_id: int | None = None
    plan_title: str | None = None
    is_known: bool = False  # the same meeting is stored already: skipped

    @property
    def identity(self) -> tuple[int, MeetingKind, int | None, datetime]:
        return (self.branch_id, self.kind, self.group_id, self.started_at)


@dataclass
class CheckedImport:
    rows: list[MeetingRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def new(self) -> list[MeetingRow]:
        return [row for row in self.rows if not row.is_known]

    @property
    def known(self) -> int:
        return sum(row.is_known for row in self.rows)


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "errors": [asdict(error) for error in self.errors],
        }


# Reading -------------------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: dict[str, str]  # key → the column name as written
    rows: Iterator[tuple[int, dict[str, Any]]]


def _header_key(value: Any) -> str | None:
    text = "".join(str(value or "").split()).strip("*＊")
    text = re.sub(r"[（(].*[）)]$", "", text)
    return ALIASES.get(text.lower().replace("-", "_"))


@contextmanager
def open_sheet(path: Path) -> Iterator[Sheet]:
    """The first worksheet of an .xlsx file; :class:`ImportFileError` when it cannot be read."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(
            _l("The file cannot be read as an Excel workbook (.xlsx). Use the template.")
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        raw = enumerate(sheet.iter_rows(values_only=True), start=1)
        yield _sheet(raw)
    finally:
        workbook.close()


def _find_header(raw: Iterator[tuple[int, Any]]) -> tuple[int, Any, list[str | None]]:
    for number, values in itertools.islice(raw, HEADER_SEARCH_ROWS):
        keys = [_header_key(v) for v in values]
        if "title" in keys:
            return number, values, keys
    raise ImportFileError(
        _l(
            "No row of column names was found. The first row must name the columns, "
            "like %(headers)s.",
            headers="、".join(HEADERS.values()),
        )
    )


def _sheet(raw: Iterator[tuple[int, Any]]) -> Sheet:
    number, values, keys = _find_header(raw)
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in headers:
            raise ImportFileError(
                _l("Row %(row)d has two columns for %(column)s.", row=number, column=HEADERS[key])
            )
        columns[index] = key
        headers[key] = " ".join(str(values[index]).split())
    missing = [HEADERS[k] for k in REQUIRED if k not in headers]
    if missing:
        raise ImportFileError(_l("The file has no column %(columns)s.", columns="、".join(missing)))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for row_number, row in raw:
            yield row_number, {k: row[i] for i, k in columns.items() if i < len(row)}

    return Sheet(headers=headers, rows=rows())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u200b", "").replace("\ufeff", "").strip()


def _line(value: Any) -> str:
    return " ".join(_text(value).split())


def _unit_name(text: str) -> str:
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
        match = _DATETIME_RE.match(_line(value))
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
            raise InvalidInput(_l("Write the time too, like %(value)s 14:30.", value=_line(value)))
    if local is None:
        if isinstance(value, date):
            raise InvalidInput(_l("Write the time too, like 2025-03-28 14:30."))
        raise InvalidInput(
            _l(
                "%(value)s is not a date and time; write it like 2025-03-28 14:30.",
                value=_line(value),
            )
        )
    if not 1921 <= local.year <= 2100:
        raise InvalidInput(_l("%(value)s is not a possible date.", value=local.date().isoformat()))
    return local.replace(tzinfo=ZoneInfo(timezone), microsecond=0).astimezone(UTC)


class _Units:
    """The active branches and groups under the unit, to resolve the names a file gives."""

    def __init__(self, session: Session, unit: OrgUnit) -> None:
        rows = session.execute(queries.compliance_units(unit.path)).all()
        general = session.execute(
            select(OrgUnit.id, OrgUnit.name).where(
                under(OrgUnit.path, unit.path), OrgUnit.kind == UnitKind.GENERAL_BRANCH
            )
        ).all()
        parent_names = {row.id: _unit_name(row.name) for row in general}
        self.unit_name = unit.name
        self.names = {row.id: row.name for row in rows}
        self.branches: dict[str, list[tuple[str | None, int]]] = {}
        self.groups: dict[tuple[int, str], int] = {}
        for row in rows:
            if row.kind == UnitKind.BRANCH:
                parent = parent_names.get(row.parent_id) if row.parent_id else None
                self.branches.setdefault(_unit_name(row.name), []).append((parent, row.id))
            elif row.parent_id is not None:
                self.groups[(row.parent_id, _unit_name(row.name))] = row.id

    def branch(self, text: str) -> int:
        parts = [_unit_name(p) for p in _PATH_SEPARATORS.split(text) if p.strip()]
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
        group_id = self.groups.get((branch_id, _unit_name(text)))
        if group_id is None:
            raise InvalidInput(
                _l(
                    "%(branch)s has no Party group %(name)s.",
                    branch=self.names[branch_id],
                    name=text,
                )
            )
        return group_id


# Checking ------------------------------------------------------------------------------------


def check_import(
    session: Session,
    unit: OrgUnit,
    sheet: Sheet,
    *,
    now: datetime,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> CheckedImport:
    """Check every row of ``sheet`` for meetings of the branches under ``unit``; writes nothing.

    Rows with errors are not in ``rows``; ``errors`` lists every problem by row.
    """
    units = _Units(session, unit)
    plans: dict[int, dict[str, tuple[int, str]]] = {}
    checked = CheckedImport()
    first_row: dict[tuple[int, MeetingKind, int | None, datetime], int] = {}
    count = 0
    for number, values in sheet.rows:
        if not any(_text(v) for v in values.values()) or _is_example(values):
            continue
        count += 1
        if count > max_rows:
            checked.errors.append(
                RowError(
                    number,
                    None,
                    str(_l("The file has more than %(n)d rows; split it.", n=max_rows)),
                )
            )
            break
        row_errors: list[RowError] = []
        parsed = _parse_row(
            session, number, values, sheet.headers, unit, units, plans, now, row_errors
        )
        if parsed is not None and not row_errors:
            seen = first_row.setdefault(parsed.identity, number)
            if seen != number:
                row_errors.append(
                    RowError(
                        number,
                        None,
                        str(_l("This is the same meeting as in row %(row)d.", row=seen)),
                    )
                )
        checked.errors.extend(row_errors)
        if parsed is not None and not row_errors:
            checked.rows.append(parsed)
    if not checked.errors:
        checked.rows = _mark_known(session, checked.rows)
    return checked


def _is_example(values: dict[str, Any]) -> bool:
    return _line(values.get("title")) == EXAMPLE["title"]


def _parse_row(
    session: Session,
    number: int,
    values: dict[str, Any],
    headers: dict[str, str],
    unit: OrgUnit,
    units: _Units,
    plans: dict[int, dict[str, tuple[int, str]]],
    now: datetime,
    errors: list[RowError],
) -> MeetingRow | None:
    def fail(key: str, message: Any) -> None:
        errors.append(RowError(number, headers.get(key, HEADERS[key]), str(message)))

    text = {key: _line(values.get(key)) for key in HEADERS}
    for key in ("minutes", "decisions"):
        text[key] = _text(values.get(key))
    branch_id = kind = started_at = None
    ended_at = group_id = plan = None
    if not text["branch"]:
        fail("branch", _l("Give the branch."))
    else:
        try:
            branch_id = units.branch(text["branch"])
        except InvalidInput as exc:
            fail("branch", exc)
    if not text["kind"]:
        fail("kind", _l("Give the kind of meeting."))
    else:
        kind = KIND_VALUES.get(text["kind"].lower().replace(" ", ""))
        if kind is None:
            fail(
                "kind",
                _l(
                    "%(value)s is not a kind of meeting; write one of %(kinds)s.",
                    value=text["kind"],
                    kinds="、".join(KIND_NAMES.values()),
                ),
            )
    if not text["title"]:
        fail("title", _l("Give the topic of the meeting."))
    for key, limit in LIMITS.items():
        if len(text[key]) > limit:
            fail(key, _l("Too long: %(n)d characters at most.", n=limit))
    if values.get("started_at") in (None, ""):
        fail("started_at", _l("Give when the meeting started."))
    else:
        try:
            started_at = parse_datetime(values["started_at"], unit.timezone)
        except InvalidInput as exc:
            fail("started_at", exc)
        else:
            if started_at > as_utc(now):
                fail("started_at", _l("Only meetings that have taken place are imported."))
    if values.get("ended_at") not in (None, ""):
        try:
            ended_at = parse_datetime(values["ended_at"], unit.timezone)
        except InvalidInput as exc:
            fail("ended_at", exc)
        else:
            if started_at is not None and not (
                started_at < ended_at <= started_at + records.LONGEST_MEETING
            ):
                fail("ended_at", _l("The end must be after the start, on the same occasion."))
    if branch_id is not None and kind is not None:
        if kind == MeetingKind.GROUP_MEETING:
            if not text["group"]:
                fail("group", _l("A Party group meeting needs its group."))
            else:
                try:
                    group_id = units.group(branch_id, text["group"])
                except InvalidInput as exc:
                    fail("group", exc)
        elif text["group"]:
            fail("group", _l("Only a Party group meeting belongs to a group."))
        if text["plan"]:
            if kind not in queries.PLAN_KINDS:
                fail("plan", _l("Only a Party lesson or a general meeting links a study plan."))
            else:
                plan = _plans_of(session, branch_id, plans).get(text["plan"])
                if plan is None:
                    fail(
                        "plan",
                        _l("%(title)s is not a study plan of the branch.", title=text["plan"]),
                    )
    if errors or branch_id is None or kind is None or started_at is None:
        return None
    return MeetingRow(
        row=number,
        branch_id=branch_id,
        branch_name=units.names[branch_id],
        kind=kind,
        title=text["title"],
        started_at=started_at,
        ended_at=ended_at,
        group_id=group_id,
        group_name=units.names.get(group_id) if group_id else None,
        place=text["place"],
        host_name=text["host_name"],
        recorder_name=text["recorder_name"],
        lecturer_name=text["lecturer_name"] if kind == MeetingKind.LESSON else "",
        invitees=text["invitees"],
        minutes=text["minutes"],
        decisions=text["decisions"],
        plan_id=plan[0] if plan else None,
        plan_title=plan[1] if plan else None,
    )


def _plans_of(
    session: Session, branch_id: int, cache: dict[int, dict[str, tuple[int, str]]]
) -> dict[str, tuple[int, str]]:
    """The branch's linkable plans by title (read once per branch)."""
    if branch_id not in cache:
        branch = session.get(OrgUnit, branch_id)
        assert branch is not None
        cache[branch_id] = {
            _line(plan.title): (plan.id, plan.title)
            for plan in session.scalars(queries.linkable_plans(branch))
        }
    return cache[branch_id]


def _mark_known(session: Session, rows: list[MeetingRow]) -> list[MeetingRow]:
    """The rows, those already stored (same branch, kind, group and start) marked known."""
    if not rows:
        return rows
    since = min(row.started_at for row in rows)
    until = max(row.started_at for row in rows)
    stored = {
        (branch_id, MeetingKind(kind), group_id, as_utc(started_at))
        for branch_id, kind, group_id, started_at in session.execute(
            select(Meeting.branch_id, Meeting.kind, Meeting.group_id, Meeting.started_at).where(
                Meeting.branch_id.in_(sorted({row.branch_id for row in rows})),
                Meeting.started_at >= since,
                Meeting.started_at <= until,
            )
        )
    }
    return [replace(row, is_known=True) if row.identity in stored else row for row in rows]


# Writing -------------------------------------------------------------------------------------


def apply_import(
    session: Session,
    unit: OrgUnit,
    checked: CheckedImport,
    *,
    by: User | None,
    now: datetime,
    source: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Write the checked rows (all of them: refuses a check with errors); flushes, never commits.

    ``by`` is the staff member importing (None from the command line); ``source`` names
    the file in each record's trail.
    """
    if checked.errors:
        raise InvalidInput(_l("The file has errors; nothing was imported."))
    assert unit.committee_id is not None
    new = checked.new
    for start in range(0, len(new), BATCH):
        batch = new[start : start + BATCH]
        meetings = [_meeting(unit.committee_id, row, by=by, now=now) for row in batch]
        session.add_all(meetings)
        session.flush()
        for meeting, row in zip(meetings, batch, strict=True):
            log_event(session, meeting, queries.IMPORTED, by=by, now=now, file=source, row=row.row)
        session.flush()
        if progress is not None:
            progress(len(batch))
    return ImportResult(imported=len(new), skipped=checked.known)


def _meeting(committee_id: int, row: MeetingRow, *, by: User | None, now: datetime) -> Meeting:
    by_id = by.id if by is not None else None
    return Meeting(
        committee_id=committee_id,
        branch_id=row.branch_id,
        group_id=row.group_id,
        kind=row.kind,
        state=MeetingState.APPROVED,
        title=row.title,
        planned_at=row.started_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        place=row.place,
        host_name=row.host_name,
        recorder_name=row.recorder_name,
        lecturer_name=row.lecturer_name,
        invitees=row.invitees,
        agenda="",
        minutes_markdown=row.minutes,
        minutes_html=render_markdown(row.minutes),
        decisions=row.decisions,
        plan_id=row.plan_id,
        created_by_id=by_id,
        created_at=now,
        recorded_by_id=by_id,
        recorded_at=now,
        submitted_at=now,
        reviewed_by_id=by_id,
        reviewed_at=now,
        updated_at=now,
    )


# The template --------------------------------------------------------------------------------


def build_template(session: Session, unit: OrgUnit) -> io.BytesIO:
    """The XLSX template: the columns, an example row, instructions and the unit's branches."""
    units = _Units(session, unit)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "往期会议"
    sheet.append(list(HEADERS.values()))
    example = dict(EXAMPLE)
    if units.branches:
        example["branch"] = sorted(units.branches)[0]
    sheet.append([openpyxl_cell(sheet, v) for v in example.values()])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="F1E4E4")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    widths = (18, 12, 12, 32, 17, 17, 16, 10, 10, 10, 14, 40, 30, 24)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    kinds = DataValidation(
        type="list", formula1='"' + ",".join(KIND_NAMES.values()) + '"', allow_blank=False
    )
    sheet.add_data_validation(kinds)
    kinds.add(f"B2:B{DEFAULT_MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes["A1"].font = bold
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
