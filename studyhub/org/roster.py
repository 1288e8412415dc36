"""Roster import: read an XLSX or CSV roster, check every row, then write all or nothing.

Files are read as streams (openpyxl in read-only mode, the csv reader); what is
kept is one small typed entry per row, enough to check the whole file before
anything is written. The rules a person editing the sheet can rely on:

- a row updates the member with its member number, or with its phone when the
  row has no member number; any other row adds a member;
- a blank phone, member number or status keeps what is stored; a blank date,
  position or Party group clears it; a column missing from the file changes
  nothing;
- an inactive member listed again becomes active again;
- importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import DomainError, InvalidInput, RowError
from studyhub.org import services
from studyhub.org.models import Member, MemberStatus, OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.web import uploads as stash
from studyhub.web.sheets import Sheet, keyed_sheet, xlsx_rows
from studyhub.web.spreadsheets import csv_value, openpyxl_cell

DEFAULT_MAX_ROWS = 20000
BATCH = 500
NAME_MAX = 64  # the width of user.name
POSITION_MAX = 64

# The template's column names, in order; the keys are the English names also accepted.
HEADERS: dict[str, str] = {
    "name": "姓名",
    "phone": "手机号",
    "member_no": "党员编号",
    "status": "党员类型",
    "joined_on": "入党日期",
    "branch": "所属支部",
    "group": "党小组",
    "position": "职务",
}
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("名字", "党员姓名"),
    "phone": ("手机", "手机号码", "联系电话", "电话", "电话号码", "移动电话", "mobile"),
    "member_no": ("编号", "党员号", "人员编号", "member_number", "number"),
    "status": ("党员类别", "人员类别", "类别", "类型"),
    "joined_on": ("入党时间", "join_date", "joined"),
    "branch": ("支部", "党支部", "所属党支部", "所在支部", "所在党支部", "支部名称"),
    "group": ("所属党小组", "所在党小组", "小组"),
    "position": ("党内职务", "职位"),
}
HEADER_ALIASES: dict[str, str] = {
    alias.lower(): key
    for key, header in HEADERS.items()
    for alias in (key, header, *_SYNONYMS[key])
}

STATUS_VALUES: dict[str, MemberStatus] = {
    "正式党员": MemberStatus.FULL,
    "正式": MemberStatus.FULL,
    "中共党员": MemberStatus.FULL,
    "full": MemberStatus.FULL,
    "预备党员": MemberStatus.PROBATIONARY,
    "预备": MemberStatus.PROBATIONARY,
    "中共预备党员": MemberStatus.PROBATIONARY,
    "probationary": MemberStatus.PROBATIONARY,
}
STATUS_LABELS = {MemberStatus.FULL: "正式党员", MemberStatus.PROBATIONARY: "预备党员"}

# Row 2 of the template; a row equal to it in name and phone is skipped.
EXAMPLE = {
    "name": "张三（示例）",
    "phone": "13900000000",
    "member_no": "D0001",
    "status": "正式党员",
    "joined_on": date(2001, 7, 1),
    "branch": "第一党支部",
    "group": "第一党小组",
    "position": "",
}

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月)?$")
_TIME_SUFFIX_RE = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")
_PATH_SEPARATORS = re.compile(r"[/／\\>＞]")


class RosterFileError(InvalidInput):
    """The file as a whole cannot be read: wrong kind, encoding or columns."""


class Action(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A checked row: the member's values and where they belong."""

    row: int
    fields: services.MemberFields
    branch_id: int
    group_id: int | None
    place: str
    member_id: int | None
    action: Action


@dataclass
class CheckedRoster:
    entries: list[RosterEntry]
    errors: list[RowError]

    def count(self, action: Action | str) -> int:
        return sum(1 for entry in self.entries if entry.action == action)


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [asdict(error) for error in self.errors],
        }


# Reading ---------------------------------------------------------------------------------


@contextmanager
def open_roster(path: Path, *, filename: str | None = None) -> Iterator[Sheet]:
    """Open an .xlsx or .csv roster; raises :class:`RosterFileError` when it cannot be read."""
    suffix = Path(filename or path.name).suffix.lower()
    if suffix == ".xlsx":
        reader = xlsx_rows(
            path,
            unreadable=_l(
                "The file cannot be read as an Excel workbook (.xlsx). "
                "Save an old .xls file as .xlsx first."
            ),
            error=RosterFileError,
        )
    elif suffix == ".csv":
        reader = _csv_rows(path)
    else:
        raise RosterFileError(_l("The roster must be an .xlsx or .csv file."))
    with reader as raw:
        yield _sheet(raw)


@contextmanager
def _csv_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
        delimiter = max(",\t;", key=first.count)
        reader = csv.reader(itertools.chain([first], fh), delimiter=delimiter)
        yield _guarded(enumerate(reader, start=1))


def _guarded(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from rows
    except csv.Error as exc:
        raise RosterFileError(_l("The file is not a valid CSV file: %(error)s", error=exc)) from exc


def detect_encoding(path: Path) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (what Excel in China writes)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise RosterFileError(_l("This is an Excel workbook; give the file the .xlsx ending."))
    for encoding in ("utf-8", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    raise RosterFileError(
        _l(
            "The file is not UTF-8 or GB18030 text. In Excel, save it as "
            "“CSV UTF-8” or as an .xlsx workbook."
        )
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 16):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sheet(raw: Iterator[tuple[int, Any]]) -> Sheet:
    return keyed_sheet(
        raw,
        aliases=HEADER_ALIASES,
        labels=HEADERS,
        anchor="name",
        missing=_missing_columns,
        error=RosterFileError,
    )


def _missing_columns(found: Iterable[str]) -> list[str]:
    found = set(found)
    missing = [HEADERS[k] for k in ("name", "branch") if k not in found]
    if "phone" not in found and "member_no" not in found:
        missing.append(f"{HEADERS['phone']}/{HEADERS['member_no']}")
    return missing


# Cell values -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = " ".join(str(value).replace("\u200b", "").replace("\ufeff", "").split())
    if text.startswith('="') and text.endswith('"'):  # ="0123", Excel's way to keep zeros
        text = text[2:-1]
    return text


def _login_text(value: Any) -> str:
    return _text(value).lstrip("'").replace(" ", "")


def parse_phone(value: Any) -> str:
    phone = _login_text(value).replace("-", "")
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
    if len(phone) == 13 and phone.startswith("86"):
        phone = phone[2:]
    return phone


def parse_date(value: Any) -> date:
    """An Excel date, or text like 2001-07-01, 2001/7/1, 2001年7月1日, 2001.07.01.

    Year and month alone (2001.07, common in Party records) mean the first of that month.
    """
    parsed: date | None = None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            parsed = _ymd(str(int(value))[:4], str(int(value))[4:6], str(int(value))[6:])
        elif 0 < value < 100000:
            parsed = from_excel(value).date()
    else:
        text = _TIME_SUFFIX_RE.sub("", _text(value))
        if match := _DATE_RE.match(text):
            parsed = _ymd(match[1], match[2], match[3] or "1")
        elif re.fullmatch(r"\d{8}", text):
            parsed = _ymd(text[:4], text[4:6], text[6:])
    if parsed is None:
        raise InvalidInput(
            _l("%(value)s is not a date; write it like 2001-07-01.", value=_text(value))
        )
    if not 1921 <= parsed.year <= 2100:
        raise InvalidInput(_l("%(value)s is not a possible date.", value=parsed.isoformat()))
    return parsed


def _ymd(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _unit_name(text: str) -> str:
    return " ".join(text.split()).replace("(", "（").replace(")", "）")


# Checking --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    row: int
    name: str
    phone: str | None
    member_no: str | None
    status: MemberStatus | None
    joined_on: date | None
    position: str | None
    branch_id: int | None
    group_id: int | None
    place: str
    is_valid: bool


@dataclass(frozen=True, slots=True)
class _Existing:
    user_id: int
    name: str
    phone: str | None
    member_no: str | None
    member_id: int | None
    org_path: str | None
    branch_id: int | None
    group_id: int | None
    status: MemberStatus | None
    joined_on: date | None
    position: str | None
    is_active: bool


class _Units:
    """The committee's active branches and groups, to resolve the names a file gives."""

    def __init__(self, session: Session, committee: OrgUnit) -> None:
        rows = session.execute(
            select(OrgUnit.id, OrgUnit.kind, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id).where(
                under(OrgUnit.path, committee.path), OrgUnit.is_active.is_(True)
            )
        ).all()
        names = {row.id: _unit_name(row.name) for row in rows}
        skip = len(committee.ancestor_ids) - 1  # chains start at the committee
        self.names = names
        self.top = committee.name
        self.branches: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self.groups: dict[tuple[int, str], int] = {}
        for row in rows:
            if row.kind == UnitKind.BRANCH:
                ids = [int(p) for p in row.path.strip("/").split("/")][skip:]
                chain = tuple(names.get(i, "") for i in ids)
                self.branches.setdefault(names[row.id], []).append((chain, row.id))
            elif row.kind == UnitKind.GROUP and row.parent_id is not None:
                self.groups[(row.parent_id, names[row.id])] = row.id

    def branch(self, text: str) -> int:
        parts = tuple(_unit_name(p) for p in _PATH_SEPARATORS.split(text) if p.strip())
        candidates = self.branches.get(parts[-1], []) if parts else []
        found = [i for chain, i in candidates if chain[-len(parts) :] == parts]
        if not found:
            raise InvalidInput(
                _l("%(name)s is not a branch of %(unit)s.", name=text, unit=self.top)
            )
        if len(found) > 1:
            raise InvalidInput(
                _l(
                    "Several branches are called %(name)s; write the general branch too, "
                    "like 党总支/%(name)s.",
                    name=text,
                )
            )
        return found[0]

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


def validate_roster(
    session: Session,
    committee: OrgUnit,
    sheet: Sheet,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> CheckedRoster:
    """Check every row of ``sheet`` against the file and the database; writes nothing."""
    units = _Units(session, committee)
    errors: list[RowError] = []
    parsed: list[_Parsed] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, values in sheet.rows:
        if not any(_text(v) for v in values.values()) or _is_example(values):
            continue
        if len(parsed) >= max_rows:
            errors.append(
                RowError(
                    number,
                    None,
                    str(_l("The file has more than %(n)d rows; split it.", n=max_rows)),
                )
            )
            break
        row_errors: list[RowError] = []
        entry = _parse_row(number, values, sheet.headers, units, row_errors)
        for key, value in (("phone", entry.phone), ("member_no", entry.member_no)):
            if value is None:
                continue
            seen = first_row.setdefault((key, value), number)
            if seen != number:
                row_errors.append(
                    RowError(
                        number,
                        sheet.headers[key],
                        str(_l("%(value)s is in row %(row)d too.", value=value, row=seen)),
                    )
                )
        entry.is_valid = not row_errors
        errors.extend(row_errors)
        parsed.append(entry)

    existing = _load_existing(session, parsed)
    by_phone = {e.phone: e for e in existing if e.phone}
    by_no = {e.member_no: e for e in existing if e.member_no}
    entries: list[RosterEntry] = []
    seen_users: dict[int, int] = {}
    for row in parsed:
        row_errors = []
        match = _match(row, by_phone, by_no, committee, sheet.headers, row_errors)
        if match is not None:
            other = seen_users.setdefault(match.user_id, row.row)
            if other != row.row:
                row_errors.append(
                    RowError(
                        row.row,
                        None,
                        str(_l("This is the same member as in row %(row)d.", row=other)),
                    )
                )
        errors.extend(row_errors)
        if row.is_valid and not row_errors:
            entries.append(_entry(row, match, sheet.headers))
    errors.sort(key=lambda e: e.row or 0)
    return CheckedRoster(entries=entries, errors=errors)


def _is_example(values: dict[str, Any]) -> bool:
    name = _text(values.get("name"))
    return name == EXAMPLE["name"] and parse_phone(values.get("phone")) == EXAMPLE["phone"]


def _parse_row(
    number: int,
    values: dict[str, Any],
    headers: dict[str, str],
    units: _Units,
    errors: list[RowError],
) -> _Parsed:
    def fail(key: str | None, message: Any) -> None:
        errors.append(RowError(number, headers.get(key) if key else None, str(message)))

    name = _text(values.get("name"))
    if not name:
        fail("name", _l("The name is missing."))
    elif len(name) > NAME_MAX:
        fail("name", _l("The name is too long (%(n)d characters at most).", n=NAME_MAX))
    phone = parse_phone(values.get("phone")) or None
    if phone is not None and not services.PHONE_RE.match(phone):
        fail("phone", _l("%(phone)s is not a mainland mobile number.", phone=phone))
    member_no = _login_text(values.get("member_no")) or None
    if member_no is not None and not services.MEMBER_NO_RE.match(member_no):
        fail(
            "member_no",
            _l("The member number may hold only letters, digits and dashes (32 at most)."),
        )
    if phone is None and member_no is None:
        fail("phone", _l("Give a phone number or a member number."))
    status = None
    if status_text := _text(values.get("status")):
        status = STATUS_VALUES.get(status_text.lower())
        if status is None:
            fail("status", _l("%(value)s is not 正式党员 or 预备党员.", value=status_text))
    joined_on = None
    if _text(values.get("joined_on")):
        try:
            joined_on = parse_date(values.get("joined_on"))
        except DomainError as exc:
            fail("joined_on", exc)
    position = _text(values.get("position")) or None
    if position is not None and len(position) > POSITION_MAX:
        fail("position", _l("The position is too long (%(n)d characters at most).", n=64))
    branch_id = group_id = None
    place = ""
    if branch_text := _text(values.get("branch")):
        try:
            branch_id = units.branch(branch_text)
            place = units.names[branch_id]
            if group_text := _text(values.get("group")):
                group_id = units.group(branch_id, group_text)
                place = f"{place} / {units.names[group_id]}"
        except DomainError as exc:
            fail("group" if branch_id else "branch", exc)
    else:
        fail("branch", _l("The branch is missing."))
    return _Parsed(
        number,
        name,
        phone,
        member_no,
        status,
        joined_on,
        position,
        branch_id,
        group_id,
        place,
        False,
    )


def _load_existing(session: Session, rows: list[_Parsed]) -> list[_Existing]:
    """The accounts that hold any phone or member number of the file, with their membership."""
    phones = sorted({r.phone for r in rows if r.phone})
    numbers = sorted({r.member_no for r in rows if r.member_no})
    found: dict[int, _Existing] = {}
    stmt = select(
        User.id,
        User.name,
        User.phone,
        User.member_no,
        Member.id,
        Member.org_path,
        Member.branch_id,
        Member.group_id,
        Member.status,
        Member.joined_on,
        Member.position,
        Member.is_active,
    ).outerjoin(Member, Member.user_id == User.id)
    for column, values in ((User.phone, phones), (User.member_no, numbers)):
        for chunk in _chunks(values, BATCH):
            for row in session.execute(stmt.where(column.in_(chunk))):
                found[row[0]] = _Existing(*row[:11], is_active=bool(row[11]))
    return list(found.values())


def _match(
    row: _Parsed,
    by_phone: dict[str, _Existing],
    by_no: dict[str, _Existing],
    committee: OrgUnit,
    headers: dict[str, str],
    errors: list[RowError],
) -> _Existing | None:
    """The stored member this row describes, or None for a new one; conflicts go to ``errors``."""

    def fail(key: str, message: Any) -> None:
        errors.append(RowError(row.row, headers.get(key), str(message)))

    def owner_name(other: _Existing) -> str:
        inside = other.org_path is not None and other.org_path.startswith(committee.path)
        return other.name if inside else str(_l("another account"))

    match = by_no.get(row.member_no) if row.member_no else None
    phone_owner = by_phone.get(row.phone) if row.phone else None
    if match is None and phone_owner is not None:
        if row.member_no and phone_owner.member_no:
            fail(
                "phone",
                _l(
                    "The phone number %(v)s belongs to %(name)s.",
                    v=row.phone,
                    name=owner_name(phone_owner),
                ),
            )
            return None
        match = phone_owner
    elif match is not None and phone_owner is not None and phone_owner.user_id != match.user_id:
        fail(
            "phone",
            _l(
                "The phone number %(v)s belongs to %(name)s.",
                v=row.phone,
                name=owner_name(phone_owner),
            ),
        )
    if match is not None and (
        match.member_id is None
        or match.org_path is None
        or not match.org_path.startswith(committee.path)
    ):
        key = "member_no" if row.member_no else "phone"
        fail(
            key,
            _l(
                "%(value)s belongs to someone who is not a member of this committee.",
                value=row.member_no or row.phone,
            ),
        )
        return None
    return match


def _entry(row: _Parsed, match: _Existing | None, headers: dict[str, str]) -> RosterEntry:
    assert row.branch_id is not None
    if match is None:
        fields = services.MemberFields(
            row.name,
            row.phone,
            row.member_no,
            row.status or MemberStatus.FULL,
            row.joined_on,
            row.position,
        )
        return RosterEntry(
            row.row, fields, row.branch_id, row.group_id, row.place, None, Action.NEW
        )
    fields = services.MemberFields(
        name=row.name,
        phone=row.phone or match.phone,
        member_no=row.member_no or match.member_no,
        status=row.status or match.status or MemberStatus.FULL,
        joined_on=row.joined_on if "joined_on" in headers else match.joined_on,
        position=row.position if "position" in headers else match.position,
    )
    if "group" in headers:
        group_id = row.group_id
    else:
        group_id = match.group_id if match.branch_id == row.branch_id else None
    stored = services.MemberFields(
        match.name,
        match.phone,
        match.member_no,
        match.status or MemberStatus.FULL,
        match.joined_on,
        match.position,
    )
    unchanged = (
        match.is_active
        and fields == stored
        and (match.branch_id, match.group_id) == (row.branch_id, group_id)
    )
    return RosterEntry(
        row.row,
        fields,
        row.branch_id,
        group_id,
        row.place,
        match.member_id,
        Action.UNCHANGED if unchanged else Action.UPDATE,
    )


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Writing ---------------------------------------------------------------------------------


def apply_roster(
    session: Session,
    committee: OrgUnit,
    roster: CheckedRoster,
    *,
    now: datetime,
    password_method: str,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write a checked roster: add new members, update and move known ones. Flushes only.

    New members get the initial password (the phone's last 6 digits) and must
    change it at first login. ``on_progress(n)`` is called after every ``n`` rows.
    """
    if roster.errors:
        raise InvalidInput(_l("The roster has errors; nothing was imported."))
    units = {
        unit.id: unit
        for unit in session.scalars(
            select(OrgUnit).where(
                under(OrgUnit.path, committee.path),
                OrgUnit.kind.in_([UnitKind.BRANCH, UnitKind.GROUP]),
            )
        )
    }
    result = ImportResult()
    for chunk in _chunks(roster.entries, BATCH):
        ids = [e.member_id for e in chunk if e.action is Action.UPDATE]
        members = (
            {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))}
            if ids
            else {}
        )
        for entry in chunk:
            group = units[entry.group_id] if entry.group_id else None
            if entry.action is Action.NEW:
                services.add_member(
                    session,
                    units[entry.branch_id],
                    entry.fields,
                    group=group,
                    now=now,
                    password_method=password_method,
                )
                result.imported += 1
            elif entry.action is Action.UPDATE and _update(
                session, members[entry.member_id], entry, units[entry.branch_id], group, now
            ):
                result.updated += 1
            else:
                result.unchanged += 1
            if on_progress is not None:
                on_progress(1)
    session.flush()
    return result


def _update(
    session: Session,
    member: Member,
    entry: RosterEntry,
    branch: OrgUnit,
    group: OrgUnit | None,
    now: datetime,
) -> bool:
    changed = services.update_member(session, member, entry.fields, now=now)
    moved = services.move_member(session, member, branch, group=group, now=now)
    if not member.is_active:
        services.set_member_active(member, is_active=True, now=now)
        changed = True
    return changed or moved


# The template ----------------------------------------------------------------------------

INSTRUCTIONS = [
    "党员名册导入说明",
    "1. 第1行是列名，请不要修改；第2行是示例，导入时会被忽略，可以直接覆盖或删除。",
    "2. 必填：姓名、所属支部；手机号和党员编号至少填一项（用于登录）。",
    "3. 手机号：11位大陆手机号。新党员的初始密码是手机号后6位（没有手机号时为党员编号后6位），"
    "首次登录必须修改。",
    "4. 党员编号：字母、数字或短横线，最多32位。再次导入时按党员编号更新已有党员，"
    "没有党员编号的行按手机号更新。",
    "5. 党员类型：正式党员 或 预备党员；不填时新党员记为正式党员，已有党员保持不变。",
    "6. 入党日期：如 2001-07-01、2001/7/1、2001年7月1日、2001.07.01；只写年月时记为当月1日。",
    "7. 所属支部：填写支部全称；有重名的支部时写成“党总支名称/支部名称”。",
    "8. 党小组：填写该支部下的党小组名称，可不填。职务：可不填。",
    "9. 手机号、党员编号、党员类型留空时保持原值；入党日期、党小组、职务留空时清除原值。",
    "10. 只要有一行有错，整个文件都不会导入；请按错误报告修改后重新导入。"
    "重复导入同一文件不会产生重复数据。",
    "11. 也可以另存为 CSV（UTF-8 或 GB18030 编码）后导入。",
]


def template_units(session: Session, committee: OrgUnit) -> list[tuple[str, list[str]]]:
    """(branch name, its group names) for the committee's active branches, in tree order."""
    units = _Units(session, committee)
    groups: dict[int, list[str]] = {}
    for (branch_id, _name), group_id in units.groups.items():
        groups.setdefault(branch_id, []).append(units.names[group_id])
    out = []
    for name, found in sorted(units.branches.items()):
        for chain, branch_id in found:
            label = "/".join(chain[-2:]) if len(found) > 1 else name
            out.append((label, sorted(groups.get(branch_id, []))))
    return out


def build_template(session: Session, committee: OrgUnit, *, kind: str = "xlsx") -> io.BytesIO:
    """The import template: column names, an example row and, in XLSX, instructions."""
    branches = template_units(session, committee)
    example = dict(EXAMPLE)
    if branches:
        example["branch"] = branches[0][0]
        example["group"] = branches[0][1][0] if branches[0][1] else ""
    if kind == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADERS.values())
        writer.writerow([csv_value(v) for v in example.values()])
        return io.BytesIO(text.getvalue().encode("utf-8-sig"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    sheet.append(list(HEADERS.values()))
    sheet.append([openpyxl_cell(sheet, v) for v in example.values()])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="F1E4E4")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    for letter, width in zip("ABCDEFGH", (10, 14, 12, 10, 12, 24, 14, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    for letter in "BC":  # text, so Excel neither rounds phones nor drops leading zeros
        sheet.column_dimensions[letter].number_format = "@"
    sheet["E2"].number_format = "yyyy-mm-dd"
    status_list = DataValidation(type="list", formula1='"正式党员,预备党员"', allow_blank=True)
    sheet.add_data_validation(status_list)
    status_list.add("D2:D20001")
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes["A1"].font = bold
    notes.append([])
    notes.append([openpyxl_cell(notes, f"{committee.name}的支部和党小组："), ""])
    notes.append(["所属支部", "党小组"])
    for branch, group_names in branches:
        notes.append([openpyxl_cell(notes, v) for v in (branch, "、".join(group_names))])
    notes.column_dimensions["A"].width = 40
    notes.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


# Uploads waiting for confirmation ---------------------------------------------------------


class UploadStash(stash.UploadStash):
    """Uploaded rosters kept between the preview and the confirmation."""

    SUFFIXES = (".xlsx", ".csv")
