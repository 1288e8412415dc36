"""Checking a roster: every row parsed and matched to the members stored, nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import DomainError, InvalidInput, RowError
from studyhub.org import services
from studyhub.org.models import Member, MemberStatus, OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.org.roster.columns import (
    BATCH,
    DEFAULT_MAX_ROWS,
    EXAMPLE,
    NAME_MAX,
    PATH_SEPARATORS,
    POSITION_MAX,
    STATUS_VALUES,
    Action,
    CheckedRoster,
    RosterEntry,
)
from studyhub.org.roster.reading import cell_text, login_text, parse_date, parse_phone, unit_name
from studyhub.web.sheets import Sheet

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


class Units:
    """The committee's active branches and groups, to resolve the names a file gives."""

    def __init__(self, session: Session, committee: OrgUnit) -> None:
        rows = session.execute(
            select(OrgUnit.id, OrgUnit.kind, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id).where(
                under(OrgUnit.path, committee.path), OrgUnit.is_active.is_(True)
            )
        ).all()
        names = {row.id: unit_name(row.name) for row in rows}
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
        parts = tuple(unit_name(p) for p in PATH_SEPARATORS.split(text) if p.strip())
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


def validate_roster(
    session: Session,
    committee: OrgUnit,
    sheet: Sheet,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> CheckedRoster:
    """Check every row of ``sheet`` against the file and the database; writes nothing."""
    units = Units(session, committee)
    errors: list[RowError] = []
    parsed: list[_Parsed] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, values in sheet.rows:
        if not any(cell_text(v) for v in values.values()) or _is_example(values):
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
    name = cell_text(values.get("name"))
    return name == EXAMPLE["name"] and parse_phone(values.get("phone")) == EXAMPLE["phone"]


def _parse_row(
    number: int,
    values: dict[str, Any],
    headers: dict[str, str],
    units: Units,
    errors: list[RowError],
) -> _Parsed:
    def fail(key: str | None, message: Any) -> None:
        errors.append(RowError(number, headers.get(key) if key else None, str(message)))

    name = cell_text(values.get("name"))
    if not name:
        fail("name", _l("The name is missing."))
    elif len(name) > NAME_MAX:
        fail("name", _l("The name is too long (%(n)d characters at most).", n=NAME_MAX))
    phone = parse_phone(values.get("phone")) or None
    if phone is not None and not services.PHONE_RE.match(phone):
        fail("phone", _l("%(phone)s is not a mainland mobile number.", phone=phone))
    member_no = login_text(values.get("member_no")) or None
    if member_no is not None and not services.MEMBER_NO_RE.match(member_no):
        fail(
            "member_no",
            _l("The member number may hold only letters, digits and dashes (32 at most)."),
        )
    if phone is None and member_no is None:
        fail("phone", _l("Give a phone number or a member number."))
    status = None
    if status_text := cell_text(values.get("status")):
        status = STATUS_VALUES.get(status_text.lower())
        if status is None:
            fail("status", _l("%(value)s is not 正式党员 or 预备党员.", value=status_text))
    joined_on = None
    if cell_text(values.get("joined_on")):
        try:
            joined_on = parse_date(values.get("joined_on"))
        except DomainError as exc:
            fail("joined_on", exc)
    position = cell_text(values.get("position")) or None
    if position is not None and len(position) > POSITION_MAX:
        fail("position", _l("The position is too long (%(n)d characters at most).", n=64))
    branch_id = group_id = None
    place = ""
    if branch_text := cell_text(values.get("branch")):
        try:
            branch_id = units.branch(branch_text)
            place = units.names[branch_id]
            if group_text := cell_text(values.get("group")):
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
        for chunk in chunks(values, BATCH):
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


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
