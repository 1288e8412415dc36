"""Plans' part of erasing a departed member (see :mod:`studyhub.org.erasure`): a later due
date granted to them keeps its date, and the reason loses their name."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from studyhub.org.erasure import ErasedPerson, register_eraser
from studyhub.plans.models import PlanExtension, StudyPlan


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    plans = select(StudyPlan.id).where(StudyPlan.committee_id == person.committee_id)
    return {
        "own_extensions": person.scrub_own(
            session, PlanExtension, ("reason",), PlanExtension.user_id == person.user_id
        ),
        "extensions_mentioning": person.scrub(
            session,
            PlanExtension,
            ("reason",),
            and_(
                PlanExtension.plan_id.in_(plans),
                or_(PlanExtension.user_id.is_(None), PlanExtension.user_id != person.user_id),
            ),
        ),
    }


register_eraser(erase_person)
