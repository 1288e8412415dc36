"""Audit entries placed in the organisation tree.

Every domain's services record their privileged acts with :func:`record_in`,
naming the unit the act belongs to (a member's branch, a plan's committee); the
entry's ``scope_path``, ``committee_id`` and ``branch_id`` come from that unit,
so that the committee's log (a prefix range on ``scope_path``) and the branch's
find it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from studyhub.audit import services as audit
from studyhub.audit.models import AuditEntry
from studyhub.org.models import OrgUnit, UnitKind


def branch_id_of(unit: OrgUnit) -> int | None:
    """The branch a unit is or lies in (a Party group's parent), or None above branches."""
    if unit.kind == UnitKind.BRANCH:
        return unit.id
    if unit.kind == UnitKind.GROUP:
        return unit.parent_id
    return None


def record_in(
    session: Session,
    unit: OrgUnit,
    kind: str,
    *,
    actor_id: int | None,
    now: datetime,
    object_type: str,
    object_id: int | None = None,
    summary: str = "",
    changes: Mapping[str, list[Any]] | None = None,
    details: Mapping[str, Any] | None = None,
    flush: bool = True,
) -> AuditEntry:
    """Record ``kind`` done by ``actor_id`` to an object of ``unit`` (in the caller's
    transaction, flushed like the act itself unless ``flush`` is False: a caller recording
    many entries flushes once after them); see :func:`studyhub.audit.services.record`."""
    entry = audit.record(
        session,
        kind,
        actor_id=actor_id,
        now=now,
        object_type=object_type,
        object_id=object_id,
        scope_path=unit.path,
        committee_id=unit.committee_id,
        branch_id=branch_id_of(unit),
        summary=summary,
        changes=changes,
        details=details,
    )
    if flush:
        session.flush()
    return entry


def record_settings_change(
    session: Session,
    unit: OrgUnit,
    kind: str,
    changes: Mapping[str, list[Any]],
    *,
    actor_id: int | None,
    now: datetime,
) -> AuditEntry | None:
    """Record that ``unit``'s own settings changed (``changes`` as
    :func:`studyhub.audit.services.diff` gives them); nothing when none did."""
    if not changes:
        return None
    return record_in(
        session,
        unit,
        kind,
        actor_id=actor_id,
        now=now,
        object_type="org_unit",
        object_id=unit.id,
        summary=unit.name,
        changes=changes,
    )


def record_download(
    session: Session,
    unit: OrgUnit,
    *,
    export: str,
    file_name: str,
    actor_id: int | None,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor_id`` downloaded ``file_name`` (an ``export`` such as "scores" or
    "meeting_register") of ``unit``: a download carries members' data out of the application."""
    return record_in(
        session,
        unit,
        "export.downloaded",
        actor_id=actor_id,
        now=now,
        object_type="org_unit",
        object_id=unit.id,
        summary=f"{unit.name}: {file_name}",
        details={"export": export, "file": file_name, **(details or {})},
    )


def in_committee(session: Session, committee_id: int) -> OrgUnit:
    """The committee a record names by id (from the identity map when loaded)."""
    unit = session.get(OrgUnit, committee_id)
    assert unit is not None
    return unit
