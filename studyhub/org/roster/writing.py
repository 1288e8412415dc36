"""Writing a checked roster: new members added, known ones updated and moved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput
from studyhub.org import services
from studyhub.org.auditing import record_in
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.org.queries import under
from studyhub.org.roster.checking import chunks
from studyhub.org.roster.columns import BATCH, Action, CheckedRoster, ImportResult, RosterEntry

# Writing ---------------------------------------------------------------------------------


def apply_roster(
    session: Session,
    committee: OrgUnit,
    roster: CheckedRoster,
    *,
    now: datetime,
    actor_id: int | None,
    file_name: str = "",
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write a checked roster: add new members, update and move known ones. Flushes only.

    New members have no usable password until they activate their account with a
    code from their secretary (activation slips). ``on_progress(n)`` is called after
    every ``n`` rows.
    The import is recorded in the committee's audit log with its counts, and each
    change to a known member in their branch's.
    """
    if roster.errors:
        raise InvalidInput(_l("The roster has errors; nothing was imported."))
    units = {
        unit.id: unit
        for unit in session.scalars(
            select(OrgUnit).where(
                under(OrgUnit.path, committee.path),
                OrgUnit.kind.in_([UnitKind.BRANCH, UnitKind.GROUP]),
            )
        )
    }
    result = ImportResult()
    for chunk in chunks(roster.entries, BATCH):
        ids = [e.member_id for e in chunk if e.action is Action.UPDATE]
        members = (
            {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))}
            if ids
            else {}
        )
        for entry in chunk:
            group = units[entry.group_id] if entry.group_id else None
            if entry.action is Action.NEW:
                services.add_member(
                    session,
                    units[entry.branch_id],
                    entry.fields,
                    group=group,
                    now=now,
                    actor_id=actor_id,
                    audited=False,  # the import is recorded once below, with its counts
                )
                result.imported += 1
            elif entry.action is Action.UPDATE and _update(
                session,
                members[entry.member_id],
                entry,
                units[entry.branch_id],
                group,
                now,
                actor_id,
            ):
                result.updated += 1
            else:
                result.unchanged += 1
            if on_progress is not None:
                on_progress(1)
    session.flush()
    record_in(
        session,
        committee,
        "roster.imported",
        actor_id=actor_id,
        now=now,
        object_type="org_unit",
        object_id=committee.id,
        summary=file_name or committee.name,
        details={
            "file": file_name,
            "imported": result.imported,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


def _update(
    session: Session,
    member: Member,
    entry: RosterEntry,
    branch: OrgUnit,
    group: OrgUnit | None,
    now: datetime,
    actor_id: int | None,
) -> bool:
    changed = services.update_member(session, member, entry.fields, actor_id=actor_id, now=now)
    moved = services.move_member(session, member, branch, group=group, actor_id=actor_id, now=now)
    if not member.is_active:
        services.set_member_active(member, is_active=True, actor_id=actor_id, now=now)
        changed = True
    return changed or moved
