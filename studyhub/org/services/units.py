"""Operations on the tree: committees (with the defaults each starts with), units, their
names and moves. Callers commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, literal, select, update
from sqlalchemy.orm import Session

from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import (
    ALLOWED_CHILDREN,
    Member,
    OrgUnit,
    UnitKind,
)
from studyhub.org.queries import under

# What every new committee starts with, from the domains above org (they add to it when
# they are imported: readings adds the default columns), so that no page has to make a
# committee's defaults the first time someone looks (pages never write on GET).
COMMITTEE_DEFAULTS: list[Callable[[Session, OrgUnit], object]] = []


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_l("The name may not be empty."))
    if len(name) > 100:
        raise InvalidInput(_l("The name is too long (100 characters at most)."))
    return name


def _set_path(unit: OrgUnit) -> None:
    parent_path = unit.parent.path if unit.parent else "/"
    unit.path = f"{parent_path}{unit.id}/"


def create_committee(session: Session, name: str, *, now: datetime, timezone: str) -> OrgUnit:
    name = _clean_name(name)
    exists = session.scalar(
        select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.name == name)
    )
    if exists:
        raise Conflict(_l("A committee named %(name)s exists already.", name=name))
    unit = OrgUnit(kind=UnitKind.COMMITTEE, name=name, timezone=timezone, created_at=now)
    session.add(unit)
    session.flush()
    unit.committee_id = unit.id
    _set_path(unit)
    session.flush()
    for seed in COMMITTEE_DEFAULTS:
        seed(session, unit)
    return unit


def create_unit(
    session: Session,
    parent: OrgUnit,
    *,
    kind: UnitKind,
    name: str,
    now: datetime,
    actor_id: int | None = None,
) -> OrgUnit:
    """Add a general branch, branch or group under ``parent`` (recorded in the new unit's log)."""
    name = _clean_name(name)
    if kind not in ALLOWED_CHILDREN[parent.kind]:
        raise InvalidInput(_l("This kind of unit cannot be placed there."))
    if session.scalar(
        select(OrgUnit.id).where(OrgUnit.parent_id == parent.id, OrgUnit.name == name)
    ):
        raise Conflict(_l("%(name)s exists already there.", name=name))
    unit = OrgUnit(
        kind=kind,
        name=name,
        parent=parent,
        committee_id=parent.committee_id,
        timezone=parent.timezone,
        created_at=now,
    )
    session.add(unit)
    session.flush()
    _set_path(unit)
    session.flush()
    record_in(
        session,
        unit,
        "unit.created",
        actor_id=actor_id,
        now=now,
        object_type="org_unit",
        object_id=unit.id,
        summary=f"{parent.name} / {name}",
        changes={"name": [None, name]},
        details={"kind": kind, "parent": parent.name},
    )
    return unit


def rename_unit(
    session: Session,
    unit: OrgUnit,
    *,
    name: str,
    actor_id: int | None = None,
    now: datetime,
) -> None:
    """Rename a unit (recorded in its log with the name before and after)."""
    name = _clean_name(name)
    if name == unit.name:
        return
    clash = select(OrgUnit.id).where(OrgUnit.name == name, OrgUnit.id != unit.id)
    clash = clash.where(
        OrgUnit.parent_id == unit.parent_id
        if unit.parent_id is not None
        else OrgUnit.parent_id.is_(None)
    )
    if session.scalar(clash):
        raise Conflict(_l("%(name)s exists already there.", name=name))
    before = unit.name
    unit.name = name
    session.flush()
    record_in(
        session,
        unit,
        "unit.renamed",
        actor_id=actor_id,
        now=now,
        object_type="org_unit",
        object_id=unit.id,
        summary=f"{before} → {name}",
        changes={"name": [before, name]},
    )


def move_unit(
    session: Session,
    unit: OrgUnit,
    new_parent: OrgUnit,
    *,
    actor_id: int | None = None,
    now: datetime,
) -> None:
    """Re-hang a unit (and everything below it) under another parent in the same committee.

    Recorded in the unit's log under its old place and under its new one.
    """
    if new_parent.path.startswith(unit.path):
        raise InvalidInput(_l("A unit cannot be moved below itself."))
    if unit.kind not in ALLOWED_CHILDREN[new_parent.kind]:
        raise InvalidInput(_l("This kind of unit cannot be placed there."))
    if new_parent.committee_id != unit.committee_id:
        raise InvalidInput(_l("Units move only within their committee."))
    old_parent = unit.parent
    if old_parent is not None and old_parent.id == new_parent.id:
        return
    old_path = unit.path
    new_path = f"{new_parent.path}{unit.id}/"
    changes = {"parent": [old_parent.name if old_parent else None, new_parent.name]}

    def record_move(place: OrgUnit) -> None:
        """The move in the log of ``unit`` at ``place`` (where it was, then where it is)."""
        record_in(
            session,
            place,
            "unit.moved",
            actor_id=actor_id,
            now=now,
            object_type="org_unit",
            object_id=place.id,
            summary=f"{place.name}: {changes['parent'][0]} → {new_parent.name}",
            changes=changes,
            details={"path": [old_path, new_path]},
        )

    record_move(unit)
    cut = len(old_path) + 1
    for model, column in ((OrgUnit, OrgUnit.path), (Member, Member.org_path)):
        session.execute(
            update(model)
            .where(under(column, old_path))
            .values({column.key: literal(new_path, String).concat(func.substr(column, cut))})
            .execution_options(synchronize_session=False)
        )
    unit.parent_id = new_parent.id
    session.flush()
    session.expire_all()
    record_move(session.get_one(OrgUnit, unit.id))
