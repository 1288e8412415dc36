"""What a committee requires: each kind of meeting's frequency and minimum, the defaults
until staff change them, and a requirement's :class:`Status`."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import MeetingKind, RequiredFrequency
from studyhub.meetings.periods import Every
from studyhub.org.auditing import record_settings_change
from studyhub.org.models import OrgUnit, UnitKind

# The order kinds are shown in, and what a committee requires until its staff say otherwise.
KIND_ORDER = (
    MeetingKind.COMMITTEE_MEETING,
    MeetingKind.GROUP_MEETING,
    MeetingKind.GENERAL_MEETING,
    MeetingKind.LESSON,
    MeetingKind.THEME_DAY,
    MeetingKind.ORG_LIFE,
    MeetingKind.DEMOCRATIC_REVIEW,
)
DEFAULT_FREQUENCIES: dict[MeetingKind, tuple[Every, int]] = {
    MeetingKind.COMMITTEE_MEETING: (Every.MONTH, 1),
    MeetingKind.GROUP_MEETING: (Every.MONTH, 1),
    MeetingKind.GENERAL_MEETING: (Every.QUARTER, 1),
    MeetingKind.LESSON: (Every.QUARTER, 1),
    MeetingKind.THEME_DAY: (Every.NONE, 1),
    # Once a year each (the committee may change them like the others).
    MeetingKind.ORG_LIFE: (Every.YEAR, 1),
    MeetingKind.DEMOCRATIC_REVIEW: (Every.YEAR, 1),
}
MAX_MINIMUM = 10


class Status(enum.StrEnum):
    MET = "met"
    MISSING = "missing"
    PLANNED = "planned"
    DUE = "due"
    AHEAD = "ahead"


# Statuses that still need a meeting (the committee view lists these branches first).
OPEN = (Status.MISSING, Status.DUE)


@dataclass(frozen=True)
class Frequency:
    kind: MeetingKind
    every: Every
    minimum: int = 1
    is_default: bool = True


def frequencies_of(session: Session, committee_id: int) -> dict[MeetingKind, Frequency]:
    """The committee's required frequency of every kind (one statement; defaults filled in)."""
    saved = {row.kind: row for row in session.scalars(queries.required_frequencies(committee_id))}
    out = {}
    for kind in KIND_ORDER:
        row = saved.get(kind)
        if row is None:
            every, minimum = DEFAULT_FREQUENCIES[kind]
            out[kind] = Frequency(kind, every, minimum)
        else:
            out[kind] = Frequency(kind, Every(row.period), row.minimum, is_default=False)
    return out


def save_frequencies(
    session: Session,
    committee: OrgUnit,
    choices: Iterable[Frequency],
    *,
    actor_id: int | None,
    now: datetime,
) -> dict[MeetingKind, Frequency]:
    """Store how often the committee's branches must hold each kind (all checked first)."""
    if committee.kind != UnitKind.COMMITTEE:
        raise InvalidInput(_l("Required meetings are set by a committee."))
    chosen = {choice.kind: choice for choice in choices}
    if sorted(chosen) != sorted(KIND_ORDER):
        raise InvalidInput(_l("Say how often each kind of meeting is required."))
    for choice in chosen.values():
        if not 1 <= choice.minimum <= MAX_MINIMUM:
            raise InvalidInput(
                _l("A meeting is required 1 to %(max)d times a period.", max=MAX_MINIMUM)
            )
    before = _plain_frequencies(frequencies_of(session, committee.id))
    saved = {row.kind: row for row in session.scalars(queries.required_frequencies(committee.id))}
    for kind, choice in chosen.items():
        row = saved.get(kind)
        if row is None:
            row = RequiredFrequency(committee_id=committee.id, kind=kind)
            session.add(row)
        row.period = Every(choice.every).value
        row.minimum = choice.minimum if choice.every != Every.NONE else 1
    session.flush()
    result = frequencies_of(session, committee.id)
    changed = diff(before, _plain_frequencies(result))
    record_settings_change(
        session, committee, "meeting_frequencies.changed", changed, actor_id=actor_id, now=now
    )
    return result


def _plain_frequencies(frequencies: dict[MeetingKind, Frequency]) -> dict[str, str]:
    """Each kind's requirement as text ("quarter × 2") for the audit entry."""
    return {kind.value: f"{f.every.value} × {f.minimum}" for kind, f in frequencies.items()}
