"""A branch's rota: who is on it, in what order, added, removed and moved by the secretary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import local_date
from studyhub.core.errors import Conflict, InvalidInput, NotFound
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.readings.models import (
    LeadRotaBranch,
    LeadRotaEntry,
)

REFLECTION_MAX_CHARS = 500


# --- the rota ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RotaEntry:
    """One member's place in a rota, with whether the scheduler will give them turns."""

    member_id: int
    name: str
    position: int
    is_active: bool
    is_in_branch: bool

    @property
    def is_eligible(self) -> bool:
        return self.is_active and self.is_in_branch


def committee_timezone(session: Session, unit: OrgUnit) -> str:
    """The time zone of ``unit``'s committee: lead-reader days are the committee's days."""
    committee = session.get(OrgUnit, unit.committee_id) if unit.committee_id else None
    return (committee or unit).timezone


def branch_today(session: Session, branch: OrgUnit, now: datetime) -> date:
    return local_date(now, committee_timezone(session, branch))


def rota_entries(session: Session, branch: OrgUnit) -> list[RotaEntry]:
    """The branch's rota in turn order (members who left or were deactivated included)."""
    rows = session.execute(
        select(
            LeadRotaEntry.member_id,
            User.name,
            LeadRotaEntry.position,
            Member.is_active,
            Member.branch_id,
        )
        .join(Member, Member.id == LeadRotaEntry.member_id)
        .join(User, User.id == Member.user_id)
        .where(LeadRotaEntry.branch_id == branch.id)
        .order_by(LeadRotaEntry.position, LeadRotaEntry.id)
    ).all()
    on_duty = rota_branch_ids(session, branch)
    return [
        RotaEntry(
            member_id=member_id,
            name=name,
            position=position,
            is_active=is_active,
            is_in_branch=branch_id in on_duty,
        )
        for member_id, name, position, is_active, branch_id in rows
    ]


def rota_branch_ids(session: Session, unit: OrgUnit) -> set[int]:
    """The branches whose members a rota's turns go to: a branch's own, or the branches a
    committee chose for its rota across branches (``lead_rota_branch``)."""
    if unit.kind != UnitKind.COMMITTEE:
        return {unit.id}
    return set(
        session.scalars(
            select(LeadRotaBranch.branch_id).where(LeadRotaBranch.committee_id == unit.id)
        )
    )


def _require_branch(branch: OrgUnit) -> None:
    """A rota's unit: a branch, or a committee (its rota across branches)."""
    if branch.kind not in (UnitKind.BRANCH, UnitKind.COMMITTEE):
        raise InvalidInput(_l("Lead readers take turns within a branch."))


def _require_eligible(branch: OrgUnit, member: Member) -> None:
    session = Session.object_session(branch)
    if branch.kind == UnitKind.COMMITTEE and session is not None:
        if member.branch_id not in rota_branch_ids(session, branch):
            raise InvalidInput(
                _l("%(name)s is not a member of a branch on this rota.", name=member.user.name)
            )
    elif member.branch_id != branch.id:
        raise InvalidInput(_l("%(name)s is not a member of this branch.", name=member.user.name))
    if not member.is_active:
        raise InvalidInput(_l("%(name)s is not an active member.", name=member.user.name))


def add_to_rota(session: Session, branch: OrgUnit, member: Member) -> LeadRotaEntry:
    """Put an active member of the branch at the end of its rota."""
    _require_branch(branch)
    _require_eligible(branch, member)
    exists = session.scalar(
        select(LeadRotaEntry.id).where(
            LeadRotaEntry.branch_id == branch.id, LeadRotaEntry.member_id == member.id
        )
    )
    if exists is not None:
        raise Conflict(_l("%(name)s is on the rota already.", name=member.user.name))
    last = session.scalar(
        select(func.max(LeadRotaEntry.position)).where(LeadRotaEntry.branch_id == branch.id)
    )
    entry = LeadRotaEntry(branch_id=branch.id, member_id=member.id, position=(last or 0) + 1)
    session.add(entry)
    session.flush()
    return entry


def add_all_to_rota(session: Session, branch: OrgUnit) -> int:
    """Add every active member of the branch not on the rota yet (by name); returns how many."""
    _require_branch(branch)
    on_rota = select(LeadRotaEntry.member_id).where(LeadRotaEntry.branch_id == branch.id)
    member_ids = session.scalars(
        select(Member.id)
        .join(User, User.id == Member.user_id)
        .where(
            Member.branch_id == branch.id,
            Member.is_active.is_(True),
            Member.id.not_in(on_rota),
        )
        .order_by(User.name, Member.id)
    ).all()
    last = session.scalar(
        select(func.max(LeadRotaEntry.position)).where(LeadRotaEntry.branch_id == branch.id)
    )
    session.add_all(
        LeadRotaEntry(branch_id=branch.id, member_id=member_id, position=(last or 0) + i)
        for i, member_id in enumerate(member_ids, start=1)
    )
    session.flush()
    return len(member_ids)


def set_rota(session: Session, branch: OrgUnit, member_ids: Sequence[int]) -> None:
    """Replace the branch's rota with ``member_ids`` in this order (all active, all its own)."""
    _require_branch(branch)
    if len(set(member_ids)) != len(member_ids):
        raise InvalidInput(_l("A member can be on the rota only once."))
    valid = set(
        session.scalars(
            select(Member.id).where(
                Member.id.in_(member_ids),
                Member.branch_id == branch.id,
                Member.is_active.is_(True),
            )
        )
    )
    if valid != set(member_ids):
        raise InvalidInput(_l("Only active members of this branch can be on its rota."))
    session.execute(delete(LeadRotaEntry).where(LeadRotaEntry.branch_id == branch.id))
    session.add_all(
        LeadRotaEntry(branch_id=branch.id, member_id=member_id, position=i)
        for i, member_id in enumerate(member_ids, start=1)
    )
    session.flush()


def branch_members(session: Session, branch: OrgUnit) -> list[tuple[int, str]]:
    """(member id, name) of the branch's active members, by name: who can lead a day."""
    return [
        (member_id, name)
        for member_id, name in session.execute(
            select(Member.id, User.name)
            .join(User, User.id == Member.user_id)
            .where(Member.branch_id == branch.id, Member.is_active.is_(True))
            .order_by(User.name, Member.id)
        )
    ]


def rota_candidates(session: Session, branch: OrgUnit) -> list[tuple[int, str]]:
    """Active members of the branch who are not on its rota yet, by name."""
    on_rota = select(LeadRotaEntry.member_id).where(LeadRotaEntry.branch_id == branch.id)
    return [
        (member_id, name)
        for member_id, name in session.execute(
            select(Member.id, User.name)
            .join(User, User.id == Member.user_id)
            .where(
                Member.branch_id == branch.id,
                Member.is_active.is_(True),
                Member.id.not_in(on_rota),
            )
            .order_by(User.name, Member.id)
        )
    ]


def _entry(session: Session, branch: OrgUnit, member_id: int) -> LeadRotaEntry:
    entry = session.scalar(
        select(LeadRotaEntry).where(
            LeadRotaEntry.branch_id == branch.id, LeadRotaEntry.member_id == member_id
        )
    )
    if entry is None:
        raise NotFound(_l("This member is not on the rota."))
    return entry


def remove_from_rota(session: Session, branch: OrgUnit, member_id: int) -> None:
    """Take a member off the rota; days already given to them stay theirs."""
    session.delete(_entry(session, branch, member_id))
    session.flush()


def move_in_rota(session: Session, branch: OrgUnit, member_id: int, *, offset: int) -> None:
    """Move a member one place earlier (``offset=-1``) or later (``+1``) in the rota."""
    if offset not in (-1, 1):
        raise InvalidInput(_l("A member moves one place at a time."))
    entry = _entry(session, branch, member_id)
    stmt = select(LeadRotaEntry).where(LeadRotaEntry.branch_id == branch.id)
    if offset < 0:
        stmt = stmt.where(LeadRotaEntry.position < entry.position).order_by(
            LeadRotaEntry.position.desc()
        )
    else:
        stmt = stmt.where(LeadRotaEntry.position > entry.position).order_by(LeadRotaEntry.position)
    neighbour = session.scalars(stmt.limit(1)).first()
    if neighbour is None:
        return
    entry.position, neighbour.position = neighbour.position, entry.position
    session.flush()
