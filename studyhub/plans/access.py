"""Loaders for the plans pages: the URL's plan and what the viewer is to it.

Who may see, manage or share a plan is decided in ``services.progress.plan_access``
(staff of the committee manage drafts too; a published plan is also seen by the
members it is for and by the leaders of the branches it is given to). A loader
reads the plan (a 404 when it is missing or the viewer may not see it) and
checks the access its page needs (a 403).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from studyhub.core.errors import NotAllowed, NotFound
from studyhub.extensions import db
from studyhub.org.access import grants
from studyhub.org.models import OrgUnit
from studyhub.plans import queries
from studyhub.plans.models import StudyPlan
from studyhub.plans.services import progress


@dataclass(frozen=True)
class LoadedPlan:
    plan: StudyPlan
    committee: OrgUnit
    targets: list[OrgUnit]
    access: progress.PlanAccess


def load_plan(plan_id: int) -> LoadedPlan:
    """The plan and what the viewer is to it; 404 when they may not see it."""
    plan = db.session.get(StudyPlan, plan_id)
    if plan is None:
        raise NotFound(_l("No such study plan."))
    committee = db.session.get(OrgUnit, plan.committee_id)
    targets = list(db.session.scalars(queries.targets_of(plan.id)))
    found = progress.plan_access(grants(), plan, committee, [t.path for t in targets])
    if not found.can_view:
        raise NotFound(_l("No such study plan."))
    return LoadedPlan(plan=plan, committee=committee, targets=targets, access=found)


def load_managed_plan(plan_id: int) -> LoadedPlan:
    """A plan the viewer manages (the committee's staff)."""
    loaded = load_plan(plan_id)
    if not loaded.access.can_manage:
        raise NotAllowed(_l("Only the committee's staff can change a plan."))
    return loaded


def load_shareable_plan(plan_id: int) -> LoadedPlan:
    """A published plan the viewer may hand out (staff and branch leaders)."""
    loaded = load_plan(plan_id)
    if not loaded.access.can_share or loaded.plan.published_at is None:
        raise NotAllowed(_l("Only staff and branch leaders can share a published plan."))
    return loaded
