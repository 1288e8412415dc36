"""Which plan a dashboard shows, and the percentages and pages every dashboard uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.errors import NotFound
from studyhub.org.models import OrgUnit
from studyhub.plans.models import StudyPlan
from studyhub.reports import queries
from studyhub.reports.quarters import Quarter

PER_PAGE = 100
HISTORY_LIMIT = 300
PERCENT = Decimal("0.1")


def _percent(part: Any, whole: Any) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal place; None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(PERCENT)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(PERCENT)


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


# Which plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChoice:
    """The quarter's plans given to a unit, and the one shown (None when there is none)."""

    quarter: Quarter
    plans: list[StudyPlan]
    plan: StudyPlan | None


def choose_plan(
    session: Session,
    committee: OrgUnit,
    unit: OrgUnit,
    *,
    quarter: Quarter,
    today: date,
    plan_id: int | None = None,
) -> PlanChoice:
    """The plan a dashboard of ``unit`` shows.

    With ``plan_id``: that plan (its own quarter), which must be a published plan of the
    committee given to (part of) the unit, else NotFound. Without: the quarter's first plan
    still running on ``today``, else its last one.
    """
    if plan_id is not None:
        chosen = session.get(StudyPlan, plan_id)
        if chosen is None or chosen.committee_id != committee.id:
            raise NotFound(_l("There is no such study plan."))
        quarter = Quarter(chosen.year, chosen.quarter)
    plans = list(session.scalars(queries.quarter_plans(committee.id, quarter, unit.path)))
    if plan_id is not None:
        plan = next((p for p in plans if p.id == plan_id), None)
        if plan is None:
            raise NotFound(_l("There is no such study plan."))
    else:
        plan = next((p for p in plans if p.due_on >= today), plans[-1] if plans else None)
    return PlanChoice(quarter=quarter, plans=plans, plan=plan)
