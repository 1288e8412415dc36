"""Meeting lists: a member's meetings, a branch's meetings by state, and the staff's review
queue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access, queries
from studyhub.meetings.forms import (
    ATTENDANCE_LABELS,
    KIND_LABELS,
    LEAVE_LABELS,
)
from studyhub.meetings.models import (
    MakeupTask,
    MeetingState,
)
from studyhub.meetings.services.audit import STATE_LABELS
from studyhub.meetings.services.makeup import MAKEUP_REASON
from studyhub.meetings.views import (
    bp,
    grants,
)
from studyhub.org import access as org_access
from studyhub.org.access import GROUP_ROLES
from studyhub.org.queries import member_of_user

UPCOMING_FROM = timedelta(hours=12)  # a meeting stays "upcoming" a while after its start
LIST_LIMIT = 300


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {
        "meeting_kind_labels": KIND_LABELS,
        "meeting_state_labels": STATE_LABELS,
        "attendance_labels": ATTENDANCE_LABELS,
        # An absent row whose reason is this was made up (a live lesson's replay, a task):
        # shown as 补学 beside the status, never as attendance.
        "makeup_reason": MAKEUP_REASON,
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
    # 补学 shows beside the record of a meeting the member missed, never as attendance.
    makeups = {
        task.meeting_id: task
        for task in db.session.scalars(
            select(MakeupTask).where(MakeupTask.user_id == current_user.id).limit(200)
        )
    }
    lead_paths = [s.path for s in me.led_units]
    branches = list(
        db.session.scalars(queries.led_branches(lead_paths, me.paths(GROUP_ROLES)).limit(50))
    )
    return render_template(
        "meetings/index.html",
        upcoming=upcoming,
        past=past,
        makeups=makeups,
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
