"""Plans' part of erasing a departed member (see :mod:`studyhub.org.erasure`): a later due
date granted to them keeps its date, and the reason loses their name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.org.erasure import ErasedPerson, register_eraser
from studyhub.plans.models import PlanExtension, StudyPlan


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    plans = select(StudyPlan.id).where(StudyPlan.committee_id == person.committee_id)
    return {
        "extensions_mentioning": person.scrub(
            session, PlanExtension, ("reason",), PlanExtension.plan_id.in_(plans)
        ),
    }


register_eraser(erase_person)
