"""Adding, editing and removing a committee's own dimensions (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.errors import InvalidInput
from studyhub.org.auditing import record_settings_change
from studyhub.org.models import OrgUnit
from studyhub.reports.dimensions import registry
from studyhub.reports.models import Competition, CustomDimension, DimensionValue, QuarterClose

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
