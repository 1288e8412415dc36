"""Compliance pages: a branch's year at a glance, every branch of a committee this month and
quarter (the gaps first), and the committee's required frequencies.

A branch's page is for its secretary and branch committee and for the staff
above it; the committee view and the settings are for staff.
"""

from __future__ import annotations

import re
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError, NotAllowed
from studyhub.extensions import db
from studyhub.meetings.forms import EVERY_LABELS, FrequenciesForm
from studyhub.meetings.periods import Every
from studyhub.meetings.services import compliance
from studyhub.meetings.services.compliance import KIND_ORDER, Frequency, Status
from studyhub.meetings.views import bp, grants
from studyhub.org import access as org_access
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.org.queries import committees

OVERVIEW_KINDS = (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH)
FIRST_YEAR, LAST_YEAR = 2000, 2100
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def year_arg(default: int) -> int:
    year = request.args.get("year", type=int)
    if year is None:
        return default
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


@bp.get("/compliance")
@login_required
def compliance_home():
    """Staff to their committee's overview, secretaries to their branch's year."""
    me = grants()
    for scope in me.managed_units:
        unit = db.session.get(OrgUnit, scope.unit_id)
        if unit is not None and unit.kind in OVERVIEW_KINDS:
            return redirect(url_for("meetings.unit_compliance", unit_id=unit.id))
    if me.is_admin:
        first = db.session.scalars(committees().limit(1)).first()
        if first is not None:
            return redirect(url_for("meetings.unit_compliance", unit_id=first.id))
    for scope in me.led_units:
        return redirect(url_for("meetings.branch_compliance", unit_id=scope.unit_id))
    raise NotAllowed(_("Compliance is for branch secretaries and committee staff."))


@bp.get("/branches/<int:unit_id>/compliance")
@login_required
def branch_compliance(unit_id: int):
    """The branch's year: each required kind (each group's meetings) by month or quarter."""
    branch = org_access.load_unit_to_view(unit_id, UnitKind.BRANCH)
    me = grants()
    now = clock.now_utc()
    this_year = clock.local_date(now, branch.timezone).year
    year = year_arg(this_year)
    result = compliance.compliance(db.session, branch, year, now=now)
    overview = None
    if me.is_staff:
        overview = next(
            (
                s.unit_id
                for s in me.managed_units
                if branch.path.startswith(s.path) and s.path != branch.path
            ),
            None,
        )
    return render_template(
        "meetings/compliance/branch.html",
        branch=branch,
        result=result,
        year=year,
        this_year=this_year,
        months=range(1, 13),
        overview_unit_id=overview,
        statuses=Status,
        every=Every,
    )


def _month_arg(today: date) -> date:
    text = request.args.get("month")
    if not text:
        return today
    match = _MONTH_RE.match(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        abort(404)
    year, month = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return date(year, month, 1)


def _shift(day: date, months: int) -> str:
    index = day.year * 12 + day.month - 1 + months
    return f"{index // 12}-{index % 12 + 1:02d}"


@bp.get("/units/<int:unit_id>/compliance")
@login_required
def unit_compliance(unit_id: int):
    """Every branch under the committee (or general branch) for a month and its quarter."""
    unit = org_access.load_unit_to_manage(unit_id, *OVERVIEW_KINDS)
    now = clock.now_utc()
    today = clock.local_date(now, unit.timezone)
    day = _month_arg(today)
    result = compliance.unit_compliance(db.session, unit, now=now, day=day)
    return render_template(
        "meetings/compliance/unit.html",
        unit=unit,
        result=result,
        previous_month=_shift(day, -1),
        next_month=_shift(day, 1),
        is_current=(day.year, day.month) == (today.year, today.month),
        can_set=unit.kind == UnitKind.COMMITTEE,
        statuses=Status,
        every=Every,
    )


@bp.route("/committees/<int:unit_id>/frequencies", methods=["GET", "POST"])
@login_required
def frequencies(unit_id: int):
    """How often the committee's branches must hold each kind of meeting."""
    committee = org_access.load_unit_to_manage(unit_id, UnitKind.COMMITTEE)
    current = compliance.frequencies_of(db.session, committee.id)
    form = FrequenciesForm(
        data={
            kind.value: {"every": f.every.value, "minimum": f.minimum}
            for kind, f in current.items()
        }
    )
    if form.validate_on_submit():
        choices = [
            Frequency(
                kind,
                Every(form[kind.value].form.every.data),
                form[kind.value].form.minimum.data or 1,
            )
            for kind in KIND_ORDER
        ]
        try:
            compliance.save_frequencies(
                db.session, committee, choices, actor_id=current_user.id, now=clock.now_utc()
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("The required meetings were saved."), "success")
            return redirect(url_for("meetings.unit_compliance", unit_id=committee.id))
    return render_template(
        "meetings/compliance/frequencies.html",
        committee=committee,
        form=form,
        kinds=KIND_ORDER,
        every_labels=EVERY_LABELS,
        is_default=all(f.is_default for f in current.values()),
    )
