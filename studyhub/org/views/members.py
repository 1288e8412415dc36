"""A member's pages: adding, the member's page, editing, moving, deactivating, erasing and
resetting a password."""

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

from studyhub.accounts import services as account_services
from studyhub.core import clock
from studyhub.core.errors import DomainError, NotAllowed
from studyhub.extensions import db
from studyhub.org import access, activation, erasure, queries, services
from studyhub.org.forms import (
    ConfirmForm,
    EraseForm,
    MemberForm,
    MoveForm,
)
from studyhub.org.models import (
    Member,
    MemberStatus,
    OrgUnit,
    UnitKind,
)
from studyhub.org.views.common import bp, grants
from studyhub.org.views.slips import _code_settings, _no_store, _printed
from studyhub.web.saving import committed, errors_on


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
    unit = access.load_unit_to_manage(unit_id)
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
    member = access.load_member_to_view(member_id)
    me = grants()
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
    member = access.load_member_to_manage(member_id)
    me = grants()
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
    member = access.load_member_to_manage(member_id)
    me = grants()
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
    member = access.load_member_to_manage(member_id)
    me = grants()
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
    member = access.load_member_to_manage(member_id)
    me = grants()
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
