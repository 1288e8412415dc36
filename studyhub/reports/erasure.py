"""Reports' part of erasing a departed member (see :mod:`studyhub.org.erasure`).

Closed quarters' frozen scores keep every figure, rank and rating; only the
member as they were (name, member number) in the stored explanation becomes
the placeholder. Staff's reasons for adjustments and overrides, and a quarter's
reopening reason, lose the member's name too. The committee's exported files
made before the erasure (score spreadsheets under ``exports/`` in the storage)
are removed and their jobs marked expired. The member's year of birth (for
age-band dimensions) is deleted.
"""

from __future__ import annotations

from sqlalchemy import and_, delete
from sqlalchemy.orm import Session

from studyhub.org.erasure import ErasedPerson, register_eraser
from studyhub.reports.models import (
    FrozenScore,
    MemberBirth,
    QuarterClose,
    RatingOverride,
    ScoreAdjustment,
)
from studyhub.reports.services import export_jobs


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    committee = person.committee_id
    counts = {}
    for model, columns, key in (
        (FrozenScore, ("explanation",), "frozen_scores"),
        (ScoreAdjustment, ("reason",), "adjustments"),
        (RatingOverride, ("reason",), "overrides"),
    ):
        mine = model.user_id == person.user_id
        counts[key] = person.scrub_own(session, model, columns, mine)
        counts[f"{key}_mentioning"] = person.scrub(
            session, model, columns, and_(model.committee_id == committee, ~mine)
        )
    # The year of birth behind an age-band dimension is personal data: it goes.
    counts["birth_years"] = (
        session.execute(delete(MemberBirth).where(MemberBirth.user_id == person.user_id)).rowcount
        or 0
    )
    if person.storage is not None:
        counts["export_files"] = export_jobs.expire_files(
            session, committee, before=person.now, storage=person.storage
        )
    return {
        **counts,
        "quarter_closes_mentioning": person.scrub(
            session,
            QuarterClose,
            ("reopen_reason", "history"),
            QuarterClose.committee_id == committee,
        ),
    }


register_eraser(erase_person)
