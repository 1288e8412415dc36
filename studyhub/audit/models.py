"""The audit log's one table."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from studyhub.extensions import db

P = ParamSpec("P")
T = TypeVar("T")
# The one way past the append-only guard for bulk statements: this execution option on
# a statement, or this key in ``Session.info`` while :func:`erasure_exception` runs.
AUDIT_ERASURE = "audit_erasure"


class AuditEntry(db.Model):
    """One privileged act: ``actor_id`` did ``kind`` to ``object_type``/``object_id``.

    ``scope_path`` is the org path of the unit the act belongs to (a branch's or a
    committee's), so a committee's log is a prefix range on it; ``committee_id``
    and ``branch_id`` name the units for people. ``changes`` maps a field to its
    ``[before, after]``; ``details`` holds anything else worth keeping (counts of
    an import, the file's name). ``actor_id`` is None for the system (jobs,
    commands run without an account).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_scope_at", "scope_path", "at"),
        Index("ix_audit_entry_actor_at", "actor_id", "at"),
        Index("ix_audit_entry_kind_at", "kind", "at"),
        Index("ix_audit_entry_object", "object_type", "object_id"),
        # A committee's and a branch's log, newest first (migration 0010).
        Index("ix_audit_entry_committee_at", "committee_id", "at"),
        Index("ix_audit_entry_branch_at", "branch_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(300), default="")
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    scope_path: Mapped[str] = mapped_column(String(255), default="/")
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.kind} {self.object_type}:{self.object_id}>"


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, flush_context, instances) -> None:
    """The application only ever adds entries: an update or delete is a bug, refused loudly.

    The one exception is erasure of a departed member's personal data:
    :func:`studyhub.audit.services.erase_person` rewrites the ``summary``,
    ``changes`` and ``details`` of the entries that mention them, with plain
    ``UPDATE`` statements (not through the session's flush, so not through here, but
    through :func:`_refuse_bulk_changes`, which lets them pass only inside
    :func:`erasure_exception`).
    """
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditLogIsAppendOnly(f"audit entries cannot be changed ({obj!r})")
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly(f"audit entries cannot be deleted ({obj!r})")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    """A bulk ``UPDATE``/``DELETE`` of ``audit_entry`` run through a session is refused too
    (``update(AuditEntry)``, ``AuditEntry.__table__.delete()``, ``query.delete()``), except
    for erasure (:func:`erasure_exception`, or the ``audit_erasure=True`` execution
    option). Raw SQL text is not inspected."""
    if not (state.is_update or state.is_delete):
        return
    if state.execution_options.get(AUDIT_ERASURE) or state.session.info.get(AUDIT_ERASURE):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AuditEntry.__tablename__:
        verb = "changed" if state.is_update else "deleted"
        raise AuditLogIsAppendOnly(f"audit entries cannot be {verb} (a bulk statement)")


@contextmanager
def erasing(session: Session) -> Iterator[None]:
    """Let the bulk statements run through ``session`` in the block rewrite audit entries.

    Only for erasure of a departed member's personal data
    (:func:`studyhub.audit.services.erase_person`); use :func:`erasure_exception`.
    """
    depth = session.info.get(AUDIT_ERASURE, 0)
    session.info[AUDIT_ERASURE] = depth + 1
    try:
        yield
    finally:
        if depth:
            session.info[AUDIT_ERASURE] = depth
        else:
            session.info.pop(AUDIT_ERASURE, None)


def erasure_exception(
    function: Callable[Concatenate[Session, P], T],
) -> Callable[Concatenate[Session, P], T]:
    """Mark the one function allowed to rewrite audit entries (its first argument is the
    session): its bulk statements pass the append-only guard while it runs."""

    @functools.wraps(function)
    def run(session: Session, *args: P.args, **kwargs: P.kwargs) -> T:
        with erasing(session):
            return function(session, *args, **kwargs)

    return run
