"""Meeting pages: the lists, planning, recording, review, the printed record, attachments.

A branch's secretary and committee (and a group leader for the group's
meetings) plan and record on their phone; committee staff approve or return
the submitted records; members see upcoming meetings and the records once
submitted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access, queries
from studyhub.meetings.forms import (
    ATTENDANCE_LABELS,
    EVENT_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    LEAVE_LABELS,
    TEST_LABELS,
    AttachmentForm,
    ConfirmForm,
    DecideLeaveForm,
    LeaveForm,
    MeetingForm,
    ReasonForm,
    RecordForm,
    to_local,
    to_utc,
)
from studyhub.meetings.models import (
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingState,
    StudyEvidence,
)
from studyhub.meetings.services import attachments, attendance, records
from studyhub.meetings.services.audit import STATE_LABELS
from studyhub.meetings.views import (
    act,
    bp,
    grants,
    load_meeting,
    meeting_url,
    require_confirmed,
)
from studyhub.meetings.views.checkin import current_code
from studyhub.org import access as org_access
from studyhub.org.access import GROUP_ROLES
from studyhub.org.models import OrgUnit
from studyhub.org.queries import groups_of, member_of_user
from studyhub.plans.models import StudyPlan
from studyhub.web.saving import committed, errors_on, run_button
from studyhub.web.storage import current_storage, send_stored

UPCOMING_FROM = timedelta(hours=12)  # a meeting stays "upcoming" a while after its start
LIST_LIMIT = 300


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {
        "meeting_kind_labels": KIND_LABELS,
        "meeting_state_labels": STATE_LABELS,
        "attendance_labels": ATTENDANCE_LABELS,
    }


@bp.get("/")
@login_required
def index():
    """Everyone's way in: my meetings as a member, my branches as a leader, the review queue."""
    me = grants()
    now = clock.now_utc()
    member = db.session.scalars(member_of_user(current_user.id)).first()
    upcoming, past = [], []
    if member is not None and member.is_active:
        upcoming = db.session.execute(
            queries.member_upcoming(member, current_user.id, now - UPCOMING_FROM).limit(20)
        ).all()
        past = db.session.execute(queries.member_records(member, current_user.id).limit(30)).all()
    lead_paths = [s.path for s in me.led_units]
    branches = list(
        db.session.scalars(queries.led_branches(lead_paths, me.paths(GROUP_ROLES)).limit(50))
    )
    return render_template(
        "meetings/index.html",
        upcoming=upcoming,
        past=past,
        branches=branches,
        is_reviewer=me.is_staff,
        leave_labels=LEAVE_LABELS,
        askable={
            m.id
            for m, _att, _leave in upcoming
            if m.state == MeetingState.PLANNED and clock.as_utc(m.planned_at) > now
        },
    )


def _sections(rows: list[Any], now: datetime) -> dict[str, list[Any]]:
    """A branch's meetings by what the secretary has to do with them."""
    sections: dict[str, list[Any]] = {
        "upcoming": [],
        "to_record": [],
        "returned": [],
        "submitted": [],
        "approved": [],
        "cancelled": [],
    }
    for row in rows:
        meeting = row[0]
        if meeting.state == MeetingState.PLANNED:
            due = clock.as_utc(meeting.planned_at) <= now
            sections["to_record" if due else "upcoming"].append(row)
        elif meeting.state == MeetingState.HELD:
            sections["to_record"].append(row)
        else:
            sections[meeting.state.value].append(row)
    sections["upcoming"].reverse()  # soonest first
    return sections


@bp.get("/branches/<int:unit_id>")
@login_required
def branch(unit_id: int):
    """A branch's meetings: upcoming, to record, returned, submitted, approved."""
    branch = access.load_branch(unit_id)
    me = grants()
    access.require_see_branch(me, branch)
    sees_all = access.can_write(me, branch) or org_access.can_view_unit(me, branch)
    group_paths = None if sees_all else access.led_group_paths(me, branch)
    rows = db.session.execute(
        queries.branch_meetings(branch.id, group_paths=group_paths).limit(LIST_LIMIT)
    ).all()
    return render_template(
        "meetings/branch.html",
        branch=branch,
        sections=_sections(rows, clock.now_utc()),
        can_plan=access.can_plan_in(me, branch),
        can_see_compliance=org_access.can_view_unit(me, branch),
    )


def _choices(form: MeetingForm, branch: OrgUnit, me) -> tuple[dict[int, OrgUnit], dict]:
    """Fill the form's lists for this user; returns the groups and plans it offers by id."""
    groups = {g.id: g for g in db.session.scalars(groups_of(branch.id))}
    if not access.can_write(me, branch):
        led = set(access.led_group_paths(me, branch))
        groups = {gid: g for gid, g in groups.items() if g.path in led}
        kinds = [MeetingKind.GROUP_MEETING]
    else:
        kinds = list(MeetingKind)
    plans = {p.id: p for p in db.session.scalars(queries.linkable_plans(branch).limit(20))}
    form.kind.choices = [SelectChoice(k.value, KIND_LABELS[k]) for k in kinds]
    form.group_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(gid, g.name) for gid, g in groups.items()
    ]
    form.plan_id.choices = [SelectChoice(0, _("None"))] + [
        SelectChoice(pid, f"{p.year} Q{p.quarter} · {p.title}") for pid, p in plans.items()
    ]
    return groups, plans


def _fields(
    form: MeetingForm, branch: OrgUnit, groups: dict[int, OrgUnit], plans: dict[int, StudyPlan]
) -> records.MeetingFields:
    kind = MeetingKind(form.kind.data)
    return records.MeetingFields(
        kind=kind,
        title=form.title.data or "",
        planned_at=to_utc(form.planned_at.data, branch.timezone),
        group=groups.get(form.group_id.data) if kind == MeetingKind.GROUP_MEETING else None,
        place=form.place.data or "",
        host_name=form.host_name.data or "",
        recorder_name=form.recorder_name.data or "",
        lecturer_name=form.lecturer_name.data or "",
        invitees=form.invitees.data or "",
        agenda=form.agenda.data or "",
        plan=plans.get(form.plan_id.data) if kind in queries.PLAN_KINDS else None,
    )


@bp.route("/branches/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def new(unit_id: int):
    branch = access.load_branch(unit_id)
    me = grants()
    access.require_plan_in(me, branch)
    form = MeetingForm()
    groups, plans = _choices(form, branch, me)
    if not form.is_submitted():
        form.recorder_name.data = current_user.name
        form.kind.data = request.args.get("kind") or form.kind.choices[0].value
    if form.validate_on_submit():
        fields = _fields(form, branch, groups, plans)
        access.require_write(me, branch, fields.group)
        with errors_on(form):
            meeting = records.plan_meeting(
                db.session, branch, fields, by=current_user, now=clock.now_utc()
            )
            return committed(_("The meeting is planned."), meeting_url(meeting))
    return render_template("meetings/form.html", form=form, branch=branch, meeting=None)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    me = grants()
    branch = meeting.branch
    form = MeetingForm()
    groups, plans = _choices(form, branch, me)
    if not form.is_submitted():
        form.process(
            data={
                "kind": meeting.kind.value,
                "group_id": meeting.group_id or 0,
                "title": meeting.title,
                "planned_at": to_local(meeting.planned_at, branch.timezone),
                "place": meeting.place,
                "host_name": meeting.host_name,
                "recorder_name": meeting.recorder_name,
                "lecturer_name": meeting.lecturer_name,
                "invitees": meeting.invitees,
                "agenda": meeting.agenda,
                "plan_id": meeting.plan_id or 0,
            }
        )
    if form.validate_on_submit():
        fields = _fields(form, branch, groups, plans)
        access.require_write(me, branch, fields.group)
        with errors_on(form):
            records.update_meeting(
                db.session, meeting, fields, by=current_user, now=clock.now_utc()
            )
            return committed(_("Saved."), meeting_url(meeting))
    return render_template("meetings/form.html", form=form, branch=branch, meeting=meeting)


def _record_parts(meeting: Meeting) -> dict[str, Any]:
    """What the record page and the printed record show: counts, attendees, evidence, files."""
    counts_row = db.session.execute(queries.counts_of([meeting.id])).first()
    attendees = db.session.execute(queries.attendance_list(meeting.id)).all()
    return {
        "counts": queries.Counts.from_row(counts_row) if counts_row else queries.Counts(),
        "attendees": attendees,
        "absentees": [(a, name) for a, name in attendees if a.status not in queries.ATTENDED],
        "evidence": db.session.scalar(
            select(StudyEvidence).where(StudyEvidence.meeting_id == meeting.id)
        ),
        "files": list(db.session.scalars(queries.attachments(meeting.id))),
        "test_labels": TEST_LABELS,
    }


def _days_late(meeting: Meeting) -> int | None:
    """How many days after the meeting its record was first written, when more than two."""
    if meeting.recorded_at is None or meeting.started_at is None:
        return None
    days = (clock.as_utc(meeting.recorded_at) - clock.as_utc(meeting.started_at)).days
    return days if days > 2 else None


def _people(meeting: Meeting) -> dict[int, str]:
    """Names of who planned, recorded and reviewed the meeting, by user id."""
    ids = [meeting.created_by_id, meeting.recorded_by_id, meeting.reviewed_by_id]
    return dict(db.session.execute(queries.user_names(ids)).all())


@bp.get("/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    """The meeting and its record, with what this user may do to it."""
    meeting = access.load_meeting_to_see(meeting_id)
    me = grants()
    now = clock.now_utc()
    can_write = access.can_write(me, meeting.branch, meeting.group)
    can_review = access.can_review(me, meeting.branch)
    leads = access.can_lead_view(me, meeting)
    context: dict[str, Any] = {}
    if access.can_see_record(me, meeting):
        context.update(_record_parts(meeting))
    checkin_open = attendance.is_checkin_open(meeting)
    if can_write and checkin_open:
        context["code"] = current_code(meeting)
        context["qr"] = Markup(context["code"]["svg"])
    if leads:
        context["trail"] = db.session.execute(queries.events(meeting.id)).all()
        context["leaves"] = db.session.execute(queries.leave_requests(meeting.id)).all()
    if access.is_attendee_scope(me, meeting.branch, meeting.group):
        context["my_attendance"] = db.session.scalars(
            queries.attendance_of(meeting.id, current_user.id)
        ).first()
        context["my_leave"] = db.session.scalars(
            queries.leave_of(meeting.id, current_user.id)
        ).first()
        context["may_ask_leave"] = meeting.state == MeetingState.PLANNED and now < clock.as_utc(
            meeting.planned_at
        )
    return render_template(
        "meetings/meeting.html",
        meeting=meeting,
        branch=meeting.branch,
        can_write=can_write,
        can_review=can_review and meeting.state == MeetingState.SUBMITTED,
        checkin_open=checkin_open,
        confirm_form=ConfirmForm(),
        cancel_form=ReasonForm(prefix="cancel"),
        return_form=ReasonForm(prefix="return"),
        leave_form=LeaveForm(prefix="leave"),
        decide_form=DecideLeaveForm(),
        attachment_form=AttachmentForm(),
        leave_labels=LEAVE_LABELS,
        event_labels=EVENT_LABELS,
        field_labels=FIELD_LABELS,
        editable=meeting.state in records.EDITABLE_STATES,
        people=_people(meeting),
        recorded_late_days=_days_late(meeting),
        **context,
    )


@bp.route("/<int:meeting_id>/record", methods=["GET", "POST"])
@login_required
def record(meeting_id: int):
    """Write what happened: times, minutes, decisions."""
    meeting = access.load_meeting_to_write(meeting_id)
    timezone = meeting.branch.timezone
    form = RecordForm()
    if not form.is_submitted():
        form.process(
            data={
                "started_at": to_local(meeting.started_at or meeting.planned_at, timezone),
                "ended_at": to_local(meeting.ended_at, timezone) if meeting.ended_at else None,
                "minutes_markdown": meeting.minutes_markdown,
                "decisions": meeting.decisions,
            }
        )
    if form.validate_on_submit():
        fields = records.RecordFields(
            started_at=to_utc(form.started_at.data, timezone),
            ended_at=to_utc(form.ended_at.data, timezone) if form.ended_at.data else None,
            minutes_markdown=form.minutes_markdown.data or "",
            decisions=form.decisions.data or "",
        )
        with errors_on(form):
            records.record_meeting(
                db.session, meeting, fields, by=current_user, now=clock.now_utc()
            )
            return committed(_("The record is saved."), meeting_url(meeting))
    return render_template("meetings/record.html", form=form, meeting=meeting)


@bp.post("/<int:meeting_id>/submit")
@login_required
def submit(meeting_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    require_confirmed()
    return act(meeting, records.submit_meeting, _("The record is submitted to the committee."))


@bp.post("/<int:meeting_id>/approve")
@login_required
def approve(meeting_id: int):
    meeting = access.load_meeting_to_review(meeting_id)
    require_confirmed()
    return act(meeting, records.approve_meeting, _("The record is approved."))


def _with_reason(meeting: Meeting, action, success: str, prefix: str):
    form = ReasonForm(prefix=prefix)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return act(meeting, action, success, reason=form.reason.data)


@bp.post("/<int:meeting_id>/return")
@login_required
def return_record(meeting_id: int):
    meeting = access.load_meeting_to_review(meeting_id)
    return _with_reason(
        meeting, records.return_meeting, _("The record is returned to the branch."), "return"
    )


@bp.post("/<int:meeting_id>/cancel")
@login_required
def cancel(meeting_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    return _with_reason(meeting, records.cancel_meeting, _("The meeting is cancelled."), "cancel")


@bp.get("/review")
@login_required
def review():
    """Committee staff: the records of their branches, those waiting for review first."""
    me = grants()
    org_access.require_staff(me)
    rows = db.session.execute(queries.review_queue(me.manage_paths).limit(LIST_LIMIT)).all()
    waiting = [r for r in rows if r[0].state == MeetingState.SUBMITTED]
    returned = [r for r in rows if r[0].state == MeetingState.RETURNED]
    approved = [r for r in rows if r[0].state == MeetingState.APPROVED][:50]
    return render_template(
        "meetings/review.html", waiting=waiting, returned=returned, approved=approved
    )


@bp.get("/<int:meeting_id>/print")
@login_required
def print_record(meeting_id: int):
    """党支部工作记录: the record on an A4 page."""
    meeting = access.load_record_to_see(meeting_id)
    return render_template(
        "meetings/print.html",
        meeting=meeting,
        branch=meeting.branch,
        people=_people(meeting),
        **_record_parts(meeting),
    )


@bp.post("/<int:meeting_id>/attachments")
@login_required
def attach(meeting_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id, _anchor="files"))
    return run_button(
        lambda: attachments.add_attachment(
            db.session,
            meeting,
            form.file.data.stream,
            filename=form.file.data.filename,
            storage=current_storage(),
            max_bytes=current_app.config["MEETING_ATTACHMENT_MAX_BYTES"],
            by=current_user,
            now=clock.now_utc(),
        ),
        _("The file is attached."),
        meeting_url(meeting, "files"),
    )


def _attachment(meeting: Meeting, attachment_id: int) -> MeetingAttachment:
    attachment = db.session.get(MeetingAttachment, attachment_id)
    if attachment is None or attachment.meeting_id != meeting.id:
        abort(404)
    return attachment


@bp.post("/<int:meeting_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(meeting_id: int, attachment_id: int):
    meeting = access.load_meeting_to_write(meeting_id)
    attachment = _attachment(meeting, attachment_id)
    require_confirmed()
    return run_button(
        lambda: attachments.remove_attachment(
            db.session, attachment, meeting, by=current_user, now=clock.now_utc()
        ),
        _("The file is removed."),
        meeting_url(meeting, "files"),
    )


@bp.get("/<int:meeting_id>/attachments/<int:attachment_id>")
@login_required
def attachment_file(meeting_id: int, attachment_id: int):
    """A photo (shown) or PDF (downloaded), to those who may see the record."""
    meeting = load_meeting(meeting_id)
    if not access.can_see_record(grants(), meeting):
        abort(404)
    attachment = _attachment(meeting, attachment_id)
    is_pdf = attachment.mime_type == "application/pdf"
    response = send_stored(
        current_storage(),
        attachments.stored_key(attachment),
        mimetype=attachment.mime_type,
        as_attachment=is_pdf,
        download_name=attachment.filename,
        etag=attachment.sha256,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
