"""Marking essays: the queue of a quiz and one essay at a time (made for a phone).

Staff of the quiz's committee mark every essay; a branch secretary marks their
branch's members' essays when the quiz allows it (see ``services.marking``).
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import NotAllowed, NotFound
from studyhub.extensions import db
from studyhub.quizzes.access import load_managed_quiz, load_quiz_to_mark
from studyhub.quizzes.exam_forms import MarkForm
from studyhub.quizzes.forms import ConfirmForm
from studyhub.quizzes.services import marking
from studyhub.quizzes.views import bp
from studyhub.web.saving import committed, errors_on, run_button


@bp.get("/<int:quiz_id>/marking")
@login_required
def marking_queue(quiz_id: int):
    """How many essays wait, and the button to the first."""
    quiz, paths = load_quiz_to_mark(quiz_id)
    first = marking.next_item(db.session, quiz, paths, marker_id=current_user.id)
    return render_template(
        "quizzes/exams/marking_queue.html",
        quiz=quiz,
        waiting=marking.queue_size(db.session, quiz, paths, marker_id=current_user.id),
        first=first,
    )


@bp.route("/<int:quiz_id>/marking/<int:item_id>", methods=["GET", "POST"])
@login_required
def mark_essay(quiz_id: int, item_id: int):
    """One essay: the question, the answer, the model answer, the rubric, points, comment."""
    quiz, paths = load_quiz_to_mark(quiz_id)
    try:
        target = marking.load_target(db.session, quiz, item_id, paths, marker_id=current_user.id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    form = MarkForm()
    criteria = request.form.getlist("criterion")
    if request.method == "GET":
        form.feedback.data = target.item.feedback or ""
        if target.item.score is not None and not target.rubric:
            form.total.data = target.item.score
        criteria = list(target.item.criterion_marks or [])
    elif form.validate_on_submit():
        with errors_on(form):
            marking.mark(
                db.session,
                target,
                marks=criteria if target.rubric else None,
                total=form.total.data,
                feedback=form.feedback.data or "",
                marker_id=current_user.id,
                now=clock.now_utc(),
            )
            after = marking.next_item(
                db.session, quiz, paths, marker_id=current_user.id, after=item_id
            )
            url = (
                url_for("quizzes.mark_essay", quiz_id=quiz.id, item_id=after)
                if after
                else url_for("quizzes.marking_queue", quiz_id=quiz.id)
            )
            return committed(_("The mark was saved."), url)
    skip = marking.next_item(db.session, quiz, paths, marker_id=current_user.id, after=item_id)
    return render_template(
        "quizzes/exams/mark.html",
        quiz=quiz,
        target=target,
        form=form,
        criteria=criteria,
        skip=skip if skip != item_id else None,
        waiting=marking.queue_size(db.session, quiz, paths, marker_id=current_user.id),
    )


@bp.post("/<int:quiz_id>/branch-marking")
@login_required
def set_branch_marking(quiz_id: int):
    """Staff: let branch secretaries mark their members' essays (or stop them)."""
    quiz, _committee = load_managed_quiz(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    allowed = request.form.get("allowed") == "1"
    return run_button(
        lambda: marking.set_branch_marking(
            db.session, quiz, allowed, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("Branch secretaries may now mark their members' written answers.")
        if allowed
        else _("Only staff mark written answers now."),
        url_for("quizzes.quiz_admin", quiz_id=quiz.id),
    )
