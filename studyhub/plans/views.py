"""Plan pages: members' plans and the plan page, staff's editing and publishing, the share
link and poster, and the home page's "To do" panel.

Who sees a plan: staff of its committee (drafts too), the members it is for and
the leaders of its branches once it is published; anyone else gets 404, as if
it did not exist.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.core.errors import NotAllowed
from studyhub.extensions import db
from studyhub.notify.mail import mail_enabled
from studyhub.org import context
from studyhub.org import queries as org_queries
from studyhub.org.access import grants
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans import access, queries
from studyhub.plans.access import LoadedPlan
from studyhub.plans.forms import (
    TEST_LABELS,
    BranchExtensionForm,
    ConfirmForm,
    MaterialForm,
    MemberExtensionForm,
    MoveForm,
    PlanForm,
    TargetsForm,
)
from studyhub.plans.models import StudyPlan
from studyhub.plans.services import plans, progress, sharing
from studyhub.plans.services import poster as poster_image
from studyhub.readings import queries as reading_queries
from studyhub.readings.services.library import reading_status
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.ids import db_id
from studyhub.web.related import RelatedLink, register_related_links
from studyhub.web.saving import committed, errors_on, run_button

bp = Blueprint("plans", __name__, url_prefix="/plans")

SEARCH_LIMIT = 20
SUMMARY_PATH = "/"


def _today(committee: OrgUnit, now) -> Any:
    return clock.local_date(now, committee.timezone)


def _email() -> bool:
    return mail_enabled(current_app.config)


def quiz_url(quiz_id: int) -> str:
    """The member's page of a quiz (where the test starts)."""
    if "quizzes.quiz" in current_app.view_functions:
        return url_for("quizzes.quiz", quiz_id=quiz_id)
    return f"/quizzes/{quiz_id}"


def share_url(plan: StudyPlan, branch: OrgUnit | None = None) -> str:
    """The absolute link to paste into a WeChat group."""
    if branch is None:
        return url_for("plans.plan", plan_id=plan.id, _external=True)
    return url_for("plans.plan", plan_id=plan.id, branch=branch.id, _external=True)


# Members ---------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """My plans: the plans given to the member, by due date, with progress."""
    now = clock.now_utc()
    reader = context.member()
    me = grants()
    if reader is None:
        if me.is_staff:
            return redirect(url_for("plans.manage"))
        abort(404)
    items = progress.my_plans(db.session, current_user.id, today=reader.today(now))
    return render_template(
        "plans/index.html", items=items, test_labels=TEST_LABELS, is_staff=me.is_staff
    )


@bp.get("/<int:plan_id>")
@login_required
def plan(plan_id: int):
    """The plan page: guidance, materials, the test and the member's progress.

    ``?branch=`` is the branch's share link; it only names the branch.
    """
    now = clock.now_utc()
    loaded = access.load_plan(plan_id)
    plan = loaded.plan
    today = _today(loaded.committee, now)
    mine = (
        progress.my_plan(db.session, plan, current_user.id, today=today)
        if loaded.access.is_member
        else None
    )
    branch = None
    branch_id = request.args.get("branch", type=db_id)
    if branch_id is not None:
        branch = db.session.get(OrgUnit, branch_id)
        if branch is None or branch.committee_id != plan.committee_id:
            branch = None
    quiz = progress.quiz_of(db.session, plan)
    todays_reading = (
        db.session.execute(
            reading_queries.daily_summary(),
            {
                "committee_id": plan.committee_id,
                "day": today,
                "user_id": current_user.id,
                "now": now,
            },
        ).first()
        if mine
        else None
    )
    summary = (
        progress.branch_rows(db.session, plan, SUMMARY_PATH)
        if loaded.access.can_manage and plan.published_at is not None
        else []
    )
    return render_template(
        "plans/plan.html",
        plan=plan,
        committee=loaded.committee,
        targets=loaded.targets,
        can_manage=loaded.access.can_manage,
        can_share=loaded.access.can_share,
        mine=mine,
        branch=branch,
        materials=progress.materials(
            db.session, plan, user_id=current_user.id if mine else None, now=now
        ),
        quiz=quiz,
        quiz_url=quiz_url(quiz.id) if quiz else None,
        summary=summary,
        problems=plans.publish_problems(db.session, plan)
        if loaded.access.can_manage and plan.published_at is None
        else [],
        publish_form=ConfirmForm(),
        test_labels=TEST_LABELS,
        today=today,
        todays_reading=todays_reading,
    )


def todo_panel(user: Any, now) -> HomePanel | None:
    """The home page's "To do": the member's started, unfinished plans by due date."""
    if not getattr(user, "is_authenticated", False):
        return None
    reader = context.member()
    if reader is None:
        return None
    return HomePanel(
        template="plans/panels/todo.html",
        context={
            "items": progress.todo(db.session, user.id, today=reader.today(now)),
            "test_labels": TEST_LABELS,
        },
    )


def plans_of_quiz(quiz: Any, user: Any) -> list[RelatedLink]:
    """On a quiz's pages: back to the user's plans that set it as their test."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(queries.plans_testing_with(quiz.id, user.id))
    return [
        RelatedLink(
            _("Back to the plan: %(title)s", title=title), url_for("plans.plan", plan_id=id_)
        )
        for id_, title in rows
    ]


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, 15, todo_panel)
    register_related_links(state.app, "quiz", plans_of_quiz)


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
