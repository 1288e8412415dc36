"""支部发稿 pages: a branch's editor writes and resubmits; staff review; members read.

``/branches/<id>/publish``: the branch's editor (or secretary) — their drafts with the
state and a returned one's reason, write and edit. ``/library/<id>/review``: the
committee's staff — submissions waiting, approve or return with a reason.
``/branches/<id>/readings``: the branch's own readings, for its members.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, HiddenField
from wtforms.validators import AnyOf, DataRequired

from studyhub.core import clock
from studyhub.core.errors import NotFound
from studyhub.extensions import db
from studyhub.org.access import grants, load_managed_committee
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.readings.forms import BranchReadingForm, ConfirmForm, ReturnReadingForm
from studyhub.readings.models import Reading
from studyhub.readings.services import publishing, rota
from studyhub.readings.services.library import ReadingFields
from studyhub.readings.services.rota import cross
from studyhub.readings.views import bp
from studyhub.readings.views.library import _timing
from studyhub.readings.views.member import _require_reader, reader_of_request
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.saving import committed, errors_on, run_button


def _branch(branch_id: int) -> OrgUnit:
    branch = db.session.get(OrgUnit, branch_id)
    if branch is None or branch.kind != UnitKind.BRANCH:
        raise NotFound(_("No such branch."))
    return branch


def _writer_branch(branch_id: int) -> tuple[OrgUnit, date | None]:
    """The branch one writes for (as its editor or secretary, or as the member on duty on the
    committee's rota across branches), with the day one is on duty for (None if not)."""
    branch = _branch(branch_id)
    duty = None
    reader = reader_of_request()
    if reader is not None and reader.branch_id == branch.id:
        duty = cross.duty_day(db.session, reader.member_id, reader.committee_id, clock.now_utc())
    if duty is None:
        publishing.require_editor(grants(), branch)
    return branch, duty


def _own_reading(branch: OrgUnit, reading_id: int) -> Reading:
    reading = db.session.get(Reading, reading_id)
    if reading is None:
        raise NotFound(_("No such reading."))
    publishing.require_own(grants(), branch, reading)
    return reading


def _reading_to_review(reading_id: int) -> tuple[Reading, OrgUnit]:
    reading = db.session.get(Reading, reading_id)
    if reading is None:
        raise NotFound(_("No such reading."))
    committee = load_managed_committee(reading.committee_id)
    publishing.require_reviewer(grants(), committee, reading)
    return reading, committee


def _history(form: BranchReadingForm) -> publishing.DutyHistory:
    return publishing.DutyHistory(
        year=form.history_year.data,
        title=form.history_title.data or "",
        text=form.history_text.data or "",
    )


def _fields(form: BranchReadingForm) -> ReadingFields:
    return ReadingFields(
        title=form.title.data or "",
        body_markdown=form.body_markdown.data or "",
        source=form.source.data or "",
    )


@bp.get("/branches/<int:branch_id>/publish")
@login_required
def branch_drafts(branch_id: int):
    branch, _duty = _writer_branch(branch_id)
    return render_template(
        "readings/publish/drafts.html",
        branch=branch,
        readings=publishing.branch_drafts(db.session, branch),
        now=clock.now_utc(),
    )


@bp.route("/branches/<int:branch_id>/publish/new", methods=["GET", "POST"])
@login_required
def new_branch_reading(branch_id: int):
    branch, duty = _writer_branch(branch_id)
    form = BranchReadingForm()
    if not publishing.can_edit_for(grants(), branch):
        form.audience.data = "committee"  # the member on duty writes for the channel
        form.audience.choices = [c for c in form.audience.choices if c.value == "committee"]
    if form.validate_on_submit():
        with errors_on(form):
            reading = publishing.write(
                db.session,
                branch,
                _fields(form),
                audience=form.audience.data,
                by_user_id=grants().user_id,
                now=clock.now_utc(),
                timing=_timing(),
                daily_on=duty,
                history_entry=_history(form) if duty else None,
            )
            message = (
                _("Published to the branch.")
                if reading.branch_id
                else _("Submitted to the committee for review.")
            )
            return committed(message, url_for("readings.branch_drafts", branch_id=branch.id))
    return render_template(
        "readings/publish/form.html", branch=branch, form=form, reading=None, duty=duty
    )


@bp.route("/branches/<int:branch_id>/publish/<int:reading_id>", methods=["GET", "POST"])
@login_required
def edit_branch_reading(branch_id: int, reading_id: int):
    branch = _branch(branch_id)
    reading = _own_reading(branch, reading_id)
    form = BranchReadingForm(obj=reading, audience="branch" if reading.branch_id else "committee")
    if form.validate_on_submit():
        with errors_on(form):
            publishing.revise(
                db.session,
                branch,
                reading,
                _fields(form),
                audience=form.audience.data,
                by_user_id=grants().user_id,
                now=clock.now_utc(),
                timing=_timing(),
                history_entry=_history(form) if reading.daily_on else None,
            )
            return committed(_("Saved."), url_for("readings.branch_drafts", branch_id=branch.id))
    return render_template("readings/publish/form.html", branch=branch, form=form, reading=reading)


@bp.get("/branches/<int:branch_id>/readings")
@login_required
def branch_readings(branch_id: int):
    """The branch's own readings: for its members (and its editors)."""
    reader = _require_reader()
    if reader.branch_id != branch_id:
        abort(404)
    branch = db.get_or_404(OrgUnit, branch_id)
    return render_template(
        "readings/publish/branch.html",
        branch=branch,
        readings=publishing.branch_readings(db.session, branch_id, clock.now_utc()),
    )


@bp.get("/library/<int:committee_id>/review")
@login_required
def review_queue(committee_id: int):
    committee = load_managed_committee(committee_id)
    readings = publishing.review_queue(db.session, committee)
    branches = {
        b.id: b.name
        for b in db.session.query(OrgUnit).filter(
            OrgUnit.id.in_({r.origin_branch_id for r in readings})
        )
    }
    return render_template(
        "readings/publish/queue.html",
        committee=committee,
        readings=readings,
        branches=branches,
        confirm_form=ConfirmForm(),
        return_form=ReturnReadingForm(),
    )


@bp.post("/library/review/<int:reading_id>/approve")
@login_required
def approve_reading(reading_id: int):
    reading, committee = _reading_to_review(reading_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return run_button(
        lambda: publishing.approve(
            db.session, reading, by_user_id=grants().user_id, now=clock.now_utc()
        ),
        _("Approved and published."),
        url_for("readings.review_queue", committee_id=committee.id),
    )


@bp.post("/library/review/<int:reading_id>/return")
@login_required
def return_reading(reading_id: int):
    reading, committee = _reading_to_review(reading_id)
    form = ReturnReadingForm()
    url = url_for("readings.review_queue", committee_id=committee.id)
    if not form.validate_on_submit():
        return run_button(
            lambda: publishing.return_to_author(
                db.session, reading, "", by_user_id=grants().user_id, now=clock.now_utc()
            ),
            None,
            url,
        )
    return run_button(
        lambda: publishing.return_to_author(
            db.session,
            reading,
            form.reason.data,
            by_user_id=grants().user_id,
            now=clock.now_utc(),
        ),
        _("Returned to the branch."),
        url,
    )


# The committee's rota across branches ------------------------------------------------------

CROSS_DAYS = 14


class CrossSwapForm(FlaskForm):
    first = DateField(_l("First day"), validators=[DataRequired()])
    second = DateField(_l("Second day"), validators=[DataRequired()])


class CrossDayOffForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    is_off = HiddenField(validators=[AnyOf(["1", "0"])])


def _cross_url(committee: OrgUnit) -> str:
    return url_for("readings.cross_rota", committee_id=committee.id)


@bp.get("/library/<int:committee_id>/cross-rota")
@login_required
def cross_rota(committee_id: int):
    committee = load_managed_committee(committee_id)
    now = clock.now_utc()
    today = rota.branch_today(db.session, committee, now)
    chosen = {b.id: i for i, b in enumerate(cross.rota_branches(db.session, committee), 1)}
    branches = list(
        db.session.scalars(
            select(OrgUnit)
            .where(
                OrgUnit.committee_id == committee.id,
                OrgUnit.kind == UnitKind.BRANCH,
                OrgUnit.is_active.is_(True),
            )
            .order_by(OrgUnit.name)
        )
    )
    return render_template(
        "readings/publish/cross_rota.html",
        committee=committee,
        branches=branches,
        chosen=chosen,
        days=cross.days_ahead(db.session, committee, today, CROSS_DAYS) if chosen else [],
        confirm_form=ConfirmForm(),
        swap_form=CrossSwapForm(),
        day_off_form=CrossDayOffForm(),
    )


@bp.post("/library/<int:committee_id>/cross-rota")
@login_required
def set_cross_rota(committee_id: int):
    committee = load_managed_committee(committee_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    positions = []
    for key, value in request.form.items():
        if key.startswith("position-") and value.strip():
            try:
                positions.append((int(value), int(key.removeprefix("position-"))))
            except ValueError:
                flash(_("Give each branch's place as a number."), "error")
                return redirect(_cross_url(committee))
    branch_ids = [branch_id for _place, branch_id in sorted(positions)]
    return run_button(
        lambda: cross.set_rota_branches(
            db.session, committee, branch_ids, by_user_id=grants().user_id, now=clock.now_utc()
        ),
        _("The rota across branches was saved."),
        _cross_url(committee),
    )


@bp.post("/library/<int:committee_id>/cross-rota/swap")
@login_required
def swap_cross_rota(committee_id: int):
    committee = load_managed_committee(committee_id)
    form = CrossSwapForm()
    if not form.validate_on_submit():
        flash(_("Choose two days."), "error")
        return redirect(_cross_url(committee))
    return run_button(
        lambda: rota.swap_days(
            db.session,
            committee,
            form.first.data,
            form.second.data,
            by_user_id=grants().user_id,
            now=clock.now_utc(),
        ),
        _("The two days were swapped."),
        _cross_url(committee),
    )


@bp.post("/library/<int:committee_id>/cross-rota/day-off")
@login_required
def cross_rota_day_off(committee_id: int):
    committee = load_managed_committee(committee_id)
    form = CrossDayOffForm()
    if not form.validate_on_submit():
        flash(_("Choose a day."), "error")
        return redirect(_cross_url(committee))
    return run_button(
        lambda: rota.set_day_off(
            db.session,
            committee,
            form.day.data,
            is_off=form.is_off.data == "1",
            now=clock.now_utc(),
        ),
        _("Saved."),
        _cross_url(committee),
    )


def publish_panel(user: Any, now) -> HomePanel | None:
    """For branch editors and secretaries: their branches' drafts and the write button
    (from the request's grants: no statement)."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Branches only: a general branch (总支) has no write page of its own.
    scopes = publishing.edited_scopes(grants())
    if not scopes:
        return None
    return HomePanel(template="readings/panels/publish.html", context={"branches": scopes})


@bp.record_once
def _register_publish_panel(state) -> None:
    register_home_panel(state.app, 86, publish_panel)
