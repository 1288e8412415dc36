"""A meeting's pages: planning and editing it, the meeting and its record, recording,
submitting, approving, returning and cancelling, and the printed record.

A branch's secretary and committee (and a group leader for the group's
meetings) plan and record on their phone; committee staff approve or return
the submitted records; members see upcoming meetings and the records once
submitted.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access, queries
from studyhub.meetings.forms import (
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
    MeetingKind,
    MeetingState,
    StudyEvidence,
)
from studyhub.meetings.services import attendance, documents, records
from studyhub.meetings.views import (
    act,
    bp,
    grants,
    meeting_url,
    require_confirmed,
)
from studyhub.meetings.views.checkin import current_code
from studyhub.org.models import OrgUnit
from studyhub.org.queries import groups_of
from studyhub.plans.models import StudyPlan
from studyhub.web.filters import use_timezone
from studyhub.web.saving import committed, errors_on


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
    use_timezone(meeting.branch.timezone)
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
    if access.is_invited(me, meeting):
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
        can_choose_participants=can_review and meeting.state == MeetingState.PLANNED,
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


@bp.get("/<int:meeting_id>/print")
@login_required
def print_record(meeting_id: int):
    """党支部工作记录: the record on an A4 page."""
    meeting = access.load_record_to_see(meeting_id)
    use_timezone(meeting.branch.timezone)
    return render_template(
        "meetings/print.html",
        meeting=meeting,
        branch=meeting.branch,
        joint_branches=documents.joint_branch_names(db.session, meeting.id),
        people=_people(meeting),
        **_record_parts(meeting),
    )
