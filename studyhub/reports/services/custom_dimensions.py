"""A committee's own score dimensions: adding, editing and removing them, entering and
importing their values, and the scores of a scheme of its own (e.g. the five-dimension
优秀合格党员 rating).

A closed quarter stays frozen: its values can no longer be entered or imported.

Editing changes the name, weight, mapping and quarters (not how the value is obtained nor
the scheme: the values already kept depend on them). Removing a dimension deletes it with
its values while nothing has been built on it yet; once a closed quarter counted it (the
quarter was closed after the dimension was added, or it holds values of a closed quarter)
or a competition ranks by it, removing archives it instead: it stops counting in open
quarters and new competitions, and its values stay for the record of the closed quarters.
Every change, and every save of entered values and every import (one entry each, not one
per row), is in the committee's audit log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.audit.services import diff
from studyhub.core.clock import as_utc
from studyhub.core.errors import Closed, InvalidInput
from studyhub.org.auditing import record_in, record_settings_change
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.reports import scoring
from studyhub.reports.dimensions import mapping as mappings
from studyhub.reports.dimensions import registry
from studyhub.reports.models import Competition, CustomDimension, DimensionValue, QuarterClose
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.frozen import closed_record
from studyhub.web.sheets import keyed_sheet, xlsx_rows

MAPPING_KINDS = ("scale", "bands", "table")


def add_dimension(
    session: Session,
    committee: OrgUnit,
    *,
    name: str,
    weight: Decimal,
    source: str,
    mapping: Mapping[str, Any],
    scheme: str = registry.QUARTERLY,
    computed_from: str | None = None,
    quarters: Sequence[int] = (),
    actor_id: int | None = None,
    now: datetime,
) -> CustomDimension:
    """Add a dimension to a scheme (the quarterly score by default), audited as a change of
    the committee's score settings."""
    name = " ".join(name.split())
    if not name or len(name) > 64:
        raise InvalidInput(_l("Give the dimension a name of at most 64 characters."))
    if weight <= 0 or weight > 100:
        raise InvalidInput(_l("Each weight is between 0 and 100."))
    if source not in registry.SOURCES:
        raise InvalidInput(_l("Choose how the dimension's value is obtained."))
    if source == "computed" and computed_from not in registry.COMPUTED:
        raise InvalidInput(_l("Choose what the dimension is computed from."))
    if mapping.get("kind", "scale") not in MAPPING_KINDS:
        raise InvalidInput(_l("Choose how values map to points."))
    if any(q not in (1, 2, 3, 4) for q in quarters):
        raise InvalidInput(_l("Quarters are 1 to 4."))
    taken = session.scalar(
        select(CustomDimension.id).where(
            CustomDimension.committee_id == committee.id,
            CustomDimension.scheme == scheme,
            CustomDimension.name == name,
        )
    )
    if taken is not None:
        raise InvalidInput(_l("The scheme already has a dimension of that name."))
    position = len(registry.scheme_dimensions(session, committee.id, scheme))
    dimension = CustomDimension(
        committee_id=committee.id,
        scheme=scheme,
        name=name,
        weight=weight,
        source=source,
        computed_from=computed_from if source == "computed" else None,
        mapping=dict(mapping),
        quarters=sorted(set(quarters)),
        is_active=True,
        position=position,
        created_at=now,
    )
    session.add(dimension)
    session.flush()
    record_settings_change(
        session,
        committee,
        "score_settings.changed",
        diff(
            {},
            {
                f"dimension.{scheme}.{name}": (
                    f"{weight.normalize():f}% {source}"
                    + (f" ({computed_from})" if dimension.computed_from else "")
                )
            },
        ),
        actor_id=actor_id,
        now=now,
    )
    return dimension


def _label(dimension: CustomDimension) -> str:
    return f"{Decimal(dimension.weight).normalize():f}% {dimension.source}" + (
        f" ({dimension.computed_from})" if dimension.computed_from else ""
    )


def edit_dimension(
    session: Session,
    committee: OrgUnit,
    dimension: CustomDimension,
    *,
    name: str,
    weight: Decimal,
    mapping: Mapping[str, Any],
    quarters: Sequence[int] = (),
    actor_id: int | None = None,
    now: datetime,
) -> CustomDimension:
    """Change a dimension's name, weight, mapping and quarters (audited as a change of the
    score settings); a closed quarter's quarterly scores stay as frozen."""
    if dimension.committee_id != committee.id:
        raise InvalidInput(_l("Not a dimension of this committee."))
    name = " ".join(name.split())
    if not name or len(name) > 64:
        raise InvalidInput(_l("Give the dimension a name of at most 64 characters."))
    if weight <= 0 or weight > 100:
        raise InvalidInput(_l("Each weight is between 0 and 100."))
    if mapping.get("kind", "scale") not in MAPPING_KINDS:
        raise InvalidInput(_l("Choose how values map to points."))
    if any(q not in (1, 2, 3, 4) for q in quarters):
        raise InvalidInput(_l("Quarters are 1 to 4."))
    taken = session.scalar(
        select(CustomDimension.id).where(
            CustomDimension.committee_id == committee.id,
            CustomDimension.scheme == dimension.scheme,
            CustomDimension.name == name,
            CustomDimension.id != dimension.id,
        )
    )
    if taken is not None:
        raise InvalidInput(_l("The scheme already has a dimension of that name."))
    key = f"dimension.{dimension.scheme}"
    before = {
        f"{key}.{dimension.name}": _label(dimension),
        f"{key}.{dimension.name}.mapping": _mapping_text(dimension.mapping or {}),
        f"{key}.{dimension.name}.quarters": ",".join(map(str, dimension.quarters or [])),
    }
    dimension.name = name
    dimension.weight = weight
    dimension.mapping = dict(mapping)
    dimension.quarters = sorted(set(quarters))
    session.flush()
    after = {
        f"{key}.{name}": _label(dimension),
        f"{key}.{name}.mapping": _mapping_text(dimension.mapping),
        f"{key}.{name}.quarters": ",".join(map(str, dimension.quarters)),
    }
    changes = diff(before, after)
    if changes:
        record_settings_change(
            session, committee, "score_settings.changed", changes, actor_id=actor_id, now=now
        )
    return dimension


def _mapping_text(mapping: Mapping[str, Any]) -> str:
    kind = mapping.get("kind", "scale")
    if kind == "bands":
        return "bands " + ", ".join(f"{low}:{points}" for low, points in mapping.get("bands", []))
    if kind == "table":
        return "table"
    return f"scale /{mapping.get('out_of', 100)}"


def is_built_upon(session: Session, committee: OrgUnit, dimension: CustomDimension) -> bool:
    """Whether a closed quarter counted the dimension (closed after it was added, or holding
    its values) or a competition ranks by it: then it is archived, not deleted."""
    closed_after = session.scalar(
        select(QuarterClose.id)
        .where(
            QuarterClose.committee_id == committee.id,
            QuarterClose.is_closed.is_(True),
            QuarterClose.closed_at >= dimension.created_at,
        )
        .limit(1)
    )
    if closed_after is not None:
        return True
    closed_values = session.scalar(
        select(DimensionValue.id)
        .join(
            QuarterClose,
            and_(
                QuarterClose.committee_id == committee.id,
                QuarterClose.year == DimensionValue.year,
                QuarterClose.quarter == DimensionValue.quarter,
                QuarterClose.is_closed.is_(True),
            ),
        )
        .where(DimensionValue.dimension_id == dimension.id)
        .limit(1)
    )
    if closed_values is not None:
        return True
    code = registry.code_of(dimension)
    return any(
        code == measure[0]
        for measures in session.scalars(
            select(Competition.measures).where(Competition.committee_id == committee.id)
        )
        for measure in measures or []
    )


def remove_dimension(
    session: Session,
    committee: OrgUnit,
    dimension: CustomDimension,
    *,
    actor_id: int | None,
    now: datetime,
) -> str:
    """Delete the dimension and its values, or archive it once something was built on it
    (see the module's docstring); "deleted" or "archived". Audited either way."""
    if dimension.committee_id != committee.id:
        raise InvalidInput(_l("Not a dimension of this committee."))
    key = f"dimension.{dimension.scheme}.{dimension.name}"
    if is_built_upon(session, committee, dimension):
        if not dimension.is_active:
            raise InvalidInput(_l("The dimension is already archived."))
        dimension.is_active = False
        outcome = "archived"
        after = {key: f"{_label(dimension)} archived"}
    else:
        session.execute(delete(DimensionValue).where(DimensionValue.dimension_id == dimension.id))
        session.delete(dimension)
        outcome = "deleted"
        after = {}
    session.flush()
    record_settings_change(
        session,
        committee,
        "score_settings.changed",
        diff({key: _label(dimension)}, after),
        actor_id=actor_id,
        now=now,
    )
    return outcome


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


# A scheme of its own -----------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeScore:
    user_id: int
    name: str
    branch_name: str
    score: scoring.Score
    rank: int


def scheme_scores(
    session: Session, committee: OrgUnit, scheme: str, quarter: Quarter, scope: OrgUnit
) -> list[SchemeScore]:
    """Every member's score in a scheme made only of the committee's own dimensions, ranked;
    each explanation lists every dimension of the scheme."""
    own = registry.scheme_dimensions(session, committee.id, scheme)
    close = closed_record(session, committee, quarter)
    if close is not None:
        # A closed quarter stays as it was closed: dimensions added since are not part of it
        # (and its values can no longer change: see _check_open).
        own = [d for d in own if as_utc(d.created_at) <= as_utc(close.closed_at)]
    settings = scoring.Settings(dimensions=tuple(registry.dimension_of(d) for d in own))
    settings = scoring.Settings(dimensions=settings.dimensions, thresholds=scoring.Thresholds())
    custom = registry.custom_figures(session, own, quarter, scope.path)
    branch = OrgUnit
    rows = session.execute(
        select(Member.user_id, User.name, branch.name, Member.branch_id)
        .join(User, User.id == Member.user_id)
        .join(branch, branch.id == Member.branch_id)
        .where(
            Member.committee_id == committee.id,
            Member.is_active.is_(True),
            under(Member.org_path, scope.path),
        )
        .order_by(Member.org_path, User.name, Member.user_id)
    ).all()
    scored = []
    for user_id, name, branch_name, branch_id in rows:
        figures = {code: by_user.get(user_id, absent) for code, (by_user, absent) in custom.items()}
        scored.append((user_id, name, branch_name, branch_id, scoring.score(settings, figures)))
    ranks = scoring.ranks((u, 0, s.total, None) for u, _n, _b, _br, s in scored)
    out = [SchemeScore(u, n, b, s, ranks[u][1]) for u, n, b, _br, s in scored]
    return sorted(out, key=lambda s: (s.rank, s.user_id))
