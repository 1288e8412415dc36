"""Joint meetings: committee staff choose the branches taking part in a planned meeting."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access
from studyhub.meetings.services import joint
from studyhub.meetings.views import bp, grants, meeting_url, require_confirmed
from studyhub.web.saving import run_button


@bp.route("/<int:meeting_id>/participants", methods=["GET", "POST"])
@login_required
def participants(meeting_id: int):
    """Which other branches take part (a joint meeting), or the whole committee."""
    meeting = access.load_meeting_to_see(meeting_id)
    me = grants()
    if not access.can_review(me, meeting.branch):
        abort(403)
    branches = joint.committee_branches(db.session, meeting.committee_id)
    if request.method == "POST":
        require_confirmed()
        if request.form.get("whole") == "y":
            chosen = branches
        else:
            ids = {int(v) for v in request.form.getlist("branch") if v.isdigit()}
            chosen = [b for b in branches if b.id in ids]
        return run_button(
            lambda: joint.set_participants(
                db.session, meeting, chosen, by=current_user, now=clock.now_utc()
            ),
            _("The branches taking part are saved."),
            meeting_url(meeting),
        )
    taking_part = {p.branch_id for p in meeting.participants}
    return render_template(
        "meetings/participants.html",
        meeting=meeting,
        branches=[b for b in branches if b.id != meeting.branch_id],
        taking_part=taking_part,
    )
