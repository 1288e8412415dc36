"""Entering and importing a quarter's values of a committee dimension (audited once per
save or import)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import Closed, InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.reports import scoring
from studyhub.reports.dimensions import mapping as mappings
from studyhub.reports.models import CustomDimension, DimensionValue
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.frozen import closed_record
from studyhub.web.sheets import keyed_sheet, xlsx_rows


def _check_open(session: Session, committee: OrgUnit, quarter: Quarter) -> None:
    if closed_record(session, committee, quarter) is not None:
        raise Closed(_l("The quarter is closed: its scores are frozen."))


def parse_value(dimension: CustomDimension, raw: Any) -> Decimal:
    """A cell or a field as the dimension's value; a rating may be written 优秀…不合格."""
    text = "" if raw is None else str(raw).strip()
    if text in mappings.RATING_WORDS and (dimension.mapping or {}).get("kind") == "table":
        return Decimal(mappings.RATING_WORDS[text])
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidInput(_l("%(value)s is not a number.", value=text or "''")) from exc
    bounds = mappings.value_range(dimension.mapping or {})
    if not value.is_finite() or (bounds and not bounds[0] <= value <= bounds[1]):
        raise InvalidInput(
            _l(
                "%(value)s is outside %(low)s–%(high)s.",
                value=text,
                low=bounds[0] if bounds else "",
                high=bounds[1] if bounds else "",
            )
        )
    return value.quantize(scoring.CENT)


def _members(session: Session, committee: OrgUnit) -> dict[int, int]:
    """User id → user id of the committee's active members (to check who may get a value)."""
    stmt = select(Member.user_id).where(
        Member.committee_id == committee.id, Member.is_active.is_(True)
    )
    return {u: u for u in session.scalars(stmt)}


def _store(
    session: Session,
    dimension: CustomDimension,
    quarter: Quarter,
    values: Mapping[int, Decimal],
    actor_id: int | None,
    now: datetime,
) -> int:
    existing = {
        row.user_id: row
        for row in session.scalars(
            select(DimensionValue).where(
                DimensionValue.dimension_id == dimension.id,
                DimensionValue.year == quarter.year,
                DimensionValue.quarter == quarter.number,
                DimensionValue.user_id.in_(list(values)),
            )
        )
    }
    for user_id, value in values.items():
        row = existing.get(user_id)
        if row is None:
            row = DimensionValue(
                dimension_id=dimension.id,
                year=quarter.year,
                quarter=quarter.number,
                user_id=user_id,
            )
            session.add(row)
        row.value = value
        row.entered_by_id = actor_id
        row.entered_at = now
    session.flush()
    return len(values)


def enter_values(
    session: Session,
    committee: OrgUnit,
    dimension: CustomDimension,
    quarter: Quarter,
    values: Mapping[int, Any],
    *,
    actor_id: int | None,
    now: datetime,
) -> int:
    """Store members' values (user id → value as typed); all checked before any is kept."""
    if dimension.committee_id != committee.id or dimension.source not in ("entered", "rating"):
        raise InvalidInput(_l("This dimension's values are not entered by hand."))
    _check_open(session, committee, quarter)
    members = _members(session, committee)
    parsed = {}
    for user_id, raw in values.items():
        if user_id not in members:
            raise InvalidInput(_l("Not a member of this committee."))
        parsed[user_id] = parse_value(dimension, raw)
    before = _stored_values(session, dimension, quarter, list(parsed))
    count = _store(session, dimension, quarter, parsed, actor_id, now)
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(list(parsed)))).all())
    changes = {
        f"{names.get(user_id, '')} #{user_id}": [_text(before.get(user_id)), _text(value)]
        for user_id, value in parsed.items()
        if before.get(user_id) != value
    }
    _record_values(
        session,
        committee,
        dimension,
        quarter,
        "score_dimension.values_entered",
        count=count,
        changes=changes,
        actor_id=actor_id,
        now=now,
    )
    return count


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _stored_values(
    session: Session, dimension: CustomDimension, quarter: Quarter, user_ids: list[int]
) -> dict[int, Decimal]:
    stmt = select(DimensionValue.user_id, DimensionValue.value).where(
        DimensionValue.dimension_id == dimension.id,
        DimensionValue.year == quarter.year,
        DimensionValue.quarter == quarter.number,
        DimensionValue.user_id.in_(user_ids),
    )
    return {u: Decimal(v) for u, v in session.execute(stmt)}


def _record_values(
    session: Session,
    committee: OrgUnit,
    dimension: CustomDimension,
    quarter: Quarter,
    kind: str,
    *,
    count: int,
    changes: Mapping[str, list[Any]] | None,
    actor_id: int | None,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> None:
    """One audit entry for a save of entered values or for an import, whatever its rows."""
    record_in(
        session,
        committee,
        kind,
        actor_id=actor_id,
        now=now,
        object_type="custom_dimension",
        object_id=dimension.id,
        summary=f"{dimension.name} {quarter.label}: {count}",
        changes=changes,
        details={"quarter": quarter.label, "count": count, **(details or {})},
    )


@dataclass(frozen=True)
class ImportProblem:
    row: int
    message: str


class ImportRefused(InvalidInput):
    """The file had errors: nothing was stored. ``problems`` names each row's error."""

    def __init__(self, message: str, problems: Sequence[ImportProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


_ALIASES = {
    "党员编号": "member_no",
    "编号": "member_no",
    "memberno": "member_no",
    "姓名": "name",
    "name": "name",
    "值": "value",
    "分值": "value",
    "得分": "value",
    "考核得分": "value",
    "评议等次": "value",
    "value": "value",
}
_LABELS = {"member_no": "党员编号", "name": "姓名", "value": "值"}


def import_values(
    session: Session,
    committee: OrgUnit,
    dimension: CustomDimension,
    quarter: Quarter,
    path: Path,
    *,
    actor_id: int | None,
    now: datetime,
) -> int:
    """Import a quarter's values from an .xlsx (columns 党员编号, 姓名, 值): every row is
    checked first, and nothing is stored when any row is wrong (all or nothing)."""
    if dimension.committee_id != committee.id or dimension.source not in ("imported", "rating"):
        raise InvalidInput(_l("This dimension's values are not imported."))
    _check_open(session, committee, quarter)
    by_no = dict(
        session.execute(
            select(User.member_no, User.id)
            .join(Member, Member.user_id == User.id)
            .where(
                Member.committee_id == committee.id,
                Member.is_active.is_(True),
                User.member_no.is_not(None),
                under(Member.org_path, committee.path),
            )
        ).all()
    )
    problems: list[ImportProblem] = []
    values: dict[int, Decimal] = {}
    seen: dict[int, int] = {}
    with xlsx_rows(path, unreadable=str(_l("The file is not an .xlsx workbook."))) as raw:
        sheet = keyed_sheet(
            raw,
            aliases=_ALIASES,
            labels=_LABELS,
            anchor="member_no",
            missing=lambda keys: [_LABELS[k] for k in ("member_no", "value") if k not in keys],
        )
        for number, cells in sheet.rows:
            if all(v in (None, "") for v in cells.values()):
                continue
            member_no = str(cells.get("member_no") or "").strip()
            user_id = by_no.get(member_no)
            if user_id is None:
                problems.append(
                    ImportProblem(number, str(_l("No member numbered %(no)s.", no=member_no)))
                )
                continue
            if user_id in seen:
                problems.append(
                    ImportProblem(
                        number, str(_l("The member is also on row %(row)d.", row=seen[user_id]))
                    )
                )
                continue
            seen[user_id] = number
            try:
                values[user_id] = parse_value(dimension, cells.get("value"))
            except InvalidInput as exc:
                problems.append(ImportProblem(number, str(exc)))
    if problems:
        raise ImportRefused(
            str(_l("Nothing was imported: %(count)d rows have errors.", count=len(problems))),
            problems,
        )
    if not values:
        raise InvalidInput(_l("The file has no rows."))
    before = _stored_values(session, dimension, quarter, list(values))
    count = _store(session, dimension, quarter, values, actor_id, now)
    _record_values(
        session,
        committee,
        dimension,
        quarter,
        "score_dimension.values_imported",
        count=count,
        changes=None,
        actor_id=actor_id,
        now=now,
        details={
            "replaced": sum(1 for u, v in values.items() if u in before and before[u] != v),
            "new": sum(1 for u in values if u not in before),
        },
    )
    return count
