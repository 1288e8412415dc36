"""The secretary's "who has studied" page: counts, the "not studied" filter, reminders.

A reminder keeps the secretary's place: the page comes back at the row (or the
summary) they acted on, with the result shown there (``flashes_inline``).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.notify.mail import mail_enabled
from studyhub.notify.sms import sms_enabled
from studyhub.org import access
from studyhub.org.access import grants as _grants
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.readings.forms import StudyRemindForm
from studyhub.readings.services import reminders, tracking
from studyhub.readings.services.tracking import BranchStudy
from studyhub.readings.views import bp

NOT_STUDIED = "not_studied"


def can_remind(branch: OrgUnit) -> bool:
    """The branch's secretary and branch committee remind (as on the plan board)."""
    return branch.kind == UnitKind.BRANCH and any(
        s.unit_id == branch.id for s in _grants().led_units
    )


def render_branch_study(branch: OrgUnit, table: BranchStudy):
    """The page, with counts, the filter and the remind buttons."""
    show = request.args.get("show")
    studied = sum(1 for r in table.rows if r.studied_today)
    rows = [r for r in table.rows if not r.studied_today] if show == NOT_STUDIED else table.rows
    allowed = can_remind(branch) and table.today_reading is not None
    reminded = (
        reminders.reminded_today(
            db.session,
            table.today_reading,
            table.today,
            [r.member_id for r in table.rows if not r.studied_today],
        )
        if allowed
        else set()
    )
    acted = request.args.get("acted", type=int)
    return render_template(
        "readings/branch_study.html",
        branch=branch,
        table=table,
        rows=rows,
        show=show,
        studied=studied,
        not_studied=len(table.rows) - studied,
        can_remind=allowed,
        reminded=reminded,
        remind_form=StudyRemindForm() if allowed else None,
        # The row reminded just now: its result is shown beside it.
        acted=acted if acted in {r.member_id for r in rows} else None,
        flashes_inline=True,
    )


@bp.post("/readings/branches/<int:unit_id>/study/remind")
@login_required
def remind_study(unit_id: int):
    """Remind one member, or everyone not yet done, to study today's reading."""
    now = clock.now_utc()
    branch = db.get_or_404(OrgUnit, unit_id)
    if branch.kind != UnitKind.BRANCH:
        abort(404)
    access.require_view_unit(_grants(), branch)
    if not can_remind(branch):
        abort(403)
    form = StudyRemindForm()
    if not form.validate_on_submit():
        abort(400)
    table = tracking.branch_study(db.session, branch, now=now)
    if table.today_reading is None:
        flash(_("No reading today."), "info")
        return redirect(url_for("readings.branch_study", unit_id=branch.id))
    member_id = form.member_id.data or None
    done = reminders.remind_not_studied(
        db.session,
        branch,
        table.today_reading,
        day=table.today,
        now=now,
        member_id=member_id,
        email=mail_enabled(current_app.config),
        sms=sms_enabled(current_app.config),
    )
    if done.reminded:
        flash(
            ngettext("%(num)d member reminded.", "%(num)d members reminded.", done.reminded),
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
    if done.posted:
        flash(_("Posted to the branch's group chat."), "success")
    if not done.reminded and not done.skipped:
        flash(_("Everyone has studied today's reading."), "info")
    return redirect(
        url_for(
            "readings.branch_study",
            unit_id=branch.id,
            show=request.args.get("show") or None,
            acted=member_id,
            _anchor=f"m-{member_id}" if member_id else "study-summary",
        )
    )
