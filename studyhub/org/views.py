"""Roster pages: the organisation tree, a unit's members, member records, appointments."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from studyhub.accounts import services as account_services
from studyhub.core import clock
from studyhub.core.errors import DomainError, NotAllowed, RowError
from studyhub.extensions import db
from studyhub.org import access, activation, context, erasure, queries, roster, services
from studyhub.org.forms import (
    ROLE_LABELS,
    STATUS_CHOICES,
    UNIT_KIND_LABELS,
    AppointForm,
    ConfirmForm,
    EraseForm,
    ImportForm,
    MemberForm,
    MoveForm,
    RenameForm,
    SlipsForm,
    UnitForm,
)
from studyhub.org.models import (
    ALLOWED_CHILDREN,
    Member,
    MemberStatus,
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
)
from studyhub.web.imports import PreviewedImport
from studyhub.web.pagination import paginate
from studyhub.web.saving import committed, errors_on, run_button

bp = Blueprint("org", __name__, url_prefix="/org")


# The current user's grants; other domains' views still import it from here.
grants = access.grants


@bp.record_once
def _read_member_context_first(state) -> None:
    context.init_member_context(state.app)


def managed_committee(committee_id: int) -> OrgUnit:
    """The committee of the URL, when the current user manages it (404 for another kind)."""
    committee = db.get_or_404(OrgUnit, committee_id)
    if committee.kind != UnitKind.COMMITTEE:
        abort(404)
    access.require_manage_unit(grants(), committee)
    return committee


@bp.app_context_processor
def inject_nav():
    if not current_user.is_authenticated:
        return {"nav": None, "unread_count": None}
    return {
        "nav": grants(),
        "unread_count": context.unread(),
        "unit_kind_labels": UNIT_KIND_LABELS,
        "role_labels": ROLE_LABELS,
        "status_labels": dict(STATUS_CHOICES),
    }


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
    unit = db.get_or_404(OrgUnit, unit_id)
    me = grants()
    access.require_view_unit(me, unit)
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
    return render_template(
        "org/unit.html",
        unit=unit,
        page=page,
        q=request.args.get("q", ""),
        show_all=show_all,
        children=list(db.session.scalars(statements.children, by_unit)),
        ancestors=list(db.session.scalars(statements.ancestors, {"ids": unit.ancestor_ids[:-1]})),
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
    unit = db.get_or_404(OrgUnit, unit_id)
    access.require_manage_unit(grants(), unit)
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
    parent = db.get_or_404(OrgUnit, unit_id)
    access.require_manage_unit(grants(), parent)
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


def _member_fields(form: MemberForm) -> services.MemberFields:
    return services.MemberFields(
        name=form.name.data or "",
        phone=form.phone.data,
        member_no=form.member_no.data,
        status=MemberStatus(form.status.data),
        joined_on=form.joined_on.data,
        position=form.position.data,
    )


def _group_choices(form: MemberForm, branch: OrgUnit) -> dict[int, OrgUnit]:
    groups = {grp.id: grp for grp in db.session.scalars(queries.groups_of(branch.id))}
    form.group_id.choices = [(0, _("(none)"))] + [(grp.id, grp.name) for grp in groups.values()]
    return groups


def _branch_of(unit: OrgUnit) -> tuple[OrgUnit, OrgUnit | None]:
    if unit.kind == UnitKind.GROUP:
        return unit.parent, unit  # type: ignore[return-value]
    return unit, None


@bp.route("/units/<int:unit_id>/members/new", methods=["GET", "POST"])
@login_required
def new_member(unit_id: int):
    unit = db.get_or_404(OrgUnit, unit_id)
    access.require_manage_unit(grants(), unit)
    if unit.kind not in (UnitKind.BRANCH, UnitKind.GROUP):
        raise NotAllowed(_("Members are added to a branch or a Party group."))
    branch, group = _branch_of(unit)
    form = MemberForm(group_id=group.id if group else 0)
    groups = _group_choices(form, branch)
    if form.validate_on_submit():
        with errors_on(form):
            member = services.add_member(
                db.session,
                branch,
                _member_fields(form),
                group=groups.get(form.group_id.data),
                now=clock.now_utc(),
                actor_id=current_user.id,
            )
            return committed(
                _(
                    "%(name)s was added. Give them an activation code (on this page or on the "
                    "branch's activation slips) to choose their own password.",
                    name=member.user.name,
                ),
                url_for("org.member", member_id=member.id),
            )
    return render_template("org/member_form.html", form=form, unit=unit, member=None)


@bp.get("/members/<int:member_id>")
@login_required
def member(member_id: int):
    member = db.get_or_404(Member, member_id)
    me = grants()
    access.require_view_member(me, member)
    target_grants = access.grants_for(db.session, member.user)
    return render_template(
        "org/member.html",
        member=member,
        can_manage=access.can_manage_member(me, member) and member.erased_at is None,
        can_reset=access.can_issue_code(me, member, target_grants) and member.erased_at is None,
        is_activated=account_services.has_usable_password(member.user),
        can_set_active=access.can_set_active(me, member, target_grants),
        can_erase=not member.is_active
        and member.erased_at is None
        and access.can_erase(me, member, target_grants),
        member_roles=target_grants.scopes,
        form=ConfirmForm(),
    )


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_member(member_id: int):
    member = db.get_or_404(Member, member_id)
    me = grants()
    access.require_manage_member(me, member)
    form = MemberForm(
        obj=None,
        data={
            "name": member.user.name,
            "phone": member.user.phone,
            "member_no": member.user.member_no,
            "status": member.status.value,
            "joined_on": member.joined_on,
            "position": member.position,
        }
        if request.method == "GET"
        else None,
    )
    del form.group_id
    login_locked = not access.can_change_login(
        me, member, access.grants_for(db.session, member.user)
    )
    if login_locked:  # shown read-only; whatever is posted for them is ignored
        form.phone.data, form.member_no.data = member.user.phone, member.user.member_no
        for locked in (form.phone, form.member_no):
            locked.render_kw = {"readonly": True}
    if form.validate_on_submit():
        with errors_on(form):
            services.update_member(
                db.session,
                member,
                _member_fields(form),
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
            return committed(_("Saved."), url_for("org.member", member_id=member.id))
    return render_template(
        "org/member_form.html",
        form=form,
        unit=member.branch,
        member=member,
        login_locked=login_locked,
    )


@bp.route("/members/<int:member_id>/move", methods=["GET", "POST"])
@login_required
def move_member(member_id: int):
    member = db.get_or_404(Member, member_id)
    me = grants()
    access.require_manage_member(me, member)
    committee = db.session.get(OrgUnit, member.committee_id)
    targets = {
        u.id: u
        for u in db.session.scalars(
            queries.units_under(committee.path, UnitKind.BRANCH, UnitKind.GROUP)
        )
        if access.can_manage_unit(me, u)
    }
    form = MoveForm()
    form.target.choices = [
        (str(u.id), ("　" * max(0, u.depth - 1)) + u.name) for u in targets.values()
    ]
    if form.validate_on_submit():
        target = targets.get(int(form.target.data))
        if target is None:
            raise NotAllowed(_("You may not move members there."))
        branch, group = _branch_of(target)
        try:
            services.move_member(
                db.session,
                member,
                branch,
                group=group,
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _("%(name)s now belongs to %(unit)s.", name=member.user.name, unit=target.name),
                "success",
            )
            return redirect(url_for("org.member", member_id=member.id))
    form.target.data = form.target.data or str(member.group_id or member.branch_id)
    return render_template("org/move_member.html", form=form, member=member)


@bp.post("/members/<int:member_id>/active")
@login_required
def set_member_active(member_id: int):
    member = db.get_or_404(Member, member_id)
    me = grants()
    access.require_manage_member(me, member)
    if not access.can_set_active(me, member, access.grants_for(db.session, member.user)):
        raise NotAllowed(_("You may not deactivate or reactivate this member."))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_member_active(
        member, is_active=form.value.data == "1", actor_id=current_user.id, now=clock.now_utc()
    )
    return committed(_("Saved."), url_for("org.member", member_id=member.id))


@bp.route("/members/<int:member_id>/erase", methods=["GET", "POST"])
@login_required
def erase_member(member_id: int):
    """Erase a departed member's personal data, after typing their name (cannot be undone)."""
    member = db.get_or_404(Member, member_id)
    me = grants()
    access.require_manage_member(me, member)
    if not access.can_erase(me, member, access.grants_for(db.session, member.user)):
        raise NotAllowed(_("You may not erase this member's personal data."))
    form = EraseForm()
    if request.method == "GET":
        try:
            erasure.require_erasable(member)
        except DomainError as exc:
            flash(str(exc), "error")
            return redirect(url_for("org.member", member_id=member.id))
    if form.validate_on_submit():
        with errors_on(form, form.typed_name):
            erasure.erase_member(
                db.session,
                member,
                typed_name=form.typed_name.data,
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
            return committed(
                _("The member's personal data has been erased."),
                url_for("org.member", member_id=member.id),
            )
    return render_template("org/erase_member.html", form=form, member=member)


@bp.post("/members/<int:member_id>/reset-password")
@login_required
def reset_password(member_id: int):
    """A new activation code for one member, shown once (how a forgotten password is reset)."""
    member = db.get_or_404(Member, member_id)
    if not access.can_issue_code(grants(), member, access.grants_for(db.session, member.user)):
        raise NotAllowed(_("You may not reset this member's password."))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    now = clock.now_utc()
    slip = activation.reset_with_code(
        db.session, member, actor_id=current_user.id, now=now, **_code_settings()
    )
    return _no_store(
        render_template(
            "org/activation_code.html",
            member=member,
            slip=_printed(slip),
            expires_at=now + _code_settings()["valid_for"],
        )
    )


def _code_settings() -> dict:
    return {
        "valid_for": timedelta(days=current_app.config["ACTIVATION_CODE_DAYS"]),
        "key": current_app.config["SECRET_KEY"],
    }


def _no_store(body: str):
    """A page that shows activation codes: never kept by the browser or a proxy."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _printed(slip: activation.Slip) -> dict:
    """What a slip shows: the activation link (the code in its fragment) and its QR code."""
    link = url_for("accounts.activate", login=slip.login, _external=True) + "#" + slip.code
    return {
        "name": slip.member.user.name,
        "login": slip.login,
        "code": slip.printed_code,
        "link": link,
        "qr": Markup(activation.qr_svg(link)),
    }


@bp.route("/units/<int:unit_id>/activation-slips", methods=["GET", "POST"])
@login_required
def activation_slips(unit_id: int):
    """A branch's activation slips: the page says how many; printing issues fresh codes."""
    unit = db.get_or_404(OrgUnit, unit_id)
    if unit.kind != UnitKind.BRANCH:
        abort(404)
    if not access.can_print_slips(grants(), unit):
        raise NotAllowed(_("You may not print this branch's activation slips."))
    form = SlipsForm()
    if form.validate_on_submit():
        now = clock.now_utc()
        slips = activation.issue_slips(
            db.session,
            unit,
            everyone=form.everyone.data,
            actor_id=current_user.id,
            now=now,
            **_code_settings(),
        )
        return _no_store(
            render_template(
                "org/activation_slips_print.html",
                unit=unit,
                slips=[_printed(s) for s in slips],
                expires_at=now + _code_settings()["valid_for"],
            )
        )
    return render_template(
        "org/activation_slips.html",
        unit=unit,
        form=form,
        waiting=activation.count_slips(db.session, unit, everyone=False, issuer_id=current_user.id),
        days=current_app.config["ACTIVATION_CODE_DAYS"],
    )


@bp.post("/units/<int:unit_id>/roles")
@login_required
def appoint(unit_id: int):
    unit = db.get_or_404(OrgUnit, unit_id)
    me = grants()
    access.require_manage_unit(me, unit)
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


IMPORT_UNIT_KINDS = (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)


def _import_unit(unit_id: int) -> OrgUnit:
    """The unit a roster is imported into: one the user manages, with branches in it."""
    unit = db.get_or_404(OrgUnit, unit_id)
    access.require_manage_unit(grants(), unit)
    if unit.kind not in IMPORT_UNIT_KINDS:
        abort(404)
    return unit


def _roster_import(unit: OrgUnit) -> PreviewedImport[roster.CheckedRoster]:
    def check(path: Path) -> roster.CheckedRoster:
        with roster.open_roster(path) as sheet:
            return roster.validate_roster(
                db.session, unit, sheet, max_rows=current_app.config["ROSTER_IMPORT_MAX_ROWS"]
            )

    def render(**context):
        context.setdefault("form", ImportForm())
        return render_template("org/import_members.html", unit=unit, **context)

    return PreviewedImport(
        stash=roster.UploadStash("imports", owner=f"{unit.id}-{current_user.id}"),
        check=check,
        failed=lambda message: roster.CheckedRoster(
            entries=[], errors=[RowError(None, None, message)]
        ),
        render=render,
        restart_url=url_for("org.import_members", unit_id=unit.id),
    )


@bp.route("/units/<int:unit_id>/import", methods=["GET", "POST"])
@login_required
def import_members(unit_id: int):
    """Upload a roster: every row is checked and shown; nothing is written before confirming."""
    unit = _import_unit(unit_id)
    flow = _roster_import(unit)
    if request.method == "POST" and "token" in request.form:
        return flow.confirm(
            lambda checked, filename: roster.apply_roster(
                db.session,
                unit,
                checked,
                now=clock.now_utc(),
                actor_id=current_user.id,
                file_name=filename,
            ),
            lambda result: _imported(unit, result),
        )
    return flow.upload(ImportForm())


def _imported(unit: OrgUnit, result: roster.ImportResult):
    flash(
        _(
            "Imported %(imported)d new members; %(updated)d updated, %(unchanged)d unchanged.",
            imported=result.imported,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("org.unit", unit_id=unit.id))


@bp.get("/units/<int:unit_id>/import/template")
@login_required
def import_template(unit_id: int):
    """The XLSX template (or ``?format=csv``), listing this unit's branches and groups."""
    unit = _import_unit(unit_id)
    kind = "csv" if request.args.get("format") == "csv" else "xlsx"
    return send_file(
        roster.build_template(db.session, unit, kind=kind),
        as_attachment=True,
        download_name=f"党员名册导入模板.{kind}",
        mimetype="text/csv"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
