"""Staff's deadline overrides: a later due date for a branch or a member, and revoking it."""

from __future__ import annotations

from flask import (
    abort,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org.models import OrgUnit
from studyhub.plans import access, queries
from studyhub.plans.access import LoadedPlan
from studyhub.plans.forms import (
    BranchExtensionForm,
    ConfirmForm,
    MemberExtensionForm,
)
from studyhub.plans.services import plans, progress
from studyhub.plans.views.common import bp
from studyhub.plans.views.manage import _done
from studyhub.web.saving import committed, errors_on

# Staff: deadline overrides -----------------------------------------------------------------------


def _extension_forms(loaded: LoadedPlan) -> tuple[BranchExtensionForm, MemberExtensionForm]:
    branch_form = BranchExtensionForm(prefix="branch")
    branch_form.branch_id.choices = [
        SelectChoice(b.id, b.name)
        for b in progress.shared_branches(db.session, loaded.plan, loaded.access)
    ]
    return branch_form, MemberExtensionForm(prefix="member")


def _render_extensions(loaded: LoadedPlan, branch_form, member_form):
    return render_template(
        "plans/extensions.html",
        plan=loaded.plan,
        rows=list(db.session.execute(queries.extensions_of(loaded.plan.id))),
        branch_form=branch_form,
        member_form=member_form,
        revoke_form=ConfirmForm(),
    )


def _extension_saved(plan_id: int):
    return committed(_("The extension is saved."), url_for("plans.extensions", plan_id=plan_id))


@bp.get("/<int:plan_id>/extensions")
@login_required
def extensions(plan_id: int):
    loaded = access.load_managed_plan(plan_id)
    return _render_extensions(loaded, *_extension_forms(loaded))


@bp.post("/<int:plan_id>/extensions/branch")
@login_required
def extend_branch(plan_id: int):
    loaded = access.load_managed_plan(plan_id)
    branch_form, member_form = _extension_forms(loaded)
    if branch_form.validate_on_submit():
        with errors_on(branch_form):
            plans.grant_extension(
                db.session,
                loaded.plan,
                branch=db.session.get(OrgUnit, branch_form.branch_id.data),
                due_on=branch_form.due_on.data,
                reason=branch_form.reason.data,
                by_user_id=current_user.id,
                now=clock.now_utc(),
            )
            return _extension_saved(plan_id)
    return _render_extensions(loaded, branch_form, member_form), 400


@bp.post("/<int:plan_id>/extensions/member")
@login_required
def extend_member(plan_id: int):
    loaded = access.load_managed_plan(plan_id)
    branch_form, member_form = _extension_forms(loaded)
    if member_form.validate_on_submit():
        with errors_on(member_form):
            member = plans.find_member(db.session, loaded.plan, member_form.identifier.data)
            plans.grant_extension(
                db.session,
                loaded.plan,
                member=member,
                due_on=member_form.due_on.data,
                reason=member_form.reason.data,
                by_user_id=current_user.id,
                now=clock.now_utc(),
            )
            return _extension_saved(plan_id)
    return _render_extensions(loaded, branch_form, member_form), 400


@bp.post("/<int:plan_id>/extensions/<int:extension_id>/revoke")
@login_required
def revoke_extension(plan_id: int, extension_id: int):
    loaded = access.load_managed_plan(plan_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _done(
        plan_id,
        "plans.extensions",
        lambda: plans.revoke_extension(
            db.session,
            loaded.plan,
            extension_id,
            actor_id=current_user.id,
            now=clock.now_utc(),
        ),
        _("The extension is withdrawn."),
    )
