"""Synthetic audit entries for ``studyhub gen-data --audit-entries N``.

The log of a large committee after years of use: ``count`` entries spread evenly
over :data:`SPAN_DAYS` days before ``now`` (in time order, as ids grow with time),
nine in ten in one of the given branches and the rest at the committee, by one
of the given actors, of the kinds the application records, some with fields
before and after. Rows are inserted :data:`BATCH` at a time with Core
``insert()``; nothing but one batch is held in memory. The generator knows
nothing of the tree: the caller passes the scopes and the actors.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.audit.models import AuditEntry
from studyhub.benchdata.generation import Generation, member_no_prefix
from studyhub.org.models import OrgUnit, RoleAssignment
from studyhub.org.queries import under

BATCH = 5000
SPAN_DAYS = 3 * 365
COMMITTEE_SHARE = 0.1

# (kind, object type, the changed field and its two values, or None)
KINDS: tuple[tuple[str, str, tuple[str, Any, Any] | None], ...] = (
    ("member.updated", "member", ("phone", "13900000000", "13911111111")),
    ("member.moved", "member", ("branch", "第一支部", "第二支部")),
    ("member.deactivated", "member", ("is_active", True, False)),
    ("role.appointed", "user", ("role", None, "branch_committee")),
    ("score.adjusted", "member", None),
    ("rating.overridden", "member", ("rating", None, "excellent")),
    ("meeting.approved", "meeting", ("state", "submitted", "approved")),
    ("meeting.returned", "meeting", ("state", "submitted", "returned")),
    ("comment.hidden", "comment", ("hidden", False, True)),
    ("export.downloaded", "org_unit", None),
    ("account.code_issued", "member", None),
)
COMMITTEE_KINDS: tuple[tuple[str, str, tuple[str, Any, Any] | None], ...] = (
    ("quiz.published", "quiz", ("published", False, True)),
    ("quiz.changed", "quiz", ("pass_percent", "60", "70")),
    ("roster.imported", "org_unit", None),
    ("questions.imported", "bank", None),
    ("score_settings.changed", "org_unit", ("adjustment_cap", "5", "10")),
    ("export.downloaded", "org_unit", None),
)


@dataclass(frozen=True)
class Scope:
    """Where generated entries may fall: a unit's path and ids."""

    path: str
    committee_id: int
    branch_id: int | None


def insert_entries(
    session: Session,
    *,
    count: int,
    committee: Scope,
    branches: Sequence[Scope],
    actor_ids: Sequence[int],
    now: datetime,
    rng: random.Random,
    advance: Callable[[int], None],
) -> None:
    """Insert ``count`` entries in batches, calling ``advance(n)`` after each."""
    if count <= 0:
        return
    step = timedelta(days=SPAN_DAYS) / count
    start = now - timedelta(days=SPAN_DAYS)
    batch: list[dict[str, Any]] = []
    for number in range(count):
        at_committee = not branches or rng.random() < COMMITTEE_SHARE
        scope = committee if at_committee else rng.choice(branches)
        kind, object_type, change = rng.choice(COMMITTEE_KINDS if at_committee else KINDS)
        batch.append(
            {
                "at": start + step * number,
                "actor_id": rng.choice(actor_ids) if actor_ids else None,
                "kind": kind,
                "object_type": object_type,
                "object_id": rng.randrange(1, 1_000_000),
                "summary": f"{kind} #{number}",
                "committee_id": scope.committee_id,
                "branch_id": scope.branch_id,
                "scope_path": scope.path,
                "changes": {change[0]: [change[1], change[2]]} if change else None,
                "details": {"generated": True} if change is None else None,
            }
        )
        if len(batch) >= BATCH:
            session.execute(insert(AuditEntry), batch)
            advance(len(batch))
            batch = []
    if batch:
        session.execute(insert(AuditEntry), batch)
        advance(len(batch))


# -- the gen-data step -----------------------------------------------------------


def create_audit(gen: Generation, advance: Callable[[int], None]) -> None:
    """Years of audit entries over the committee's branches, by its staff and secretaries."""
    actors = list(
        gen.session.scalars(
            select(RoleAssignment.user_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
            .where(under(OrgUnit.path, gen.committee.path))
            .order_by(RoleAssignment.user_id)
            .limit(1000)
        )
    )
    insert_entries(
        gen.session,
        count=gen.audit_entries,
        committee=Scope(gen.committee.path, gen.committee.id, None),
        branches=[Scope(b.path, gen.committee.id, b.id) for b in gen.branches],
        actor_ids=actors,
        now=gen.now,
        rng=gen.rng("audit"),
        advance=advance,
    )


def clear_audit(session: Session, committee: OrgUnit, seed: int) -> None:
    """Delete the entries of the generated committee and of its generated people (a
    benchmark's data, removed with it; the application itself never deletes an entry)."""
    entries = AuditEntry.__table__
    generated = select(User.id).where(User.member_no.startswith(member_no_prefix(seed)))
    # Past the append-only guard through its one execution option: generated data only.
    session.execute(
        delete(entries)
        .where(under(entries.c.scope_path, committee.path))
        .execution_options(audit_erasure=True)
    )
    session.execute(
        delete(entries)
        .where(entries.c.actor_id.in_(generated))
        .execution_options(audit_erasure=True)
    )
