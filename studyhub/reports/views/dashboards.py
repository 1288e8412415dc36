"""Dashboards: a branch's members through a study plan (its secretary and branch committee
remind from it; staff above look), its printable page, every branch of a committee or
general branch ranked with the quarter's trend (staff), a member's quarter, and the
secretary's home panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.notify.mail import mail_enabled
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans.forms import TEST_LABELS
from studyhub.plans.models import StudyPlan
from studyhub.points.services import DAILY_QUIZ, READING
from studyhub.reports import access, queries
from studyhub.reports.forms import RemindForm
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import dashboards
from studyhub.reports.views import bp
from studyhub.reports.views.common import committee_of, grants, picker, quarter_arg
from studyhub.web.charts import Series, line_chart
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.ids import db_id
from studyhub.web.pagination import page_number

STATUS_LABELS = {
    queries.NOT_STARTED: _l("Not started"),
    queries.IN_PROGRESS: _l("Under way"),
    queries.FAILED: _l("Failed"),
    queries.DONE: _l("Done"),
}
POINT_LABELS = {READING: _l("Readings"), DAILY_QUIZ: _l("Daily quiz")}
HOME_PANEL_ORDER = 40


@dataclass(frozen=True)
class BranchPage:
    branch: OrgUnit
    committee: OrgUnit
    choice: dashboards.PlanChoice
    today: Any


def _branch_page(branch_id: int, plan_id: int | None) -> BranchPage:
    """The branch, its committee and the plan shown; 403 for anyone but its leaders and
    staff above it."""
    now = clock.now_utc()
    branch = access.load_unit(branch_id, access.require_view_dashboard, UnitKind.BRANCH)
    committee = committee_of(branch)
    today = clock.local_date(now, committee.timezone)
    choice = dashboards.choose_plan(
        db.session,
        committee,
        branch,
        quarter=quarter_arg(committee, now),
        today=today,
        plan_id=plan_id,
    )
    return BranchPage(branch=branch, committee=committee, choice=choice, today=today)


def _status_arg() -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in queries.STATUSES:
        abort(404)
    return status


@bp.get("/branches/<int:branch_id>/dashboard")
@login_required
def branch_dashboard(branch_id: int):
    """Who in the branch has studied and passed the plan, who needs a nudge first."""
    found = _branch_page(branch_id, request.args.get("plan", type=db_id))
    status = _status_arg()
    plan = found.choice.plan
    board = (
        dashboards.branch_dashboard(
            db.session,
            plan,
            found.branch,
            status=status,
            page=request.args.get("page", 1, type=page_number),
        )
        if plan is not None
        else None
    )
    can_remind = access.can_remind(grants(), found.branch)
    return render_template(
        "reports/dashboards/branch.html",
        branch=found.branch,
        committee=found.committee,
        choice=found.choice,
        plan=plan,
        board=board,
        status=status,
        quarters=picker(found.committee, clock.now_utc()),
        today=found.today,
        timezone=found.committee.timezone,
        can_remind=can_remind,
        remind_form=RemindForm() if can_remind else None,
        is_staff_view=not can_remind,
        # The result of a reminder shows where the secretary acted (the row or the summary).
        acted=request.args.get("acted", type=db_id),
        flashes_inline=True,
        status_labels=STATUS_LABELS,
        test_labels=TEST_LABELS,
    )


@bp.get("/branches/<int:branch_id>/dashboard/print")
@login_required
def branch_dashboard_print(branch_id: int):
    """The branch's completion of the plan on one A4 page, with the date it was printed."""
    found = _branch_page(branch_id, request.args.get("plan", type=db_id))
    plan = found.choice.plan
    if plan is None:
        abort(404)
    board = dashboards.branch_dashboard(db.session, plan, found.branch, per_page=None)
    return render_template(
        "reports/dashboards/print.html",
        branch=found.branch,
        committee=found.committee,
        quarter=found.choice.quarter,
        plan=plan,
        board=board,
        printed_at=clock.now_utc(),
        status_labels=STATUS_LABELS,
        test_labels=TEST_LABELS,
    )


@bp.post("/branches/<int:branch_id>/dashboard/remind")
@login_required
def remind(branch_id: int):
    """Remind one member, or everyone not done, about the plan (once a day each)."""
    now = clock.now_utc()
    branch = access.load_unit(branch_id, access.require_remind, UnitKind.BRANCH)
    form = RemindForm()
    if not form.validate_on_submit():
        abort(400)
    committee = committee_of(branch)
    choice = dashboards.choose_plan(
        db.session,
        committee,
        branch,
        quarter=Quarter.at(now, committee.timezone),
        today=clock.local_date(now, committee.timezone),
        plan_id=form.plan_id.data,
    )
    if choice.plan is None:
        abort(404)
    try:
        done = dashboards.remind(
            db.session,
            choice.plan,
            branch,
            user_ids=[form.user_id.data] if form.user_id.data else None,
            by_user_id=current_user.id,
            now=now,
            email=mail_enabled(current_app.config),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        if done.reminded:
            flash(
                ngettext(
                    "%(num)d member reminded.", "%(num)d members reminded.", len(done.reminded)
                ),
                "success",
            )
        if done.skipped:
            flash(
                ngettext(
                    "%(num)d member had been reminded today already.",
                    "%(num)d members had been reminded today already.",
                    done.skipped,
                ),
                "info",
            )
    return redirect(
        url_for(
            "reports.branch_dashboard",
            branch_id=branch.id,
            plan=choice.plan.id,
            status=request.args.get("status") or None,
            page=request.args.get("page", type=page_number),
            # Back where the secretary acted: the member's row, or the summary's button.
            acted=form.user_id.data or None,
            _anchor=f"u-{form.user_id.data}" if form.user_id.data else "summary",
        )
    )


def _trend_chart(board: dashboards.UnitDashboard, quarter: Quarter):
    values = [float(v) if v is not None else None for v in board.trend]
    known = [(w, v) for w, v in zip(board.weeks, board.trend, strict=True) if v is not None]
    if known:
        week, value = known[-1]
        description = _(
            "Completion reached %(rate)s%% in the week of %(week)s.", rate=value, week=week.label
        )
    else:
        description = _("The quarter has not started yet.")
    return line_chart(
        [w.label for w in board.weeks],
        [Series(_("Completion"), values)],
        title=_("Completion over the weeks of %(quarter)s", quarter=quarter.label),
        description=description,
        chart_id="trend-chart",
    )


@bp.get("/units/<int:unit_id>/dashboard")
@login_required
def unit_dashboard(unit_id: int):
    """Every branch under a committee or general branch ranked for a plan, with the trend."""
    now = clock.now_utc()
    unit = access.load_unit(
        unit_id, access.require_view_ranking, UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH
    )
    committee = committee_of(unit)
    today = clock.local_date(now, committee.timezone)
    choice = dashboards.choose_plan(
        db.session,
        committee,
        unit,
        quarter=quarter_arg(committee, now),
        today=today,
        plan_id=request.args.get("plan", type=db_id),
    )
    board = (
        dashboards.unit_dashboard(
            db.session,
            choice.plan,
            unit,
            timezone=committee.timezone,
            today=today,
            page=request.args.get("page", 1, type=page_number),
        )
        if choice.plan is not None
        else None
    )
    return render_template(
        "reports/dashboards/unit.html",
        unit=unit,
        committee=committee,
        choice=choice,
        plan=choice.plan,
        board=board,
        chart=_trend_chart(board, choice.quarter) if board is not None else None,
        quarters=picker(committee, now),
    )


@bp.get("/members/<int:member_id>/history")
@login_required
def member_history(member_id: int):
    """A member's quarter: plans, readings, attempts and points (drill-down from a branch)."""
    now = clock.now_utc()
    member = access.load_member_history(member_id)
    committee = committee_of(member.branch)
    quarter = quarter_arg(committee, now)
    history = dashboards.member_history(
        db.session,
        member,
        committee,
        quarter,
        today=clock.local_date(now, committee.timezone),
    )
    return render_template(
        "reports/dashboards/member.html",
        member=member,
        committee=committee,
        quarter=quarter,
        quarters=picker(committee, now),
        history=history,
        plan_id=request.args.get("plan", type=db_id),
        test_labels=TEST_LABELS,
        point_labels=POINT_LABELS,
    )


# The secretary's home panel ----------------------------------------------------------------------


@dataclass(frozen=True)
class PanelItem:
    branch: OrgUnit
    plan: StudyPlan | None
    counts: dashboards.Counts | None


def branch_panel(user: Any, now) -> HomePanel | None:
    """For a branch's secretary or committee member: the branch's completion of the current
    plan, with a link to the dashboard (two statements per branch they lead)."""
    if not getattr(user, "is_authenticated", False):
        return None
    items = []
    for scope in grants().led_units:
        branch = db.session.get(OrgUnit, scope.unit_id)
        if branch is None or branch.kind != UnitKind.BRANCH or branch.committee_id is None:
            continue
        committee = db.session.get(OrgUnit, branch.committee_id)
        if committee is None:
            continue
        choice = dashboards.choose_plan(
            db.session,
            committee,
            branch,
            quarter=Quarter.at(now, committee.timezone),
            today=clock.local_date(now, committee.timezone),
        )
        counts = (
            dashboards.counts_of(db.session, choice.plan, branch.path)
            if choice.plan is not None
            else None
        )
        items.append(PanelItem(branch=branch, plan=choice.plan, counts=counts))
    if not items:
        return None
    return HomePanel(template="reports/dashboards/panel.html", context={"items": items})


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, HOME_PANEL_ORDER, branch_panel)
