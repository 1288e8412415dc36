"""Reading the audit log of a unit: the filtered statement, its pages and its exports.

A unit's log is every entry whose ``scope_path`` lies at or under the unit's path,
newest first (read through the committee's or branch's id where that is the same
set, see :func:`in_unit`). The
count behind the page numbers stops at :data:`COUNT_CAP`: a committee's log grows
to millions of entries, and counting them all on every page would cost more than
the page; older entries are reached with the date filter. Exports stream every
matching entry (CSV line by line, XLSX in XlsxWriter's constant-memory mode),
each text cell through the shared formula neutraliser.

Times are shown and filtered in the unit's time zone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from studyhub.accounts.models import User
from studyhub.audit.models import AuditEntry
from studyhub.core.clock import as_utc
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.web.pagination import Page, paginate
from studyhub.web.spreadsheets import csv_lines, xlsx_write_row

PER_PAGE = 50
# The page count stops here (see the module's docstring).
COUNT_CAP = 5000
# Rows fetched at a time by an export.
EXPORT_BATCH = 1000
FORMATS = ("csv", "xlsx")

# Every kind the application records, with what people read for it.
KINDS: dict[str, Any] = {
    "role.appointed": _l("Role given"),
    "role.revoked": _l("Role ended"),
    "member.updated": _l("Member's details changed"),
    "member.moved": _l("Member moved"),
    "member.deactivated": _l("Member deactivated"),
    "member.erased": _l("Member's personal data erased"),
    "member.reactivated": _l("Member reactivated"),
    "roster.imported": _l("Roster imported"),
    "questions.imported": _l("Questions imported"),
    "readings.imported": _l("Readings imported"),
    "history.imported": _l("Party history entries imported"),
    "meetings.imported": _l("Meetings imported"),
    "score.adjusted": _l("Bonus or deduction added"),
    "score.adjustment_revoked": _l("Bonus or deduction revoked"),
    "rating.overridden": _l("Rating overridden"),
    "rating.override_cleared": _l("Rating override cleared"),
    "quarter.closed": _l("Quarter closed"),
    "quarter.reopened": _l("Quarter reopened"),
    "score_settings.changed": _l("Score settings changed"),
    "score_dimension.values_entered": _l("Dimension values entered"),
    "score_dimension.values_imported": _l("Dimension values imported"),
    "export.downloaded": _l("Export downloaded"),
    "quiz.published": _l("Quiz published"),
    "quiz.unpublished": _l("Quiz unpublished"),
    "quiz.changed": _l("Published quiz changed"),
    "meeting.approved": _l("Meeting record approved"),
    "meeting.returned": _l("Meeting record returned"),
    "comment.hidden": _l("Comment hidden"),
    "comment.unhidden": _l("Comment shown again"),
    "meeting_frequencies.changed": _l("Required meetings changed"),
    "group_robot.changed": _l("Group chat robot changed"),
    "daily_quiz_settings.changed": _l("Daily quiz settings changed"),
    "account.code_issued": _l("Activation code issued"),
    "account.password_reset": _l("Password reset with a new code"),
    "unit.created": _l("Unit created"),
    "unit.renamed": _l("Unit renamed"),
    "unit.moved": _l("Unit moved"),
    "member.added": _l("Member added"),
    "plan.published": _l("Study plan published"),
    "plan.changed": _l("Published study plan changed"),
    "plan.extension_granted": _l("Study plan deadline extended"),
    "plan.extension_revoked": _l("Study plan extension withdrawn"),
    "question.changed": _l("Question of a published quiz changed"),
    "quiz.override_saved": _l("Exam exception saved"),
    "quiz.override_deleted": _l("Exam exception removed"),
    "quiz.regraded": _l("Quiz regraded"),
    "quiz.essay_marked": _l("Essay marked"),
}

HEADERS = ["时间", "操作人", "类型", "对象", "单位", "摘要", "变更", "详情"]


def kind_label(kind: str) -> str:
    label = KINDS.get(kind)
    return str(label) if label is not None else kind


@dataclass(frozen=True)
class LogFilter:
    """What the log is narrowed to: a kind, the people who acted, a range of local days."""

    kind: str | None = None
    actor_ids: tuple[int, ...] | None = None  # None: anyone; empty: nobody matched
    since: date | None = None
    until: date | None = None  # inclusive

    def bounds(self, timezone: str) -> tuple[datetime | None, datetime | None]:
        """The UTC instants of the local days' start and of the day after ``until``."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.since, time(), zone).astimezone(UTC) if self.since else None
        end = (
            datetime.combine(self.until + timedelta(days=1), time(), zone).astimezone(UTC)
            if self.until
            else None
        )
        return start, end


def actors_named(session: Session, text: str) -> tuple[int, ...]:
    """The accounts a person filter means: the exact name, phone or member number."""
    text = " ".join(text.split())
    if not text:
        return ()
    return tuple(
        session.scalars(
            select(User.id)
            .where(or_(User.name == text, User.phone == text, User.member_no == text))
            .limit(50)
        )
    )


def in_unit(unit: OrgUnit, *, by_unit_index: bool = True) -> ColumnElement[bool]:
    """The entries at ``unit`` or below it.

    A top committee's entries all carry its id and a branch's (and its groups') the
    branch's, so those two, nearly every page, are an equality on an index that also
    holds the time, and the newest come first without sorting the whole log. Any
    other unit (a general branch, a committee inside another) is a range on the
    indexed ``scope_path``.

    Without ``by_unit_index`` the test is written so that no index serves it (``+ 0``):
    when another filter's index is narrower (one person's entries), the database
    walks that one and checks the unit on each row, instead of walking the unit's
    entries (a million in a committee) to find the person's.
    """
    if unit.kind == UnitKind.COMMITTEE and unit.committee_id == unit.id:
        column: ColumnElement[int | None] = AuditEntry.committee_id
    elif unit.kind == UnitKind.BRANCH:
        column = AuditEntry.branch_id
    else:
        return under(AuditEntry.scope_path, unit.path)
    return column == unit.id if by_unit_index else column + 0 == unit.id


def entries_of(unit: OrgUnit, log_filter: LogFilter) -> Select[tuple[AuditEntry]]:
    """The unit's entries (its path and below) that pass the filter, newest first."""
    by_person = log_filter.actor_ids is not None
    stmt = select(AuditEntry).where(in_unit(unit, by_unit_index=not by_person))
    if log_filter.kind:
        stmt = stmt.where(AuditEntry.kind == log_filter.kind)
    if log_filter.actor_ids is not None:
        ids = log_filter.actor_ids or (-1,)
        # One person (nearly always): an equality, so their index gives the newest first.
        stmt = stmt.where(
            AuditEntry.actor_id == ids[0] if len(ids) == 1 else AuditEntry.actor_id.in_(ids)
        )
    start, end = log_filter.bounds(unit.timezone)
    if start is not None:
        stmt = stmt.where(AuditEntry.at >= start)
    if end is not None:
        stmt = stmt.where(AuditEntry.at < end)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def capped_count(stmt: Select[tuple[AuditEntry]]) -> Select[tuple[int]]:
    """How many entries ``stmt`` finds, counting no further than :data:`COUNT_CAP`."""
    limited = stmt.with_only_columns(AuditEntry.id).order_by(None).limit(COUNT_CAP)
    return select(func.count()).select_from(limited.subquery())


@dataclass(frozen=True)
class Shown:
    """One entry as a page or a file shows it."""

    entry: AuditEntry
    at_local: datetime
    actor: str
    kind: str
    unit: str
    changes: list[tuple[str, str, str]]
    details: list[tuple[str, str]]


def page_of(
    session: Session, unit: OrgUnit, log_filter: LogFilter, page: int
) -> tuple[Page, list[Shown], bool]:
    """One page of the unit's log, the entries ready to show, and whether the count is capped."""
    stmt = entries_of(unit, log_filter)
    found = paginate(session, stmt, page, PER_PAGE, count=capped_count(stmt))
    names = _names(session, found.items)
    shown = [shown_entry(entry, unit.timezone, names) for entry in found.items]
    return found, shown, found.total >= COUNT_CAP


def _names(session: Session, entries: Sequence[AuditEntry]) -> dict[tuple[str, int], str]:
    """The names of the page's actors and units (two statements, whatever the page holds)."""
    user_ids = {e.actor_id for e in entries if e.actor_id is not None}
    unit_ids = {u for e in entries for u in (e.branch_id, e.committee_id) if u is not None}
    names: dict[tuple[str, int], str] = {}
    if user_ids:
        for user_id, name in session.execute(
            select(User.id, User.name).where(User.id.in_(user_ids))
        ):
            names[("user", user_id)] = name
    if unit_ids:
        for unit_id, name in session.execute(
            select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids))
        ):
            names[("unit", unit_id)] = name
    return names


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def shown_entry(entry: AuditEntry, timezone: str, names: dict[tuple[str, int], str]) -> Shown:
    unit_id = entry.branch_id or entry.committee_id
    return Shown(
        entry=entry,
        at_local=as_utc(entry.at).astimezone(ZoneInfo(timezone)),
        actor=names.get(("user", entry.actor_id), "") if entry.actor_id else "",
        kind=kind_label(entry.kind),
        unit=names.get(("unit", unit_id), "") if unit_id else "",
        changes=[
            (field, _text(pair[0]), _text(pair[1]))
            if isinstance(pair, list | tuple) and len(pair) == 2
            else (field, "", _text(pair))
            for field, pair in (entry.changes or {}).items()
        ],
        details=[(key, _text(value)) for key, value in (entry.details or {}).items()],
    )


# Exports -------------------------------------------------------------------------------------


def _rows(
    session: Session, unit: OrgUnit, log_filter: LogFilter, system: str
) -> Iterator[list[Any]]:
    """Every matching entry as a file's row, fetched :data:`EXPORT_BATCH` at a time."""
    actor = aliased(User)
    branch = aliased(OrgUnit)
    stmt = (
        entries_of(unit, log_filter)
        .add_columns(actor.name, branch.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(
            branch, branch.id == func.coalesce(AuditEntry.branch_id, AuditEntry.committee_id)
        )
        .execution_options(yield_per=EXPORT_BATCH)
    )
    zone = ZoneInfo(unit.timezone)
    for entry, actor_name, unit_name in session.execute(stmt):
        yield [
            as_utc(entry.at).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            actor_name or system,
            kind_label(entry.kind),
            f"{entry.object_type}:{entry.object_id}" if entry.object_id else entry.object_type,
            unit_name or "",
            entry.summary,
            "; ".join(
                f"{field}: {_text(pair[0])} → {_text(pair[1])}"
                if isinstance(pair, list | tuple) and len(pair) == 2
                else f"{field}: {_text(pair)}"
                for field, pair in (entry.changes or {}).items()
            ),
            json.dumps(entry.details, ensure_ascii=False) if entry.details else "",
        ]


def csv_stream(
    session: Session, unit: OrgUnit, log_filter: LogFilter, *, system: str
) -> Iterator[str]:
    """The log as CSV lines (UTF-8 with a BOM), one entry at a time."""
    return csv_lines(HEADERS, _rows(session, unit, log_filter, system))


def write_xlsx(
    session: Session, unit: OrgUnit, log_filter: LogFilter, path: Path, *, system: str
) -> int:
    """Write the log to ``path`` with constant memory; returns the rows written."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    count = 0
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#F1E4E4"})
        sheet = workbook.add_worksheet("审计日志")
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 0, 20)
        sheet.set_column(1, 4, 14)
        sheet.set_column(5, 7, 40)
        xlsx_write_row(sheet, 0, HEADERS, bold)
        for count, row in enumerate(_rows(session, unit, log_filter, system), start=1):
            xlsx_write_row(sheet, count, row)
    finally:
        workbook.close()
    return count


def file_name(unit: OrgUnit, file_format: str) -> str:
    return f"audit-{unit.id}.{file_format}"


def filter_details(log_filter: LogFilter) -> dict[str, Any]:
    """The filter an export was taken with, for its own audit entry."""
    return {
        key: value
        for key, value in {
            "kind": log_filter.kind,
            "actors": list(log_filter.actor_ids) if log_filter.actor_ids is not None else None,
            "since": log_filter.since,
            "until": log_filter.until,
        }.items()
        if value is not None
    }


def kinds_choices() -> Iterable[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in KINDS.items()]
