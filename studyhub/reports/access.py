"""Who may see and change quarterly scores, from the org grants.

Committee staff (and admins) above a committee manage its scores: settings,
closing and reopening, rating overrides, every branch's page and export. A
branch's secretary and branch committee see their own branch's page and
export, never another's; its secretary (and staff) add bonus and deduction
entries for its members. A member sees their own explanation.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from studyhub.core.errors import NotAllowed, NotFound
from studyhub.extensions import db
from studyhub.org.access import (
    Grants,
    can_manage_member,
    can_manage_unit,
    can_view_member,
    grants,
)
from studyhub.org.access import can_view_unit as _can_view_unit
from studyhub.org.models import Member, OrgUnit, Role, UnitKind
from studyhub.org.queries import member_of_user
from studyhub.reports.models import ExportJob, ScoreAdjustment

SECRETARY = frozenset({Role.SECRETARY})


def can_manage_scores(grants: Grants, committee: OrgUnit) -> bool:
    return committee.kind == UnitKind.COMMITTEE and can_manage_unit(grants, committee)


def can_view_scores(grants: Grants, unit: OrgUnit) -> bool:
    """The scores of ``unit`` (a branch, or for staff a committee or general branch)."""
    if unit.kind == UnitKind.BRANCH:
        return _can_view_unit(grants, unit)
    return can_manage_unit(grants, unit)


def can_adjust(grants: Grants, member: Member) -> bool:
    """Bonus and deduction entries: the member's branch secretary, or staff above it."""
    if can_manage_member(grants, member):
        return True
    return any(member.org_path.startswith(p) for p in grants.paths(SECRETARY))


def can_adjust_in(grants: Grants, branch: OrgUnit) -> bool:
    return can_manage_unit(grants, branch) or any(
        branch.path.startswith(p) for p in grants.paths(SECRETARY)
    )


def can_view_member_score(grants: Grants, member: Member) -> bool:
    return can_view_member(grants, member)


def require_manage_scores(grants: Grants, committee: OrgUnit) -> None:
    if not can_manage_scores(grants, committee):
        raise NotAllowed(_l("Only the committee's staff may do this."))


def require_view_scores(grants: Grants, unit: OrgUnit) -> None:
    if not can_view_scores(grants, unit):
        raise NotAllowed(_l("You may not see these scores."))


def require_adjust(grants: Grants, member: Member) -> None:
    if not can_adjust(grants, member):
        raise NotAllowed(_l("Only the branch secretary or committee staff may do this."))


def require_adjust_in(grants: Grants, branch: OrgUnit) -> None:
    if not can_adjust_in(grants, branch):
        raise NotAllowed(_l("Only the branch secretary or committee staff may do this."))


def require_view_member_score(grants: Grants, member: Member) -> None:
    if not can_view_member_score(grants, member):
        raise NotAllowed(_l("You may not see this member's score."))


# Dashboards (P-dash) ---------------------------------------------------------------------------
# A branch's dashboard is for its secretary and branch committee (who remind) and for staff
# above it (who only look); a unit's ranking of branches is for the staff who manage the unit.


def leads_branch(grants: Grants, branch: OrgUnit) -> bool:
    """The user is secretary or branch committee member of this very branch."""
    return any(s.unit_id == branch.id for s in grants.led_units)


def can_view_dashboard(grants: Grants, branch: OrgUnit) -> bool:
    return branch.kind == UnitKind.BRANCH and (
        leads_branch(grants, branch) or can_manage_unit(grants, branch)
    )


def can_remind(grants: Grants, branch: OrgUnit) -> bool:
    return branch.kind == UnitKind.BRANCH and leads_branch(grants, branch)


def can_view_ranking(grants: Grants, unit: OrgUnit) -> bool:
    return unit.kind in (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH) and can_manage_unit(
        grants, unit
    )


def can_view_history(grants: Grants, member: Member) -> bool:
    """A member's quarter: staff above them and the leaders of their branch."""
    return can_manage_member(grants, member) or any(
        s.unit_id == member.branch_id for s in grants.led_units
    )


def require_view_dashboard(grants: Grants, branch: OrgUnit) -> None:
    if not can_view_dashboard(grants, branch):
        raise NotAllowed(_l("This dashboard is for the branch's secretary and committee staff."))


def require_remind(grants: Grants, branch: OrgUnit) -> None:
    if not can_remind(grants, branch):
        raise NotAllowed(_l("Only the branch's secretary and branch committee remind members."))


def require_view_ranking(grants: Grants, unit: OrgUnit) -> None:
    if not can_view_ranking(grants, unit):
        raise NotAllowed(_l("This dashboard is for committee staff."))


def require_view_history(grants: Grants, member: Member) -> None:
    if not can_view_history(grants, member):
        raise NotAllowed(_l("You may not see this member's study history."))


# Loaders: the URL's object for this request's user -------------------------------------------
# Each loads it (NotFound, a 404, when there is none) and checks the user's access to it
# (NotAllowed, a 403), so a view starts with one line.


def _get(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        raise NotFound(_l("Not found."))
    return found


def load_unit(
    unit_id: int, require: Callable[[Grants, OrgUnit], None], *kinds: UnitKind
) -> OrgUnit:
    """The URL's unit (404 when missing or not one of ``kinds``), once ``require`` (one of
    the ``require_*`` checks above) allows the user."""
    unit = _get(OrgUnit, unit_id)
    if kinds and unit.kind not in kinds:
        raise NotFound(_l("Not found."))
    require(grants(), unit)
    return unit


def load_member_score(member_id: int) -> Member:
    """A member whose score's explanation the user may see (their own, or as a leader)."""
    member = _get(Member, member_id)
    require_view_member_score(grants(), member)
    return member


def load_member_history(member_id: int) -> Member:
    """A member whose quarter of study the user may see (drill-down from a dashboard)."""
    member = _get(Member, member_id)
    require_view_history(grants(), member)
    return member


def load_export_job(job_id: int) -> tuple[ExportJob, OrgUnit]:
    """A background export and its unit, when the user may see that unit's scores."""
    job = _get(ExportJob, job_id)
    unit = _get(OrgUnit, job.unit_id)
    require_view_scores(grants(), unit)
    return job, unit


def load_adjustment(entry_id: int) -> tuple[ScoreAdjustment, Member]:
    """A bonus or deduction entry and its member, when the user adjusts that member."""
    entry = _get(ScoreAdjustment, entry_id)
    member = db.session.scalars(member_of_user(entry.user_id)).first()
    if member is None:
        raise NotFound(_l("Not found."))
    require_adjust(grants(), member)
    return entry, member
