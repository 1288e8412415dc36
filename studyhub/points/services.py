"""Crediting points: idempotent per source, capped per kind and local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput
from studyhub.points import queries
from studyhub.points.models import PointEntry, PointRule

READING = "reading"
DAILY_QUIZ = "daily_quiz"
MAX_POINTS = 100
MAX_DAILY_CAP = 1000


@dataclass(frozen=True)
class Rule:
    """Points per event and the most a member can earn of that kind in one day."""

    points: int
    daily_cap: int


# The defaults; a committee overrides a kind with a PointRule row. Domains that
# award points add their kind here (the quiz issue adds the daily quiz).
DEFAULT_RULES: dict[str, Rule] = {
    READING: Rule(points=1, daily_cap=6),
    DAILY_QUIZ: Rule(points=1, daily_cap=5),  # per right answer of the daily quiz
}


def rule_for(session: Session, committee_id: int, kind: str) -> Rule:
    """The committee's rule for ``kind``, or the default when it has none."""
    row = session.scalar(
        select(PointRule).where(PointRule.committee_id == committee_id, PointRule.kind == kind)
    )
    if row is not None:
        return Rule(points=row.points, daily_cap=row.daily_cap)
    return DEFAULT_RULES[kind]


def set_rule(
    session: Session, committee_id: int, kind: str, *, points: int, daily_cap: int
) -> Rule:
    """Give the committee its own rule for ``kind`` (points per event, daily cap)."""
    if kind not in DEFAULT_RULES:
        raise InvalidInput(_l("Unknown kind of points."))
    if not 0 <= points <= MAX_POINTS or not 0 <= daily_cap <= MAX_DAILY_CAP:
        raise InvalidInput(
            _l(
                "Points must be between 0 and %(points)d, the daily cap between 0 and %(cap)d.",
                points=MAX_POINTS,
                cap=MAX_DAILY_CAP,
            )
        )
    row = session.scalar(
        select(PointRule).where(PointRule.committee_id == committee_id, PointRule.kind == kind)
    )
    if row is None:
        row = PointRule(committee_id=committee_id, kind=kind)
        session.add(row)
    row.points = points
    row.daily_cap = daily_cap
    session.flush()
    return Rule(points=points, daily_cap=daily_cap)


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
