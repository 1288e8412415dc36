"""The tree's pages: the units a user manages, a unit's page, renaming, new units, and
appointing and revoking roles."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import NotAllowed
from studyhub.extensions import db
from studyhub.org import access, queries, services
from studyhub.org.forms import (
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    AppointForm,
    ConfirmForm,
    RenameForm,
    UnitForm,
)
from studyhub.org.models import (
    ALLOWED_CHILDREN,
    Member,
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
)
from studyhub.org.views.common import bp, grants
from studyhub.web.pagination import paginate
from studyhub.web.saving import committed, errors_on, run_button


@bp.get("/")
@login_required
def index():
    """Staff see the units they manage; secretaries go to their branch."""
    me = grants()
    if not me.is_staff:
        if me.led_units:
            return redirect(url_for("org.unit", unit_id=me.led_units[0].unit_id))
        raise NotAllowed(_("This page is for committee staff and branch secretaries."))
    if me.is_admin:
        roots = list(db.session.scalars(queries.committees()))
    else:
        roots = list(
            db.session.scalars(queries.units_by_ids([s.unit_id for s in me.managed_units]))
        )
    trees = []
    for root in roots:
        units = list(db.session.scalars(queries.units_under(root.path)))
        sizes = dict(db.session.execute(queries.branch_sizes_under(root.path)).all())
        trees.append((root, units, sizes))
    return render_template("org/index.html", trees=trees)


@bp.get("/units/<int:unit_id>")
@login_required
def unit(unit_id: int):
    unit = access.load_unit_to_view(unit_id)
    me = grants()
    can_manage = access.can_manage_unit(me, unit)
    show_all = can_manage and bool(request.args.get("all"))  # inactive members: staff only
    searching = bool((request.args.get("q") or "").strip())
    statements, in_unit = queries.unit_page(), queries.path_range(unit.path)
    number = request.args.get("page", 1, type=int)
    if searching or show_all:
        page = paginate(
            db.session,
            queries.search_members(unit.path, request.args.get("q"), active_only=not show_all),
            number,
        )
        total_active = db.session.scalar(statements.roster_count, in_unit)
    else:  # the active roster: its count is the total
        page = paginate(
            db.session,
            statements.roster,
            number,
            params=in_unit,
            count=statements.roster_count,
        )
        total_active = page.total
    by_unit = {"unit_id": unit.id}
    family = list(  # the children and the ancestors in one statement
        db.session.scalars(statements.family, {"unit_id": unit.id, "ids": unit.ancestor_ids[:-1]})
    )
    return render_template(
        "org/unit.html",
        unit=unit,
        page=page,
        q=request.args.get("q", ""),
        show_all=show_all,
        children=[u for u in family if u.parent_id == unit.id],  # by name
        ancestors=sorted(  # each one's path holds the one above: the root first
            (u for u in family if u.parent_id != unit.id), key=lambda u: len(u.path)
        ),
        roles=list(db.session.scalars(statements.role_holders, by_unit)),
        total_active=total_active,
        can_manage=can_manage,
        can_add_child=can_manage and bool(ALLOWED_CHILDREN[unit.kind]),
        can_add_member=can_manage and unit.kind in (UnitKind.BRANCH, UnitKind.GROUP),
        can_print_slips=unit.kind == UnitKind.BRANCH and access.can_print_slips(me, unit),
        can_view_audit=unit.kind != UnitKind.GROUP and access.can_view_audit_log(me, unit),
        rename_form=RenameForm(name=unit.name) if can_manage else None,
        appoint_form=_appoint_form(unit, me) if can_manage else None,
        revoke_form=ConfirmForm() if can_manage else None,
    )


def _appoint_form(unit: OrgUnit, me: access.Grants) -> AppointForm | None:
    roles = [
        r
        for r, kinds in services.ROLE_UNIT_KINDS.items()
        if unit.kind in kinds and access.can_appoint(me, unit, r)
    ]
    if not roles:
        return None
    form = AppointForm()
    form.role.choices = [(r.value, ROLE_LABELS[r]) for r in roles]
    form.member_id.choices = [
        (m.id, f"{m.user.name}（{m.user.phone or m.user.member_no}）")
        for m in db.session.scalars(queries.members_under(unit.path).limit(1000))
    ]
    return form


@bp.post("/units/<int:unit_id>/rename")
@login_required
def rename_unit(unit_id: int):
    unit = access.load_unit_to_manage(unit_id)
    form = RenameForm()
    url = url_for("org.unit", unit_id=unit.id)
    if not form.validate_on_submit():
        flash(_("Enter a name."), "error")
        return redirect(url)
    return run_button(
        lambda: services.rename_unit(
            db.session, unit, name=form.name.data, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("Renamed."),
        url,
    )


@bp.route("/units/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def new_unit(unit_id: int):
    parent = access.load_unit_to_manage(unit_id)
    form = UnitForm()
    form.kind.choices = [(k.value, UNIT_KIND_LABELS[k]) for k in ALLOWED_CHILDREN[parent.kind]]
    if not form.kind.choices:
        raise NotAllowed(_("Nothing can be placed under a Party group."))
    if form.validate_on_submit():
        with errors_on(form, form.name):
            child = services.create_unit(
                db.session,
                parent,
                kind=UnitKind(form.kind.data),
                name=form.name.data,
                now=clock.now_utc(),
                actor_id=current_user.id,
            )
            flash(_("%(name)s was created.", name=child.name), "success")
            return redirect(url_for("org.unit", unit_id=child.id))
    return render_template("org/new_unit.html", parent=parent, form=form)


@bp.post("/units/<int:unit_id>/roles")
@login_required
def appoint(unit_id: int):
    unit = access.load_unit_to_manage(unit_id)
    me = grants()
    form = _appoint_form(unit, me)
    if form is None or not form.validate_on_submit():
        flash(_("Choose a member and a role."), "error")
        return redirect(url_for("org.unit", unit_id=unit.id))
    member = db.get_or_404(Member, form.member_id.data)
    access.require_manage_member(me, member)
    access.require_appoint(me, unit, Role(form.role.data))
    return run_button(
        lambda: services.appoint(
            db.session,
            member.user,
            unit,
            Role(form.role.data),
            by=current_user,
            now=clock.now_utc(),
        ),
        _("%(name)s was appointed.", name=member.user.name),
        url_for("org.unit", unit_id=unit.id),
    )


@bp.post("/roles/<int:assignment_id>/revoke")
@login_required
def revoke(assignment_id: int):
    assignment = db.get_or_404(RoleAssignment, assignment_id)
    access.require_manage_unit(grants(), assignment.unit)
    access.require_appoint(grants(), assignment.unit, assignment.role)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    unit_id = assignment.unit_id
    services.revoke(db.session, assignment, actor_id=current_user.id, now=clock.now_utc())
    return committed(_("The appointment was ended."), url_for("org.unit", unit_id=unit_id))
