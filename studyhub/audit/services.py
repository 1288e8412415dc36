"""Writing audit entries. No request state: callers pass the actor, the scope and ``now``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from studyhub.audit.models import AuditEntry, erasure_exception
from studyhub.core.scrub import mentions, replaced

# The fields of a member's (or an account's) ``changes`` that identify the person.
IDENTITY_FIELDS = ("name", "phone", "member_no", "email")


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


@erasure_exception
def erase_person(
    session: Session,
    *,
    member_id: int,
    user_id: int,
    committee_id: int,
    needles: Sequence[str],
    placeholder: str,
    shared: Sequence[str] = (),
    protected: Sequence[str] = (),
) -> int:
    """Erasure's one exception to the append-only log: rewrite the entries that hold a
    departed member's personal data.

    When staff erase a departed member's personal data (China's Personal
    Information Protection Law; :func:`studyhub.org.erasure.erase_member`), the
    entries written about them while they were a member (added, moved,
    deactivated…) still carry their name or phone in ``summary``, ``changes`` or
    ``details``. Only those three fields are rewritten; who acted, what kind of act
    and when stay as they were. Which entries, and with which strings:

    - entries tied to the person by id (about the member or their account, acts
      they did to no other person, details naming their ``user_id``/``member_id``
      /``author_id``), in any committee: every one of ``needles`` becomes
      ``placeholder``, and the entries about them lose the values of their name,
      phone, member number and e-mail in ``changes`` whatever their length;
    - other entries of their committee only: the needles except ``shared`` ones
      (another live person's exact name in the committee: "王伟" erased must not
      rewrite what was written about the other 王伟), except inside a JSON dict that
      names the person by id.

    Nothing else may call this: every other change of an entry is refused (see
    :func:`studyhub.audit.models._refuse_changes`). Returns how many entries changed.
    """
    if not needles:
        needles = ()
    free = [n for n in needles if n not in shared]

    def owned(value: dict[str, Any]) -> bool:
        return (
            value.get("user_id") == user_id
            or value.get("author_id") == user_id
            or value.get("member_id") == member_id
        )

    table = AuditEntry.__table__
    about = or_(
        and_(AuditEntry.object_type == "member", AuditEntry.object_id == member_id),
        and_(AuditEntry.object_type == "user", AuditEntry.object_id == user_id),
    )
    columns = (AuditEntry.summary, AuditEntry.changes, AuditEntry.details)
    in_committee = and_(
        AuditEntry.committee_id == committee_id,
        or_(*(mentions(c, needles) for c in columns)),
    )
    rows = session.execute(
        select(
            AuditEntry.id,
            AuditEntry.object_type,
            AuditEntry.object_id,
            AuditEntry.actor_id,
            *columns,
        ).where(or_(about, in_committee) if needles else about)
    ).all()
    changed = 0
    for row in rows:
        is_about = (row.object_type, row.object_id) in (("member", member_id), ("user", user_id))
        tied = (
            is_about
            or (row.actor_id == user_id and row.object_type not in ("member", "user"))
            or (isinstance(row.details, dict) and owned(row.details))
        )
        use = needles if tied else free
        extra = {"owned": owned, "own_needles": needles}
        changes = row.changes
        if is_about and isinstance(changes, dict):
            changes = {
                field: (
                    [placeholder if isinstance(v, str) and v else v for v in pair]
                    if field in IDENTITY_FIELDS and isinstance(pair, list)
                    else pair
                )
                for field, pair in changes.items()
            }
        values = {
            "summary": replaced(row.summary, use, placeholder, protected, **extra)[:300],
            "changes": replaced(changes, use, placeholder, protected, **extra),
            "details": replaced(row.details, use, placeholder, protected, **extra),
        }
        values = {k: v for k, v in values.items() if v != getattr(row, k)}
        if values:
            session.execute(table.update().where(table.c.id == row.id).values(**values))
            changed += 1
    return changed
