"""Members' pages: their plans, the plan page, the home page's "To do" panel and the
plans a quiz is the test of."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org import context
from studyhub.org.access import grants
from studyhub.org.models import OrgUnit
from studyhub.plans import access, queries
from studyhub.plans.forms import (
    TEST_LABELS,
    ConfirmForm,
)
from studyhub.plans.services import plans, progress
from studyhub.plans.views.common import SUMMARY_PATH, _today, bp, quiz_url
from studyhub.readings import queries as reading_queries
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.ids import db_id
from studyhub.web.related import RelatedLink, register_related_links

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
