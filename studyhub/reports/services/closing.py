"""Closing a quarter (its scores frozen as published) and reopening it, audited.

Closing computes every member's score once and stores it in ``FrozenScore``
rows (batch inserted) with the whole explanation; from then on pages and
exports read those rows, so a later edit to a question, a receipt or the
roster does not change a published ranking. The committee's schemes of its own (e.g. the
优秀合格党员 rating) are frozen with it: each member's scheme score in the same row's
explanation, each scheme's dimensions in the close's history entry. Reopening is explicit, needs a
reason and is recorded in ``QuarterClose.history``; the frozen rows stay
until the next close replaces them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import Closed, Conflict, InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import OrgUnit
from studyhub.reports import queries
from studyhub.reports.models import FrozenScore, QuarterClose
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.adjustments import clean_reason
from studyhub.reports.services.custom_dimensions.schemes import frozen_explanations
from studyhub.reports.services.scores import LiveScores

INSERT_BATCH = 1000


def close_quarter(
    session: Session,
    committee: OrgUnit,
    quarter: Quarter,
    *,
    by: User | None,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    excused_counts_as: str = "excluded",
) -> QuarterClose:
    """Freeze the committee's scores for ``quarter``, which must have ended."""
    if now < quarter.ends_at(committee.timezone):
        raise InvalidInput(_l("Quarter %(quarter)s has not ended yet.", quarter=quarter.label))
    record = session.scalars(queries.quarter_close(committee.id, quarter)).first()
    if record is not None and record.is_closed:
        raise Conflict(_l("Quarter %(quarter)s is already closed.", quarter=quarter.label))

    session.execute(
        delete(FrozenScore).where(
            FrozenScore.committee_id == committee.id,
            FrozenScore.year == quarter.year,
            FrozenScore.quarter == quarter.number,
        )
    )
    # The committee's schemes of its own are frozen with it (in each row's explanation).
    schemes, scheme_columns = frozen_explanations(session, committee, quarter)
    with LiveScores(
        session, committee, quarter, committee, now=now, excused_counts_as=excused_counts_as
    ) as scores:
        scores.compute(progress)
        batch: list[dict[str, Any]] = []
        for member in scores:
            explanation = member.explanation(committee.name)
            if member.user_id in schemes:
                explanation = {**explanation, "schemes": schemes[member.user_id]}
            batch.append(
                {
                    "committee_id": committee.id,
                    "year": quarter.year,
                    "quarter": quarter.number,
                    "user_id": member.user_id,
                    "branch_id": member.branch_id,
                    "total": member.score.total,
                    "branch_rank": member.branch_rank,
                    "committee_rank": member.committee_rank,
                    "rating": member.rating.value,
                    "explanation": explanation,
                }
            )
            if len(batch) >= INSERT_BATCH:
                session.execute(insert(FrozenScore), batch)
                batch = []
        if batch:
            session.execute(insert(FrozenScore), batch)
        entry = {
            "action": "closed",
            "by": by.id if by else None,
            "by_name": by.name if by else None,
            "at": now.isoformat(),
            "members": scores.count,
            "dimensions": [[d.code, d.name, str(d.weight)] for d in scores.dimensions],
            "not_counted": scores.not_counted,
            "thresholds": scores.settings.thresholds.to_dict(),
            "adjustment_cap": str(scores.settings.adjustment_cap),
            "schemes": scheme_columns,
        }
    if record is None:
        record = QuarterClose(
            committee_id=committee.id, year=quarter.year, quarter=quarter.number, history=[]
        )
        session.add(record)
    record.is_closed = True
    record.closed_by_id = by.id if by else None
    record.closed_at = now
    record.history = [*(record.history or []), entry]
    session.flush()
    record_in(
        session,
        committee,
        "quarter.closed",
        actor_id=by.id if by else None,
        now=now,
        object_type="quarter_close",
        object_id=record.id,
        summary=f"{committee.name} {quarter.label}",
        changes={"is_closed": [False, True]},
        details={"quarter": quarter.label, "members": entry["members"]},
    )
    return record


def reopen_quarter(
    session: Session, record: QuarterClose, *, by: User, reason: str, now: datetime
) -> QuarterClose:
    """Reopen a closed quarter, with the reason; its scores are live again until closed."""
    if not record.is_closed:
        raise Closed(_l("This quarter is not closed."))
    text = clean_reason(reason, missing=_l("Give a reason for reopening the quarter."))
    record.is_closed = False
    record.reopened_by_id = by.id
    record.reopened_at = now
    record.reopen_reason = text
    record.history = [
        *(record.history or []),
        {
            "action": "reopened",
            "by": by.id,
            "by_name": by.name,
            "at": now.isoformat(),
            "reason": text,
        },
    ]
    session.flush()
    committee = session.get(OrgUnit, record.committee_id)
    assert committee is not None
    label = Quarter(record.year, record.quarter).label
    record_in(
        session,
        committee,
        "quarter.reopened",
        actor_id=by.id,
        now=now,
        object_type="quarter_close",
        object_id=record.id,
        summary=f"{committee.name} {label}: {text}",
        changes={"is_closed": [True, False]},
        details={"quarter": label, "reason": text},
    )
    return record
