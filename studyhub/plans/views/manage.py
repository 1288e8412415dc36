"""Staff's pages for a committee's plans: the list, a new plan, editing, materials, targets
and publishing."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.core.errors import NotAllowed
from studyhub.extensions import db
from studyhub.org import queries as org_queries
from studyhub.org.access import grants
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans import access, queries
from studyhub.plans.forms import (
    ConfirmForm,
    MaterialForm,
    MoveForm,
    PlanForm,
    TargetsForm,
)
from studyhub.plans.services import plans, progress
from studyhub.plans.views.common import SEARCH_LIMIT, _email, _today, bp
from studyhub.readings import queries as reading_queries
from studyhub.readings.services.library import reading_status
from studyhub.web.ids import db_id
from studyhub.web.saving import committed, errors_on, run_button

# Staff: the committee's plans --------------------------------------------------------------------


def _managed_committees() -> list[OrgUnit]:
    me = grants()
    if me.is_admin:
        return list(db.session.scalars(org_queries.committees()))
    ids = [s.unit_id for s in me.managed_units]
    units = list(db.session.scalars(org_queries.units_by_ids(ids))) if ids else []
    return [u for u in units if u.kind == UnitKind.COMMITTEE]


def _chosen_committee() -> tuple[OrgUnit, list[OrgUnit]]:
    committees = _managed_committees()
    if not committees:
        raise NotAllowed(_("This page is for committee staff."))
    wanted = request.args.get("committee", type=db_id)
    chosen = next((c for c in committees if c.id == wanted), committees[0])
    return chosen, committees


@bp.get("/manage")
@login_required
def manage():
    committee, committees = _chosen_committee()
    items = list(db.session.scalars(queries.plans_of(committee.id)))
    return render_template(
        "plans/manage.html", committee=committee, committees=committees, items=items
    )


def _plan_form(committee: OrgUnit) -> PlanForm:
    form = PlanForm()
    form.quiz_id.choices = [SelectChoice(0, _("No test"))] + [
        SelectChoice(q.id, q.title) for q in db.session.scalars(queries.exams_of(committee.id))
    ]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    committee, _committees = _chosen_committee()
    form = _plan_form(committee)
    now = clock.now_utc()
    if request.method == "GET":
        year, quarter = plans.quarter_of(_today(committee, now))
        form.year.data, form.quarter.data = year, quarter
        form.title.data = plans.default_title(year, quarter)
    if form.validate_on_submit():
        with errors_on(form):
            created = plans.create_plan(
                db.session, committee, form.to_fields(), by_user_id=current_user.id, now=now
            )
            return committed(
                _("The plan is saved as a draft. Add its materials and units."),
                url_for("plans.materials", plan_id=created.id),
            )
    return render_template("plans/plan_form.html", form=form, committee=committee, plan=None)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int):
    loaded = access.load_managed_plan(plan_id)
    form = _plan_form(loaded.committee)
    if request.method == "GET":
        form.fill(plans.fields_of(loaded.plan))
    if form.validate_on_submit():
        with errors_on(form):
            plans.update_plan(
                db.session,
                loaded.plan,
                form.to_fields(),
                now=clock.now_utc(),
                actor_id=current_user.id,
            )
            return committed(_("Saved."), url_for("plans.plan", plan_id=plan_id))
    return render_template(
        "plans/plan_form.html", form=form, committee=loaded.committee, plan=loaded.plan
    )


def _done(plan_id: int, endpoint: str, work, message: str | None = None, **args: Any):
    """Run one service call for a POST button, commit, and go back to ``endpoint``."""
    return run_button(work, message, url_for(endpoint, plan_id=plan_id, **args))


@bp.get("/<int:plan_id>/materials")
@login_required
def materials(plan_id: int):
    """The materials in order, and the committee's readings to pick from (searchable)."""
    now = clock.now_utc()
    loaded = access.load_managed_plan(plan_id)
    q = (request.args.get("q") or "").strip()
    chosen = progress.materials(db.session, loaded.plan, user_id=None, now=now)
    chosen_ids = {m.reading_id for m in chosen}
    found = list(
        db.session.scalars(
            reading_queries.library_readings(loaded.committee.id, now=now, text=q).limit(
                SEARCH_LIMIT
            )
        ).unique()
    )
    return render_template(
        "plans/materials.html",
        plan=loaded.plan,
        chosen=chosen,
        found=[r for r in found if r.id not in chosen_ids],
        q=q,
        now=now,
        reading_status=reading_status,
        add_form=MaterialForm(),
        move_form=MoveForm(),
        remove_form=ConfirmForm(),
    )


@bp.post("/<int:plan_id>/materials")
@login_required
def add_material(plan_id: int):
    loaded = access.load_managed_plan(plan_id)
    form = MaterialForm()
    if not form.validate_on_submit():
        abort(400)
    return _done(
        plan_id,
        "plans.materials",
        lambda: plans.add_material(
            db.session,
            loaded.plan,
            form.reading_id.data,
            now=clock.now_utc(),
            actor_id=current_user.id,
        ),
        q=request.args.get("q", ""),
    )


@bp.post("/<int:plan_id>/materials/<int:reading_id>/remove")
@login_required
def remove_material(plan_id: int, reading_id: int):
    loaded = access.load_managed_plan(plan_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _done(
        plan_id,
        "plans.materials",
        lambda: plans.remove_material(
            db.session, loaded.plan, reading_id, now=clock.now_utc(), actor_id=current_user.id
        ),
    )


@bp.post("/<int:plan_id>/materials/<int:reading_id>/move")
@login_required
def move_material(plan_id: int, reading_id: int):
    loaded = access.load_managed_plan(plan_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    offset = -1 if form.direction.data == "up" else 1
    return _done(
        plan_id,
        "plans.materials",
        lambda: plans.move_material(
            db.session, loaded.plan, reading_id, offset=offset, now=clock.now_utc()
        ),
    )


@bp.route("/<int:plan_id>/targets", methods=["GET", "POST"])
@login_required
def targets(plan_id: int):
    """Which units the plan is for: any units of the committee, each with its subtree."""
    loaded = access.load_managed_plan(plan_id)
    units = [loaded.committee, *db.session.scalars(org_queries.units_under(loaded.committee.path))]
    form = TargetsForm()
    form.unit_ids.choices = [SelectChoice(u.id, u.name) for u in units if u.is_active]
    if request.method == "GET":
        form.unit_ids.data = [t.id for t in loaded.targets]
    if form.validate_on_submit():
        with errors_on(form):
            plans.set_targets(
                db.session,
                loaded.plan,
                form.unit_ids.data or [],
                now=clock.now_utc(),
                email=_email(),
                actor_id=current_user.id,
            )
            return committed(_("Saved."), url_for("plans.plan", plan_id=plan_id))
    selected = set(form.unit_ids.data or [])
    return render_template(
        "plans/targets.html",
        plan=loaded.plan,
        form=form,
        units=[u for u in units if u.is_active],
        selected=selected,
    )


@bp.post("/<int:plan_id>/publish")
@login_required
def publish(plan_id: int):
    loaded = access.load_managed_plan(plan_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _done(
        plan_id,
        "plans.plan",
        lambda: plans.publish_plan(
            db.session,
            loaded.plan,
            now=clock.now_utc(),
            email=_email(),
            actor_id=current_user.id,
        ),
        _("The plan is published; its members have been told."),
    )
