"""Writing audit entries. No request state: callers pass the actor, the scope and ``now``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from studyhub.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (dates as ISO text, enums as their value)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    session: Session,
    kind: str,
    *,
    actor_id: int | None,
    now: datetime,
    object_type: str,
    object_id: int | None = None,
    scope_path: str = "/",
    committee_id: int | None = None,
    branch_id: int | None = None,
    summary: str = "",
    changes: Mapping[str, list[Any]] | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the session, in the caller's transaction (it commits with the act).

    ``kind`` is a dotted name such as ``member.moved`` or ``quarter.closed``;
    ``scope_path`` is the org path of the branch or committee the act belongs to
    (``OrgUnit.path``), so that the committee's and the branch's logs find it.
    Never put a secret (a password, an activation code) in ``changes`` or
    ``details``.
    """
    entry = AuditEntry(
        at=now,
        actor_id=actor_id,
        kind=kind,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:300],
        scope_path=scope_path,
        committee_id=committee_id,
        branch_id=branch_id,
        changes=_plain(dict(changes)) if changes else None,
        details=_plain(dict(details)) if details else None,
    )
    session.add(entry)
    return entry
