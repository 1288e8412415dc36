"""Checking an import of past meetings: every row parsed and checked, known meetings
marked, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput, RowError
from studyhub.meetings import queries
from studyhub.meetings.models import Meeting, MeetingKind
from studyhub.meetings.services import records
from studyhub.meetings.services.import_file import (
    EXAMPLE,
    HEADERS,
    KIND_VALUES,
    Units,
    cell_line,
    cell_text,
    parse_datetime,
)
from studyhub.meetings.services.register import KIND_NAMES
from studyhub.org.models import OrgUnit
from studyhub.web.sheets import Sheet

DEFAULT_MAX_ROWS = 5000
BATCH = 200
Progress = Callable[[int], None]

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
    units = Units(session, unit)
    plans: dict[int, dict[str, tuple[int, str]]] = {}
    checked = CheckedImport()
    first_row: dict[tuple[int, MeetingKind, int | None, datetime], int] = {}
    count = 0
    for number, values in sheet.rows:
        if not any(cell_text(v) for v in values.values()) or _is_example(values):
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
    return cell_line(values.get("title")) == EXAMPLE["title"]


def _parse_row(
    session: Session,
    number: int,
    values: dict[str, Any],
    headers: dict[str, str],
    unit: OrgUnit,
    units: Units,
    plans: dict[int, dict[str, tuple[int, str]]],
    now: datetime,
    errors: list[RowError],
) -> MeetingRow | None:
    def fail(key: str, message: Any) -> None:
        errors.append(RowError(number, headers.get(key, HEADERS[key]), str(message)))

    text = {key: cell_line(values.get(key)) for key in HEADERS}
    for key in ("minutes", "decisions"):
        text[key] = cell_text(values.get(key))
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
            cell_line(plan.title): (plan.id, plan.title)
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
