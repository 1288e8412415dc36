"""Reports' part of erasing a departed member (see :mod:`studyhub.org.erasure`).

Closed quarters' frozen scores keep every figure, rank and rating; only the
member as they were (name, member number) in the stored explanation becomes
the placeholder. Staff's reasons for adjustments and overrides, and a quarter's
reopening reason, lose the member's name too.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from studyhub.org.erasure import ErasedPerson, register_eraser
from studyhub.reports.models import FrozenScore, QuarterClose, RatingOverride, ScoreAdjustment


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    committee = person.committee_id
    return {
        "frozen_scores": person.scrub(
            session, FrozenScore, ("explanation",), FrozenScore.committee_id == committee
        ),
        "adjustments_mentioning": person.scrub(
            session, ScoreAdjustment, ("reason",), ScoreAdjustment.committee_id == committee
        ),
        "overrides_mentioning": person.scrub(
            session, RatingOverride, ("reason",), RatingOverride.committee_id == committee
        ),
        "quarter_closes_mentioning": person.scrub(
            session,
            QuarterClose,
            ("reopen_reason", "history"),
            QuarterClose.committee_id == committee,
        ),
    }


register_eraser(erase_person)
