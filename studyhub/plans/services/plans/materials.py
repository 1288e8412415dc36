"""A plan's materials: readings added, removed and put in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from studyhub.core.errors import NotFound
from studyhub.plans.models import PlanMaterial, StudyPlan
from studyhub.plans.services.plans.editing import _record_change
from studyhub.readings.models import Reading

# Materials ---------------------------------------------------------------------------------


def _materials(session: Session, plan: StudyPlan) -> list[PlanMaterial]:
    return list(
        session.scalars(
            select(PlanMaterial)
            .where(PlanMaterial.plan_id == plan.id)
            .order_by(PlanMaterial.position, PlanMaterial.id)
        )
    )


def _material_titles(session: Session, plan: StudyPlan) -> list[str]:
    return [title for _position, title in session.execute(_titles_query(plan.id))]


def _titles_query(plan_id: int) -> Any:
    return (
        select(PlanMaterial.position, Reading.title)
        .join(Reading, Reading.id == PlanMaterial.reading_id)
        .where(PlanMaterial.plan_id == plan_id)
        .order_by(PlanMaterial.position, PlanMaterial.id)
    )


def add_material(
    session: Session,
    plan: StudyPlan,
    reading_id: int,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> PlanMaterial:
    """Add a reading of the committee at the end (a second add of the same one does nothing)."""
    reading = session.get(Reading, reading_id)
    if reading is None or reading.committee_id != plan.committee_id:
        raise NotFound(_l("This reading is not in the committee's library."))
    materials = _materials(session, plan)
    for material in materials:
        if material.reading_id == reading_id:
            return material
    before = _material_titles(session, plan)
    material = PlanMaterial(
        plan_id=plan.id,
        reading_id=reading_id,
        position=max((m.position for m in materials), default=0) + 1,
    )
    session.add(material)
    plan.updated_at = now
    session.flush()
    _record_change(
        session,
        plan,
        {"materials": [before, _material_titles(session, plan)]},
        actor_id=actor_id,
        now=now,
    )
    return material


def remove_material(
    session: Session,
    plan: StudyPlan,
    reading_id: int,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> None:
    before = _material_titles(session, plan)
    session.execute(
        delete(PlanMaterial).where(
            PlanMaterial.plan_id == plan.id, PlanMaterial.reading_id == reading_id
        )
    )
    for position, material in enumerate(_materials(session, plan), start=1):
        material.position = position
    plan.updated_at = now
    session.flush()
    after = _material_titles(session, plan)
    if after != before:
        _record_change(session, plan, {"materials": [before, after]}, actor_id=actor_id, now=now)


def move_material(
    session: Session, plan: StudyPlan, reading_id: int, *, offset: int, now: datetime
) -> None:
    """Move a material up (``offset`` -1) or down (+1) in the order."""
    materials = _materials(session, plan)
    index = next((i for i, m in enumerate(materials) if m.reading_id == reading_id), None)
    if index is None:
        raise NotFound(_l("This reading is not one of the plan's materials."))
    other = index + offset
    if 0 <= other < len(materials):
        materials[index], materials[other] = materials[other], materials[index]
    for position, material in enumerate(materials, start=1):
        material.position = position
    plan.updated_at = now
    session.flush()
