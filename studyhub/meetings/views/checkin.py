"""Check-in and attendance: the QR code on the secretary's phone, the member's scan,
manual marks, leave requests, and the home panel of upcoming meetings.

The code's URL carries a token that changes every minute; the screen fetches a
new one every 30 seconds (a meta refresh does it without JavaScript). A member
who scans it logs in if needed (the login page sends them back), sees the
meeting, and taps once to check in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import segno
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.meetings import access, queries
from studyhub.meetings.forms import (
    LEAVE_LABELS,
    CheckinForm,
    ConfirmForm,
    DecideLeaveForm,
    LeaveForm,
    MarkForm,
)
from studyhub.meetings.models import Attendance, AttendanceStatus, LeaveRequest, Meeting
from studyhub.meetings.services import attendance
from studyhub.meetings.views import (
    act,
    back_to,
    bp,
    load_meeting,
    meeting_url,
    require_confirmed,
)
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.saving import run_button

REFRESH_SECONDS = 30
PANEL_DAYS = 14


@bp.post("/<int:meeting_id>/checkin/open")
@login_required
def open_checkin(meeting_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    require_confirmed()
    try:
        attendance.open_checkin(db.session, meeting, by=current_user, now=clock.now_utc())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back_to(meeting)
    return redirect(url_for("meetings.checkin_screen", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/checkin/close")
@login_required
def close_checkin(meeting_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    require_confirmed()
    return act(meeting, attendance.close_checkin, _("Check-in is closed."))


def current_code(meeting: Meeting) -> dict[str, Any]:
    """The current check-in URL, its QR code as inline SVG, and the counts so far."""
    token = attendance.checkin_token(meeting.id, secret=current_app.secret_key, now=clock.now_utc())
    url = url_for("meetings.checkin", meeting_id=meeting.id, t=token, _external=True)
    svg = segno.make(url, error="m").svg_inline(
        scale=6, border=2, title=_("Check-in code"), svgclass="qr", lineclass=None, omitsize=True
    )
    row = db.session.execute(queries.counts_of([meeting.id])).first()
    counts = queries.Counts.from_row(row) if row else queries.Counts()
    return {"url": url, "svg": svg, "attended": counts.attended, "expected": counts.expected}


@bp.get("/<int:meeting_id>/checkin/screen")
@login_required
def checkin_screen(meeting_id: int):
    """The QR code to show the room, refreshed every half minute, with the count so far."""
    meeting = access.load_meeting_to_write(meeting_id)
    if not attendance.is_checkin_open(meeting):
        flash(_("Check-in is not open for this meeting."), "error")
        return back_to(meeting)
    code = current_code(meeting)
    return render_template(
        "meetings/screen.html",
        meeting=meeting,
        code=code,
        qr=Markup(code["svg"]),
        refresh_seconds=REFRESH_SECONDS,
        confirm_form=ConfirmForm(),
    )


@bp.get("/<int:meeting_id>/checkin/code")
@login_required
def checkin_code(meeting_id: int):
    """The screen's script asks here for a fresh code."""
    meeting = access.load_meeting_to_write(meeting_id)
    if not attendance.is_checkin_open(meeting):
        return jsonify(open=False), 409
    response = jsonify(open=True, **current_code(meeting))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:meeting_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin(meeting_id: int):
    """Where the QR code leads: the member confirms with one tap and is marked present."""
    meeting = load_meeting(meeting_id)
    form = CheckinForm()
    token = form.token.data if form.is_submitted() else request.args.get("t", "")
    now = clock.now_utc()
    secret = current_app.secret_key
    try:
        if form.validate_on_submit():
            row = attendance.check_in(
                db.session,
                meeting,
                current_user,
                token=token,
                secret=secret,
                now=now,
                grace=timedelta(minutes=current_app.config["CHECKIN_LATE_GRACE_MINUTES"]),
            )
            return render_template("meetings/checkin.html", meeting=meeting, done=row)
        row = attendance.scanned(
            db.session, meeting, current_user, token=token, secret=secret, now=now
        )
    except DomainError as exc:
        return (
            render_template("meetings/checkin.html", meeting=meeting, error=str(exc)),
            exc.http_status,
        )
    if row.status in queries.ATTENDED:
        return render_template("meetings/checkin.html", meeting=meeting, done=row)
    form.token.data = token
    return render_template("meetings/checkin.html", meeting=meeting, form=form)


@bp.get("/<int:meeting_id>/attendance")
@login_required
def attendance_page(meeting_id: int):
    """The secretary's list: mark or correct each attendee; decide leave requests."""
    meeting = access.load_meeting_to_write(meeting_id)
    row = db.session.execute(queries.counts_of([meeting.id])).first()
    return render_template(
        "meetings/attendance.html",
        meeting=meeting,
        counts=queries.Counts.from_row(row) if row else queries.Counts(),
        attendees=db.session.execute(queries.attendance_list(meeting.id)).all(),
        leaves=db.session.execute(queries.leave_requests(meeting.id)).all(),
        has_roster=attendance.has_roster(db.session, meeting),
        checkin_open=attendance.is_checkin_open(meeting),
        editable=meeting.state in attendance.MARKING_STATES,
        mark_form=MarkForm(),
        decide_form=DecideLeaveForm(),
        confirm_form=ConfirmForm(),
        leave_labels=LEAVE_LABELS,
    )


@bp.post("/<int:meeting_id>/roster")
@login_required
def take_roster(meeting_id: int):
    """Take the roster without QR check-in (attendance marked by hand)."""
    meeting = access.load_meeting_to_write(meeting_id)
    require_confirmed()
    return run_button(
        lambda: attendance.take_roster(db.session, meeting, by=current_user, now=clock.now_utc()),
        None,
        url_for("meetings.attendance_page", meeting_id=meeting.id),
    )


@bp.post("/<int:meeting_id>/attendance/<int:attendance_id>")
@login_required
def mark(meeting_id: int, attendance_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    row = db.session.get(Attendance, attendance_id)
    if row is None or row.meeting_id != meeting.id:
        abort(404)
    form = MarkForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    else:
        try:
            changed = attendance.mark_attendance(
                db.session,
                row,
                status=AttendanceStatus(form.status.data),
                reason=form.reason.data,
                by=current_user,
                now=clock.now_utc(),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            if changed:
                flash(_("Attendance of %(name)s is saved.", name=row.user.name), "success")
    return redirect(
        url_for("meetings.attendance_page", meeting_id=meeting.id, _anchor=f"a{row.id}")
    )


@bp.post("/<int:meeting_id>/leave")
@login_required
def ask_leave(meeting_id: int):
    """A member asks to be excused, with a reason."""
    meeting = access.load_meeting_to_see(meeting_id)
    form = LeaveForm(prefix="leave")
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return back_to(meeting, "leave")
    return run_button(
        lambda: attendance.request_leave(
            db.session, meeting, current_user, reason=form.reason.data, now=clock.now_utc()
        ),
        _("Your request for leave is sent to the secretary."),
        meeting_url(meeting, "leave"),
    )


@bp.post("/<int:meeting_id>/leave/<int:leave_id>")
@login_required
def decide_leave(meeting_id: int, leave_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    leave = db.session.get(LeaveRequest, leave_id)
    if leave is None or leave.meeting_id != meeting.id:
        abort(404)
    form = DecideLeaveForm()
    if not form.validate_on_submit():
        abort(400)
    approve = form.decision.data == "approve"
    if request.form.get("next") == "attendance":
        url = url_for("meetings.attendance_page", meeting_id=meeting.id)
    else:
        url = meeting_url(meeting, "leaves")
    return run_button(
        lambda: attendance.decide_leave(
            db.session, leave, meeting, approve=approve, by=current_user, now=clock.now_utc()
        ),
        _("Leave approved.") if approve else _("Leave refused."),
        url,
    )


def upcoming_panel(user: Any, now) -> HomePanel | None:
    """The home page's panel for members: the branch's meetings of the next two weeks."""
    if not getattr(user, "is_authenticated", False):
        return None
    rows = db.session.execute(
        queries.upcoming_for_home(),
        {
            "user_id": user.id,
            "since": now - timedelta(hours=12),
            "until": now + timedelta(days=PANEL_DAYS),
        },
    ).all()
    if not rows:
        return None
    return HomePanel(
        template="meetings/panels/upcoming.html",
        context={"rows": rows, "leave_labels": LEAVE_LABELS},
    )


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, 40, upcoming_panel)
