"""Sharing a published plan: the link to paste into a WeChat group and the printable and
PNG poster, for staff and branch leaders."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from studyhub.extensions import db
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans import access
from studyhub.plans.access import LoadedPlan
from studyhub.plans.services import poster as poster_image
from studyhub.plans.services import progress, sharing
from studyhub.plans.views.common import bp, share_url
from studyhub.web.ids import db_id

# Sharing ------------------------------------------------------------------------------------------


@bp.get("/<int:plan_id>/share")
@login_required
def share(plan_id: int):
    """The plan's links (whole plan and per branch) with their posters."""
    loaded = access.load_shareable_plan(plan_id)
    branches = progress.shared_branches(db.session, loaded.plan, loaded.access)
    return render_template(
        "plans/share.html",
        plan=loaded.plan,
        plan_link=share_url(loaded.plan) if loaded.access.can_manage else None,
        links=[(b, share_url(loaded.plan, b)) for b in branches],
    )


@bp.get("/<int:plan_id>/poster")
@login_required
def poster(plan_id: int):
    """A printable poster with the QR code of the share link (``?size=phone`` for a
    phone-sized image to forward; A4 otherwise)."""
    loaded = access.load_shareable_plan(plan_id)
    branch = None
    branch_id = request.args.get("branch", type=db_id)
    if branch_id is not None:
        branch = db.session.get(OrgUnit, branch_id)
        if (
            branch is None
            or branch.kind != UnitKind.BRANCH
            or branch not in progress.shared_branches(db.session, loaded.plan, loaded.access)
        ):
            abort(404)
    elif not loaded.access.can_manage:
        abort(404)
    url = share_url(loaded.plan, branch)
    size = "phone" if request.args.get("size") == "phone" else "a4"
    return render_template(
        "plans/poster.html",
        plan=loaded.plan,
        committee=loaded.committee,
        branch=branch,
        due_on=sharing.branch_due_on(db.session, loaded.plan, branch),
        url=url,
        qr=Markup(sharing.qr_svg(url)),
        size=size,
    )


@bp.get("/<int:plan_id>/poster.png")
@login_required
def poster_png(plan_id: int):
    """The poster as a PNG to download and forward (drawn on the server, with its QR code)."""
    loaded = access.load_shareable_plan(plan_id)
    branch = _poster_branch(loaded)
    url = share_url(loaded.plan, branch)
    due_on = sharing.branch_due_on(db.session, loaded.plan, branch)
    png = poster_image.poster_png(
        poster_image.PosterText(
            committee=loaded.committee.name,
            branch=branch.name if branch else None,
            title=loaded.plan.title,
            due=_("Please finish by %(date)s", date=format_date(due_on, "long")),
            hint=_("Scan with your phone, log in, and the plan opens."),
            url=url,
        ),
        font=current_app.config.get("POSTER_FONT"),
    )
    name = f"plan-{loaded.plan.id}" + (f"-branch-{branch.id}" if branch else "") + ".png"
    return Response(
        png,
        mimetype="image/png",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _poster_branch(loaded: LoadedPlan) -> OrgUnit | None:
    """The branch a poster is for (``?branch=``), checked as the HTML poster checks it."""
    branch_id = request.args.get("branch", type=db_id)
    if branch_id is None:
        if not loaded.access.can_manage:
            abort(404)
        return None
    branch = db.session.get(OrgUnit, branch_id)
    if (
        branch is None
        or branch.kind != UnitKind.BRANCH
        or branch not in progress.shared_branches(db.session, loaded.plan, loaded.access)
    ):
        abort(404)
    return branch
