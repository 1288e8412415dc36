"""补学 pages: the secretary assigns it after the meeting; a member studies and marks it done."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access
from studyhub.meetings.forms import KIND_LABELS, MakeupAssignForm, to_local, to_utc
from studyhub.meetings.models import MakeupTask, Meeting
from studyhub.meetings.services import makeup
from studyhub.meetings.views import bp, meeting_url, require_confirmed
from studyhub.notify.mail import mail_enabled
from studyhub.quizzes.models import Quiz
from studyhub.web.saving import committed, errors_on, run_button


@bp.route("/<int:meeting_id>/makeup", methods=["GET", "POST"])
@login_required
def assign_makeup(meeting_id: int):
    """Who missed the meeting, their 补学 and its state; assign or move the deadline."""
    meeting = access.load_meeting_to_write(meeting_id)
    timezone = meeting.branch.timezone
    tasks = db.session.execute(
        select(MakeupTask, User.name)
        .join(User, User.id == MakeupTask.user_id)
        .where(MakeupTask.meeting_id == meeting.id)
        .order_by(MakeupTask.completed_at.is_(None).desc(), User.name)
    ).all()
    form = MakeupAssignForm()
    quizzes = db.session.execute(
        select(Quiz.id, Quiz.title)
        .where(Quiz.committee_id == meeting.committee_id)
        .order_by(Quiz.created_at.desc())
        .limit(30)
    ).all()
    form.quiz_id.choices = [SelectChoice(0, "—")] + [SelectChoice(q.id, q.title) for q in quizzes]
    if not form.is_submitted() and tasks:
        first = tasks[0][0]
        form.process(
            data={"due_at": to_local(first.due_at, timezone), "quiz_id": first.quiz_id or 0}
        )
    allowed = meeting.kind in makeup.MAKEUP_KINDS
    if allowed and form.validate_on_submit():
        quiz = db.session.get(Quiz, form.quiz_id.data) if form.quiz_id.data else None
        with errors_on(form):
            new = makeup.assign_makeup(
                db.session,
                meeting,
                due_at=to_utc(form.due_at.data, timezone),
                quiz=quiz,
                by=current_user,
                now=clock.now_utc(),
                email=mail_enabled(current_app.config),
            )
            return committed(_("补学 assigned to %(n)d more members.", n=new), meeting_url(meeting))
    return render_template(
        "meetings/makeup_assign.html",
        meeting=meeting,
        form=form,
        tasks=tasks,
        allowed=allowed,
        kind_labels=KIND_LABELS,
    )


@bp.get("/makeup")
@login_required
def my_makeup():
    """My 补学: open tasks first (by deadline), then those done."""
    rows = db.session.execute(
        select(MakeupTask, Meeting)
        .join(Meeting, Meeting.id == MakeupTask.meeting_id)
        .where(MakeupTask.user_id == current_user.id)
        .order_by(MakeupTask.completed_at.is_not(None), MakeupTask.due_at.desc())
        .limit(100)
    ).all()
    return render_template(
        "meetings/makeup_list.html", rows=rows, kind_labels=KIND_LABELS, now=clock.now_utc()
    )


def _my_task(task_id: int) -> MakeupTask:
    task = db.get_or_404(MakeupTask, task_id)
    if task.user_id != current_user.id:
        abort(404)
    return task


@bp.get("/makeup/<int:task_id>")
@login_required
def makeup_task(task_id: int):
    """The material of the meeting I missed, the test if set, and "done"."""
    task = _my_task(task_id)
    meeting = db.session.get(Meeting, task.meeting_id)
    quiz = db.session.get(Quiz, task.quiz_id) if task.quiz_id else None
    return render_template(
        "meetings/makeup_task.html",
        task=task,
        meeting=meeting,
        quiz=quiz,
        kind_labels=KIND_LABELS,
    )


@bp.post("/makeup/<int:task_id>/done")
@login_required
def makeup_done(task_id: int):
    require_confirmed()
    task = _my_task(task_id)
    return run_button(
        lambda: makeup.complete_makeup(db.session, task, current_user, now=clock.now_utc()),
        _("补学 done: it shows on the meeting's record."),
        url_for("meetings.makeup_task", task_id=task.id),
    )
