"""Readings pages: the lead-reader rota (secretaries) and the lead reader's reflection.

The rota page belongs to a branch: its secretary and branch committee keep
it, and committee staff above may too. The reflection form sits under the
reading of the day, for the member on duty.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from studyhub.core import clock
from studyhub.core.errors import NotAllowed
from studyhub.extensions import db
from studyhub.org.access import grants as _grants
from studyhub.org.models import Member, OrgUnit
from studyhub.readings.access import load_rota_branch
from studyhub.readings.models import Reading
from studyhub.readings.services import rota, tracking
from studyhub.readings.views import bp
from studyhub.readings.views.member import reader_of_request
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.saving import committed, run_button

DAYS_AHEAD = 14


class MemberForm(FlaskForm):
    member_id = IntegerField(validators=[InputRequired()])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF token only)."""

    value = HiddenField()


class DayOffForm(FlaskForm):
    day = DateField(validators=[DataRequired()])
    is_off = HiddenField()


class ReassignForm(FlaskForm):
    day = DateField(validators=[DataRequired()])
    member_id = IntegerField(validators=[InputRequired()])


class SwapForm(FlaskForm):
    first = DateField(_l("First day"), validators=[DataRequired()])
    second = DateField(_l("Second day"), validators=[DataRequired()])


class ReflectionForm(FlaskForm):
    text = TextAreaField(
        _l("Your reflection"),
        validators=[
            DataRequired(_l("Write a few words first.")),
            Length(max=rota.REFLECTION_MAX_CHARS * 2),
        ],
    )


def _reader() -> tracking.Reader | None:
    return reader_of_request()


def _rota_url(branch: OrgUnit, anchor: str | None = None) -> str:
    return url_for("readings.rota", branch_id=branch.id, _anchor=anchor)


def _branch_member(branch: OrgUnit, member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.branch_id != branch.id:
        abort(404)
    return member


@bp.get("/readings/rota/<int:branch_id>", endpoint="rota")
@login_required
def rota_page(branch_id: int):
    branch = load_rota_branch(branch_id)
    now = clock.now_utc()
    today = rota.branch_today(db.session, branch, now)
    return render_template(
        "readings/rota.html",
        branch=branch,
        today=today,
        entries=rota.rota_entries(db.session, branch),
        candidates=rota.rota_candidates(db.session, branch),
        members=rota.branch_members(db.session, branch),
        days=rota.schedule(db.session, branch, today, DAYS_AHEAD),
        last_day=today + timedelta(days=DAYS_AHEAD - 1),
        form=ConfirmForm(),
        swap_form=SwapForm(),
    )


@bp.post("/readings/rota/<int:branch_id>/members")
@login_required
def rota_add(branch_id: int):
    branch = load_rota_branch(branch_id)
    form = MemberForm()
    if not form.validate_on_submit():
        abort(400)
    member = _branch_member(branch, form.member_id.data)
    return run_button(
        lambda: rota.add_to_rota(db.session, branch, member),
        _("%(name)s was added to the rota.", name=member.user.name),
        _rota_url(branch, "rota"),
    )


@bp.post("/readings/rota/<int:branch_id>/members/all")
@login_required
def rota_add_all(branch_id: int):
    branch = load_rota_branch(branch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    added = rota.add_all_to_rota(db.session, branch)
    return committed(
        _("%(count)d members were added to the rota.", count=added), _rota_url(branch, "rota")
    )


@bp.post("/readings/rota/<int:branch_id>/members/<int:member_id>/remove")
@login_required
def rota_remove(branch_id: int, member_id: int):
    branch = load_rota_branch(branch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return run_button(
        lambda: rota.remove_from_rota(db.session, branch, member_id),
        _("Removed from the rota."),
        _rota_url(branch, "rota"),
    )


@bp.post("/readings/rota/<int:branch_id>/members/<int:member_id>/move")
@login_required
def rota_move(branch_id: int, member_id: int):
    branch = load_rota_branch(branch_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    return run_button(
        lambda: rota.move_in_rota(
            db.session, branch, member_id, offset=-1 if form.direction.data == "up" else 1
        ),
        None,
        _rota_url(branch, f"rota-{member_id}"),
    )


@bp.post("/readings/rota/<int:branch_id>/days/off")
@login_required
def rota_day_off(branch_id: int):
    branch = load_rota_branch(branch_id)
    form = DayOffForm()
    if not form.validate_on_submit():
        abort(400)
    is_off = form.is_off.data == "1"
    return run_button(
        lambda: rota.set_day_off(
            db.session, branch, form.day.data, is_off=is_off, now=clock.now_utc()
        ),
        _("Marked as a day off.") if is_off else _("Marked as a working day."),
        _rota_url(branch, f"day-{form.day.data.isoformat()}"),
    )


@bp.post("/readings/rota/<int:branch_id>/days/reassign")
@login_required
def rota_reassign(branch_id: int):
    branch = load_rota_branch(branch_id)
    form = ReassignForm()
    if not form.validate_on_submit():
        abort(400)
    member = _branch_member(branch, form.member_id.data)
    return run_button(
        lambda: rota.reassign_day(
            db.session,
            branch,
            form.day.data,
            member,
            by_user_id=current_user.id,
            now=clock.now_utc(),
        ),
        _("%(name)s leads the reading that day.", name=member.user.name),
        _rota_url(branch, f"day-{form.day.data.isoformat()}"),
    )


@bp.post("/readings/rota/<int:branch_id>/days/swap")
@login_required
def rota_swap(branch_id: int):
    branch = load_rota_branch(branch_id)
    form = SwapForm()
    if not form.validate_on_submit():
        flash(_("Choose two days."), "error")
        return redirect(_rota_url(branch, "swap"))
    return run_button(
        lambda: rota.swap_days(
            db.session,
            branch,
            form.first.data,
            form.second.data,
            by_user_id=current_user.id,
            now=clock.now_utc(),
        ),
        _("The two days were swapped."),
        _rota_url(branch, "days"),
    )


@bp.post("/readings/<int:reading_id>/reflection")
@login_required
def post_reflection(reading_id: int):
    """The lead reader's reflection (领读心得) under the reading of their day."""
    now = clock.now_utc()
    reader = _reader()
    reading = db.session.get(Reading, reading_id)
    if (
        reader is None
        or reading is None
        or reading.committee_id != reader.committee_id
        or not reading.is_visible(now)
        or reading.daily_on is None
    ):
        abort(404)
    assignment = rota.assignment_for(db.session, reader.branch_id, reading.daily_on)
    if assignment is None or assignment.member_id != reader.member_id:
        raise NotAllowed(_("Only the lead reader of the day can post its reflection."))
    form = ReflectionForm()
    back = url_for("readings.reading", reading_id=reading.id, _anchor="reflection")
    if not form.validate_on_submit():
        flash(" ".join(form.text.errors) or _("Write a few words first."), "error")
        return redirect(back)
    return run_button(
        lambda: rota.post_reflection(
            db.session, assignment, member_id=reader.member_id, text=form.text.data, now=now
        ),
        _("Your reflection was posted for your branch."),
        back,
    )


def lead_panel(user: Any, now) -> HomePanel | None:
    """ "You lead today's reading", for the member on duty today only."""
    if not getattr(user, "is_authenticated", False):
        return None
    reader = _reader()
    if reader is None:
        return None
    if "lead_duty" in g:  # the today panel asked already, in its statement
        duty = g.lead_duty
    else:
        duty = rota.duty_today(
            db.session,
            member_id=reader.member_id,
            branch_id=reader.branch_id,
            committee_id=reader.committee_id,
            timezone=reader.timezone,
            now=now,
        )
    if duty is None:
        return None
    return HomePanel(template="readings/panels/lead.html", context={"duty": duty})


def rota_panel(user: Any, now) -> HomePanel | None:
    """For secretaries and branch committees: today's lead reader and the rota page."""
    if not getattr(user, "is_authenticated", False):
        return None
    paths = [s.path for s in _grants().led_units]
    if not paths:
        return None
    branches = rota.lead_readers_today(db.session, paths, now)
    if not branches:
        return None
    return HomePanel(template="readings/panels/rota.html", context={"branches": branches})


@bp.record_once
def _register_panels(state) -> None:
    register_home_panel(state.app, 20, lead_panel)
    register_home_panel(state.app, 85, rota_panel)
