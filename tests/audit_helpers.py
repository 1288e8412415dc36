"""Reading the audit log back in tests: the entries of a kind, and their scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.audit.models import AuditEntry
from studyhub.org.models import OrgUnit, UnitKind


def entries(session: Session, kind: str) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id))
    )


def one_entry(session: Session, kind: str) -> AuditEntry:
    found = entries(session, kind)
    assert len(found) == 1, [(e.kind, e.summary) for e in found]
    return found[0]


def assert_in(entry: AuditEntry, unit: OrgUnit) -> None:
    """The entry belongs to ``unit``: its path, its committee and (for a branch) the branch."""
    assert entry.scope_path == unit.path
    assert entry.committee_id == unit.committee_id
    assert entry.branch_id == (unit.id if unit.kind == UnitKind.BRANCH else None)
