"""Bonus and deduction entries (比贡献) and rating overrides, while a quarter is open.

Both are audited: an adjustment keeps who made it and when, and is revoked
(with who and when) rather than deleted; an override keeps who set it, when
and why. A closed quarter takes neither: staff reopen it first.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.audit.services import diff
from studyhub.core.clock import local_date
from studyhub.core.errors import Closed, Conflict, InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import Member, OrgUnit
from studyhub.reports import queries, scoring
from studyhub.reports.models import RatingOverride, ScoreAdjustment
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.settings import settings_for

MAX_REASON = 300


def _require_open(session: Session, committee_id: int, quarter: Quarter) -> None:
    close = session.scalars(queries.quarter_close(committee_id, quarter)).first()
    if close is not None and close.is_closed:
        raise Closed(_l("Quarter %(quarter)s is closed; reopen it first.", quarter=quarter.label))


def _require_started(committee: OrgUnit, quarter: Quarter, now: datetime) -> None:
    if quarter > Quarter.of(local_date(now, committee.timezone)):
        raise InvalidInput(_l("Quarter %(quarter)s has not started yet.", quarter=quarter.label))


def clean_reason(text: str, *, missing: str = _l("Give a reason.")) -> str:
    """``text`` on one line, trimmed; ``InvalidInput`` (``missing`` when empty) unless it
    holds 1 to ``MAX_REASON`` characters."""
    reason = " ".join((text or "").split())
    if not reason:
        raise InvalidInput(missing)
    if len(reason) > MAX_REASON:
        raise InvalidInput(_l("The reason is at most %(n)d characters.", n=MAX_REASON))
    return reason


def add_adjustment(
    session: Session,
    member: Member,
    quarter: Quarter,
    *,
    points: Decimal,
    reason: str,
    by: User,
    now: datetime,
) -> ScoreAdjustment:
    """A bonus (positive) or deduction (negative) for ``member`` in ``quarter``.

    One entry is at most the committee's cap either way; the member's net for
    the quarter is capped again when the score is computed.
    """
    committee = session.get(OrgUnit, member.committee_id)
    assert committee is not None
    _require_open(session, committee.id, quarter)
    _require_started(committee, quarter, now)
    try:
        value = scoring.cents(Decimal(points))
    except (InvalidOperation, TypeError):
        raise InvalidInput(_l("Points must be a number.")) from None
    cap = settings_for(session, committee.id).adjustment_cap
    if value == 0:
        raise InvalidInput(_l("Give points other than 0."))
    if abs(value) > cap:
        raise InvalidInput(_l("An entry is at most %(cap)s points either way.", cap=cap))
    entry = ScoreAdjustment(
        committee_id=committee.id,
        user_id=member.user_id,
        year=quarter.year,
        quarter=quarter.number,
        points=value,
        reason=clean_reason(reason),
        created_by_id=by.id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    _record_adjustment(session, "score.adjusted", member, entry, by=by, now=now)
    return entry


def revoke_adjustment(session: Session, entry: ScoreAdjustment, *, by: User, now: datetime) -> None:
    """Take an entry back; it stays listed with who revoked it and when."""
    if entry.revoked_at is not None:
        raise Conflict(_l("This entry was already revoked."))
    _require_open(session, entry.committee_id, Quarter(entry.year, entry.quarter))
    entry.revoked_by_id = by.id
    entry.revoked_at = now
    session.flush()
    member = session.scalars(select(Member).where(Member.user_id == entry.user_id)).one()
    _record_adjustment(session, "score.adjustment_revoked", member, entry, by=by, now=now)


def _record_adjustment(
    session: Session, kind: str, member: Member, entry: ScoreAdjustment, *, by: User, now: datetime
) -> None:
    """Record an adjustment entry given or revoked in the member's branch."""
    label = Quarter(entry.year, entry.quarter).label
    record_in(
        session,
        member.branch,
        kind,
        actor_id=by.id,
        now=now,
        object_type="member",
        object_id=member.id,
        summary=f"{member.user.name} {label}: {entry.points:+} ({entry.reason})",
        details={"adjustment_id": entry.id, "quarter": label, "points": entry.points},
    )


def set_override(
    session: Session,
    member: Member,
    quarter: Quarter,
    *,
    rating: scoring.Rating,
    reason: str,
    by: User,
    now: datetime,
) -> RatingOverride:
    """Staff replacing the member's suggested rating for the quarter, with the reason."""
    _require_open(session, member.committee_id, quarter)
    text = clean_reason(reason)
    found = session.scalars(
        queries.override_of(member.committee_id, quarter, member.user_id)
    ).first()
    before = {"rating": found.rating, "reason": found.reason} if found else {}
    if found is None:
        found = RatingOverride(
            committee_id=member.committee_id,
            user_id=member.user_id,
            year=quarter.year,
            quarter=quarter.number,
        )
        session.add(found)
    found.rating = scoring.Rating(rating).value
    found.reason = text
    found.created_by_id = by.id
    found.created_at = now
    session.flush()
    record_in(
        session,
        member.branch,
        "rating.overridden",
        actor_id=by.id,
        now=now,
        object_type="member",
        object_id=member.id,
        summary=f"{member.user.name} {quarter.label}: {found.rating}",
        changes=diff(before, {"rating": found.rating, "reason": found.reason}),
        details={"quarter": quarter.label},
    )
    return found


def clear_override(
    session: Session, member: Member, quarter: Quarter, *, actor_id: int | None, now: datetime
) -> bool:
    """Back to the suggested rating; False when there was no override."""
    _require_open(session, member.committee_id, quarter)
    found = session.scalars(
        queries.override_of(member.committee_id, quarter, member.user_id)
    ).first()
    if found is None:
        return False
    before = {"rating": found.rating, "reason": found.reason}
    session.delete(found)
    session.flush()
    record_in(
        session,
        member.branch,
        "rating.override_cleared",
        actor_id=actor_id,
        now=now,
        object_type="member",
        object_id=member.id,
        summary=f"{member.user.name} {quarter.label}",
        changes=diff(before, {}),
        details={"quarter": quarter.label},
    )
    return True
