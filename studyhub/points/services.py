"""Crediting points: idempotent per source, capped per kind and local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.points import queries
from studyhub.points.models import PointEntry, PointRule

READING = "reading"


@dataclass(frozen=True)
class Rule:
    """Points per event and the most a member can earn of that kind in one day."""

    points: int
    daily_cap: int


# The defaults; a committee overrides a kind with a PointRule row. Domains that
# award points add their kind here (the quiz issue adds the daily quiz).
DEFAULT_RULES: dict[str, Rule] = {
    READING: Rule(points=1, daily_cap=6),
}


def rule_for(session: Session, committee_id: int, kind: str) -> Rule:
    """The committee's rule for ``kind``, or the default when it has none."""
    row = session.scalar(
        select(PointRule).where(PointRule.committee_id == committee_id, PointRule.kind == kind)
    )
    if row is not None:
        return Rule(points=row.points, daily_cap=row.daily_cap)
    return DEFAULT_RULES[kind]


def award(
    session: Session,
    *,
    user_id: int,
    committee_id: int,
    kind: str,
    source_key: str,
    points: int,
    daily_cap: int,
    on: date,
    now: datetime,
) -> int:
    """Credit ``points`` for ``source_key`` once; returns the points actually credited.

    A second call with the same ``source_key`` credits nothing. The daily cap
    counts this kind's points of the user on ``on`` (a local date); what the cap
    cuts off is recorded as a 0-point entry so that the source stays credited.
    """
    done = session.scalar(
        select(PointEntry.id).where(
            PointEntry.user_id == user_id, PointEntry.source_key == source_key
        )
    )
    if done is not None:
        return 0
    used = session.scalar(queries.earned_of_kind_on(user_id, kind, on)) or 0
    credited = max(0, min(points, daily_cap - used))
    entry = PointEntry(
        user_id=user_id,
        committee_id=committee_id,
        kind=kind,
        source_key=source_key,
        points=credited,
        earned_on=on,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # a concurrent request credited this source first
        return 0
    return credited
