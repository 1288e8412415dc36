"""Writing audit entries. No request state: callers pass the actor, the scope and ``now``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.audit.models import AuditEntry
from studyhub.core.scrub import scrub_columns


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


def former_values(
    session: Session, *, object_type: str, object_id: int, fields: Sequence[str]
) -> set[str]:
    """Every text value the entries about one object recorded for ``fields`` (before and
    after each change): a member's earlier names and phones, for erasure to find."""
    found: set[str] = set()
    for changes in session.scalars(
        select(AuditEntry.changes).where(
            AuditEntry.object_type == object_type,
            AuditEntry.object_id == object_id,
            AuditEntry.changes.is_not(None),
        )
    ):
        for field in fields:
            pair = (changes or {}).get(field)
            if isinstance(pair, list):
                found.update(v for v in pair if isinstance(v, str))
    return found


def erase_person(
    session: Session,
    *,
    needles: Sequence[str],
    placeholder: str,
    protected: Sequence[str] = (),
) -> int:
    """Erasure's one exception to the append-only log: rewrite the entries that hold a
    departed member's personal data.

    When staff erase a departed member's personal data (China's Personal
    Information Protection Law; :func:`studyhub.org.erasure.erase_member`), the
    entries written about them while they were a member (added, moved,
    deactivated…) still carry their name or phone in ``summary``, ``changes`` or
    ``details``. Only those three fields of only the entries that mention one of
    ``needles`` are rewritten, each needle replaced by ``placeholder``; who acted,
    what kind of act and when stay as they were. Nothing else may call this:
    every other change of an entry is refused (see
    :func:`studyhub.audit.models._refuse_changes`). Returns how many entries changed.
    """
    return scrub_columns(
        session,
        AuditEntry.__table__,
        ("summary", "changes", "details"),
        needles,
        placeholder,
        protected=protected,
    )
