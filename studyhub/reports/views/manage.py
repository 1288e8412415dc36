"""Score settings (staff) and bonus/deduction entries (a branch's secretary, and staff)."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org import queries as org_queries
from studyhub.org.models import Member, UnitKind
from studyhub.reports import access, queries, scoring
from studyhub.reports.forms import DIMENSION_LABELS, AdjustmentForm, ConfirmForm, SettingsForm
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import adjustments, settings
from studyhub.reports.services.frozen import closed_record
from studyhub.reports.views import bp
from studyhub.reports.views.common import committee_of, grants, picker, quarter_arg
from studyhub.web.saving import committed, errors_on, run_button

MAX_MEMBER_CHOICES = 2000


def _settings_form(current: scoring.Settings) -> SettingsForm:
    form = SettingsForm()
    if form.is_submitted():
        return form
    for dimension in current.dimensions:
        if dimension.code not in scoring.CODES:
            continue  # the committee's own dimensions have a page of their own
        getattr(form, f"{dimension.code}_weight").data = dimension.weight
        getattr(form, f"{dimension.code}_active").data = dimension.is_active
    form.excellent.data = current.thresholds.excellent
    form.qualified.data = current.thresholds.qualified
    form.basic.data = current.thresholds.basic
    form.adjustment_cap.data = current.adjustment_cap
    return form


@bp.route("/committees/<int:committee_id>/score-settings", methods=["GET", "POST"])
@login_required
def score_settings(committee_id: int):
    """Dimensions and weights (adding up to 100), rating thresholds, adjustment cap."""
    committee = access.load_unit(committee_id, access.require_manage_scores, UnitKind.COMMITTEE)
    current = settings.settings_for(db.session, committee.id)
    form = _settings_form(current)
    if form.validate_on_submit():
        with errors_on(form):
            settings.save_settings(
                db.session,
                committee,
                dimensions=[
                    settings.DimensionChoice(
                        code=code,
                        weight=Decimal(getattr(form, f"{code}_weight").data),
                        is_active=bool(getattr(form, f"{code}_active").data),
                    )
                    for code in scoring.CODES
                ],
                thresholds=scoring.Thresholds(
                    excellent=Decimal(form.excellent.data),
                    qualified=Decimal(form.qualified.data),
                    basic=Decimal(form.basic.data),
                ),
                adjustment_cap=Decimal(form.adjustment_cap.data),
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
            return committed(
                _("Score settings saved."),
                url_for("reports.score_settings", committee_id=committee.id),
            )
    return render_template(
        "reports/scores/settings.html",
        committee=committee,
        form=form,
        dimensions=[d for d in current.dimensions if d.code in scoring.CODES],
        dimension_labels=DIMENSION_LABELS,
    ), (200 if not form.errors and not form.form_errors else 400)


@bp.route("/branches/<int:branch_id>/adjustments", methods=["GET", "POST"])
@login_required
def adjustments_page(branch_id: int):
    """The branch's bonus and deduction entries for a quarter, and the form to add one."""
    now = clock.now_utc()
    branch = access.load_unit(branch_id, access.require_adjust_in, UnitKind.BRANCH)
    me = grants()
    committee = committee_of(branch)
    quarter = quarter_arg(committee, now)
    is_closed = closed_record(db.session, committee, quarter) is not None
    form = AdjustmentForm()
    form.member_id.choices = [
        SelectChoice(m.id, f"{m.user.name}（{m.user.member_no or m.user.phone or ''}）")
        for m in db.session.scalars(
            org_queries.members_under(branch.path).limit(MAX_MEMBER_CHOICES)
        )
    ]
    if form.validate_on_submit():
        member = db.session.get(Member, form.member_id.data)
        if member is None or not member.org_path.startswith(branch.path):
            abort(404)
        access.require_adjust(me, member)
        with errors_on(form):
            adjustments.add_adjustment(
                db.session,
                member,
                quarter,
                points=form.points.data,
                reason=form.reason.data,
                by=current_user,
                now=now,
            )
            return committed(
                _("Entry added for %(name)s.", name=member.user.name),
                url_for("reports.adjustments_page", branch_id=branch.id, quarter=quarter.label),
            )
    return render_template(
        "reports/scores/adjustments.html",
        branch=branch,
        committee=committee,
        quarter=quarter,
        quarters=picker(committee, now),
        entries=list(
            db.session.execute(queries.adjustments_list(committee.id, quarter, branch.path))
        ),
        cap=settings.settings_for(db.session, committee.id).adjustment_cap,
        form=form,
        revoke_form=ConfirmForm(),
        is_closed=is_closed,
    ), (400 if form.is_submitted() else 200)  # a posted form that comes back is refused


@bp.post("/adjustments/<int:entry_id>/revoke")
@login_required
def revoke_adjustment(entry_id: int):
    entry, member = access.load_adjustment(entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return run_button(
        lambda: adjustments.revoke_adjustment(
            db.session, entry, by=current_user, now=clock.now_utc()
        ),
        _("The entry is revoked."),
        url_for(
            "reports.adjustments_page",
            branch_id=member.branch_id,
            quarter=Quarter(entry.year, entry.quarter).label,
        ),
    )
