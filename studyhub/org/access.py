"""Every decision about who may see and change which part of the organisation.

Scopes are paths in the tree. Committee staff and admins manage everything
under their unit; secretaries and branch committee members see (and keep the
records of) their branch; group leaders see their Party group; a member sees
their own data. System admins (``User.is_admin``) manage every committee.
Views call the ``require_*`` functions, which raise :class:`NotAllowed`;
templates get booleans.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import NotAllowed, NotFound
from studyhub.extensions import db
from studyhub.org.models import Member, OrgUnit, Role, UnitKind
from studyhub.org.queries import grant_rows

ROOT = "/"
MANAGER_ROLES = frozenset({Role.STAFF, Role.ADMIN})
BRANCH_ROLES = frozenset({Role.SECRETARY, Role.BRANCH_COMMITTEE})
GROUP_ROLES = frozenset({Role.GROUP_LEADER})


@dataclass(frozen=True)
class Scope:
    role: Role
    unit_id: int
    unit_name: str
    path: str
    kind: UnitKind | None = None  # the unit's kind (a 总支 is not a 支部)


@dataclass(frozen=True)
class Grants:
    """What one user may do, computed once per request from their role rows."""

    user_id: int
    is_admin: bool
    scopes: tuple[Scope, ...]
    member_path: str | None

    def paths(self, roles: frozenset[Role]) -> list[str]:
        if self.is_admin:
            return [ROOT]
        return [s.path for s in self.scopes if s.role in roles]

    @property
    def manage_paths(self) -> list[str]:
        return self.paths(MANAGER_ROLES)

    @property
    def view_paths(self) -> list[str]:
        """Where this user sees the roster: staff their units, leaders their branch or group."""
        return self.paths(MANAGER_ROLES | BRANCH_ROLES | GROUP_ROLES)

    @property
    def is_staff(self) -> bool:
        return bool(self.manage_paths)

    @property
    def is_member(self) -> bool:
        return self.member_path is not None

    @property
    def led_units(self) -> list[Scope]:
        """The branches this user is secretary or committee member of."""
        return [s for s in self.scopes if s.role in BRANCH_ROLES]

    @property
    def managed_units(self) -> list[Scope]:
        return [s for s in self.scopes if s.role in MANAGER_ROLES]


def grants_for(session: Session, user: User) -> Grants:
    """The user's grants, read from their role rows and membership (one indexed statement)."""
    rows = session.execute(grant_rows(), {"user_id": user.id}).all()
    return Grants(
        user_id=user.id,
        is_admin=user.is_admin,
        scopes=tuple(
            Scope(
                role=row.role,
                unit_id=row.unit_id,
                unit_name=row.name,
                path=row.path,
                kind=row.kind,
            )
            for row in rows
            if row.role is not None
        ),
        member_path=next((row.path for row in rows if row.role is None), None),
    )


def grants() -> Grants:
    """The logged-in user's grants for this request: the one place every view gets them.

    The request's first statement gives them (``org.context``); they are read here
    only when the user was logged in by this very request.
    """
    if "grants" not in g:
        g.grants = grants_for(db.session, current_user)
    return g.grants


def _covers(paths: list[str], path: str) -> bool:
    return any(path.startswith(p) for p in paths)


def can_view_unit(grants: Grants, unit: OrgUnit) -> bool:
    return _covers(grants.view_paths, unit.path)


def can_manage_unit(grants: Grants, unit: OrgUnit) -> bool:
    return _covers(grants.manage_paths, unit.path)


def can_see_committee(grants: Grants, committee: OrgUnit) -> bool:
    """Members of the committee, its staff, and those who lead a unit in it: who may see
    what the committee shows all its people (uploaded images, question media).
    """
    if grants.is_admin:
        return True
    if grants.member_path and grants.member_path.startswith(committee.path):
        return True
    return any(
        s.path.startswith(committee.path) or committee.path.startswith(s.path)
        for s in grants.scopes
    )


def can_view_member(grants: Grants, member: Member) -> bool:
    return member.user_id == grants.user_id or _covers(grants.view_paths, member.org_path)


def can_manage_member(grants: Grants, member: Member) -> bool:
    return _covers(grants.manage_paths, member.org_path)


def can_reset_password(grants: Grants, target: Member, target_grants: Grants) -> bool:
    """Staff reset members' passwords; only admins reset those of staff or admins."""
    if not can_manage_member(grants, target) or target.user_id == grants.user_id:
        return False
    if target_grants.is_admin:
        return grants.is_admin
    if target_grants.is_staff:
        return grants.is_admin or _covers(grants.paths(frozenset({Role.ADMIN})), target.org_path)
    return True


def can_issue_code(grants: Grants, target: Member, target_grants: Grants) -> bool:
    """Who may give a member a new activation code (which is also how a password is reset).

    Whoever may reset the member's password (staff over them; only admins for staff
    and admins), and the secretary of the member's branch for an active member who
    holds no staff or admin role. Branch committee members see the branch but do not
    hand out its credentials; nobody issues their own code.
    """
    if target.user_id == grants.user_id:
        return False
    if can_reset_password(grants, target, target_grants):
        return True
    if target_grants.is_admin or target_grants.is_staff or not target.is_active:
        return False
    return _covers(grants.paths(frozenset({Role.SECRETARY})), target.org_path)


def can_print_slips(grants: Grants, unit: OrgUnit) -> bool:
    """Activation slips of a branch: for its secretary and the staff over it."""
    return can_manage_unit(grants, unit) or _covers(
        grants.paths(frozenset({Role.SECRETARY})), unit.path
    )


def can_change_login(grants: Grants, target: Member, target_grants: Grants) -> bool:
    """The phone and member number are what one logs in with: one's own may be changed by
    whoever manages oneself; anyone else's follows the reset rule (staff and admins' only by
    admins)."""
    if target.user_id == grants.user_id:
        return can_manage_member(grants, target)
    return can_reset_password(grants, target, target_grants)


def can_set_active(grants: Grants, target: Member, target_grants: Grants) -> bool:
    """Deactivating closes the account, so it follows the reset rule (not one's own).
    An erased member stays deactivated for good."""
    return target.erased_at is None and can_reset_password(grants, target, target_grants)


def can_erase(grants: Grants, target: Member, target_grants: Grants) -> bool:
    """Erasing a departed member's personal data: staff over the member's branch (admins
    for staff and admins, as for deactivating; never one's own). That the member has been
    deactivated and not yet erased is the service's rule (``org.erasure``)."""
    return can_reset_password(grants, target, target_grants)


def can_appoint(grants: Grants, unit: OrgUnit, role: Role) -> bool:
    """Who may give (or end) ``role`` on ``unit``.

    Staff appoint secretaries and branch committee members; making or ending
    staff and admins is managing staff, which only admins do.
    """
    if role in MANAGER_ROLES:
        return _covers(grants.paths(frozenset({Role.ADMIN})), unit.path)
    return can_manage_unit(grants, unit)


def require_appoint(grants: Grants, unit: OrgUnit, role: Role) -> None:
    if not can_appoint(grants, unit, role):
        raise NotAllowed(_l("You may not give or end this role."))


def require_view_unit(grants: Grants, unit: OrgUnit) -> None:
    if not can_view_unit(grants, unit):
        raise NotAllowed(_l("You may not see this organisation."))


def require_manage_unit(grants: Grants, unit: OrgUnit) -> None:
    if not can_manage_unit(grants, unit):
        raise NotAllowed(_l("You may not change this organisation."))


def require_view_member(grants: Grants, member: Member) -> None:
    if not can_view_member(grants, member):
        raise NotAllowed(_l("You may not see this member."))


def require_manage_member(grants: Grants, member: Member) -> None:
    if not can_manage_member(grants, member):
        raise NotAllowed(_l("You may not change this member."))


def require_staff(grants: Grants) -> None:
    if not grants.is_staff:
        raise NotAllowed(_l("This page is for committee staff."))


def can_view_audit_log(grants: Grants, unit: OrgUnit) -> bool:
    """A unit's audit log: the staff over it; a branch's also its secretary (not another's)."""
    if can_manage_unit(grants, unit):
        return True
    return unit.kind == UnitKind.BRANCH and _covers(
        grants.paths(frozenset({Role.SECRETARY})), unit.path
    )


def require_view_audit_log(grants: Grants, unit: OrgUnit) -> None:
    if not can_view_audit_log(grants, unit):
        raise NotAllowed(_l("You may not see this audit log."))


# Loaders: the URL's object for this request's user -------------------------------------------
# Each loads it (NotFound, a 404, when there is none or it is of another kind) and checks the
# user's access to it (NotAllowed, a 403), so a view starts with one line.


def _unit(unit_id: int, *kinds: UnitKind) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or (kinds and unit.kind not in kinds):
        raise NotFound(_l("No such unit."))
    return unit


def _member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_l("No such member."))
    return member


def load_unit_to_view(unit_id: int, *kinds: UnitKind) -> OrgUnit:
    unit = _unit(unit_id, *kinds)
    require_view_unit(grants(), unit)
    return unit


def load_unit_to_manage(unit_id: int, *kinds: UnitKind) -> OrgUnit:
    unit = _unit(unit_id, *kinds)
    require_manage_unit(grants(), unit)
    return unit


def load_managed_committee(committee_id: int) -> OrgUnit:
    """A committee the user manages (404 for another kind of unit)."""
    return load_unit_to_manage(committee_id, UnitKind.COMMITTEE)


def load_member_to_view(member_id: int) -> Member:
    member = _member(member_id)
    require_view_member(grants(), member)
    return member


def load_member_to_manage(member_id: int) -> Member:
    member = _member(member_id)
    require_manage_member(grants(), member)
    return member
