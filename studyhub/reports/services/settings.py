"""A committee's score settings: dimensions and weights, rating thresholds, adjustment cap.

Until staff save them, a committee has the defaults of :mod:`scoring` (nothing
is written by reading them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.errors import InvalidInput
from studyhub.org.auditing import record_settings_change
from studyhub.org.models import OrgUnit
from studyhub.reports import queries, scoring
from studyhub.reports.models import ScoreDimension, ScoreSettings

MAX_CAP = Decimal(100)


@dataclass(frozen=True)
class DimensionChoice:
    code: str
    weight: Decimal
    is_active: bool


def settings_for(session: Session, committee_id: int) -> scoring.Settings:
    """The committee's settings (two statements), or the defaults where nothing is saved."""
    every = session.execute(queries.every_dimension_of(committee_id)).all()
    rows = [row for row in every if not row.own]
    saved = session.scalars(queries.settings_of(committee_id)).first()
    default = scoring.Settings.default()
    if rows:
        by_code = {row.code: row for row in rows}
        dimensions = tuple(
            scoring.Dimension(
                code=code,
                name=by_code[code].name,
                weight=Decimal(by_code[code].weight),
                is_active=bool(by_code[code].is_active),
            )
            if code in by_code
            else scoring.Dimension(code, scoring.DEFAULT_NAMES[code], Decimal(0), False)
            for code in scoring.CODES
        )
    else:
        dimensions = default.dimensions
    # The committee's own dimensions of its quarterly score, after the built-in ones.
    dimensions += tuple(
        scoring.Dimension(row.code, row.name, Decimal(row.weight), bool(row.is_active))
        for row in every
        if row.own
    )
    if saved is None:
        return scoring.Settings(dimensions=dimensions)
    return scoring.Settings(
        dimensions=dimensions,
        thresholds=scoring.Thresholds.from_dict(saved.thresholds),
        adjustment_cap=Decimal(saved.adjustment_cap),
    )


def save_settings(
    session: Session,
    committee: OrgUnit,
    *,
    dimensions: Sequence[DimensionChoice],
    thresholds: scoring.Thresholds,
    adjustment_cap: Decimal,
    actor_id: int | None,
    now: datetime,
) -> scoring.Settings:
    """Store the committee's settings after checking them all; nothing is saved on an error.

    The weights of the dimensions that count must add up to 100; the
    thresholds must fall from 优秀 to 基本合格 within 0–100.
    """
    codes = [d.code for d in dimensions]
    if sorted(codes) != sorted(scoring.CODES):
        raise InvalidInput(_l("Give a weight for every dimension."))
    if any(d.weight < 0 or d.weight > 100 for d in dimensions):
        raise InvalidInput(_l("Each weight is between 0 and 100."))
    total = sum((d.weight for d in dimensions if d.is_active), Decimal(0))
    if total != 100:
        raise InvalidInput(
            _l(
                "The weights of the dimensions that count add up to %(total)s, not 100.",
                total=total,
            )
        )
    if not thresholds.is_ordered():
        raise InvalidInput(
            _l("Thresholds must fall from excellent to basically qualified, within 0–100.")
        )
    if adjustment_cap < 0 or adjustment_cap > MAX_CAP:
        raise InvalidInput(_l("The adjustment cap is between 0 and 100."))

    before = _plain_settings(settings_for(session, committee.id))
    existing = {row.code: row for row in session.scalars(queries.dimensions_of(committee.id))}
    for position, choice in enumerate(
        sorted(dimensions, key=lambda d: scoring.CODES.index(d.code))
    ):
        row = existing.get(choice.code)
        if row is None:
            row = ScoreDimension(
                committee_id=committee.id,
                code=choice.code,
                name=scoring.DEFAULT_NAMES[choice.code],
            )
            session.add(row)
        row.weight = choice.weight
        row.is_active = choice.is_active
        row.position = position
    saved = session.scalars(queries.settings_of(committee.id)).first()
    if saved is None:
        saved = ScoreSettings(committee_id=committee.id)
        session.add(saved)
    saved.thresholds = thresholds.to_dict()
    saved.adjustment_cap = adjustment_cap
    saved.updated_at = now
    session.flush()
    result = settings_for(session, committee.id)
    changes = diff(before, _plain_settings(result))
    record_settings_change(
        session, committee, "score_settings.changed", changes, actor_id=actor_id, now=now
    )
    return result


def _plain_settings(settings: scoring.Settings) -> dict[str, str]:
    """The settings as flat, comparable fields (a weight per dimension, the thresholds, the
    cap) for the audit entry's before and after."""
    fields = {
        f"weight.{d.code}": _number(d.weight) if d.is_active else "-" for d in settings.dimensions
    }
    fields.update({f"threshold.{k}": _number(v) for k, v in settings.thresholds.to_dict().items()})
    fields["adjustment_cap"] = _number(settings.adjustment_cap)
    return fields


def _number(value: object) -> str:
    """A number as people write it, whatever its stored scale (10.00 → "10", 7.50 → "7.5")."""
    return format(Decimal(str(value)).normalize(), "f")
