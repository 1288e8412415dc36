"""Staff pages after (and around) an exam: overrides, regrading, results downloads.

All belong to the quiz's committee and ask for the right to manage it, like
the quiz's own management pages.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Response, abort, render_template, request, send_file, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import queries as org_queries
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.quizzes.access import load_managed_quiz, load_quiz_unit
from studyhub.quizzes.exam_forms import OverrideForm
from studyhub.quizzes.forms import ConfirmForm
from studyhub.quizzes.services import overrides, regrading, results
from studyhub.quizzes.views import bp
from studyhub.web.saving import committed, errors_on, refused, run_button, writes_on_get

MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _unit_choices(committee: OrgUnit) -> list[tuple[int, str]]:
    units = db.session.scalars(org_queries.units_under(committee.path))
    return [(0, "—")] + [
        (u.id, "　" * u.depth + u.name)
        for u in units
        if u.is_active and u.kind in (UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)
    ]


@bp.route("/<int:quiz_id>/overrides", methods=["GET", "POST"])
@login_required
def quiz_overrides(quiz_id: int):
    """An exam's exceptions for members and units (补考, extra time, later close)."""
    quiz, committee = load_managed_quiz(quiz_id)
    if quiz.mode != "exam":
        abort(404)
    form = OverrideForm()
    form.unit_id.choices = _unit_choices(committee)
    if form.validate_on_submit():
        with errors_on(form):
            user_id = None
            unit_id = form.unit_id.data or None
            if (form.member.data or "").strip():
                user_id = overrides.find_member(db.session, quiz, form.member.data)
                unit_id = None
            overrides.save_override(
                db.session,
                quiz,
                form.to_fields(committee.timezone),
                user_id=user_id,
                unit_id=unit_id,
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
            return committed(
                _("The exception was saved."), url_for("quizzes.quiz_overrides", quiz_id=quiz.id)
            )
    return render_template(
        "quizzes/exams/overrides.html",
        quiz=quiz,
        committee=committee,
        form=form,
        rows=overrides.override_rows(db.session, quiz),
        confirm_form=ConfirmForm(),
    )


@bp.post("/<int:quiz_id>/overrides/<int:override_id>/delete")
@login_required
def delete_override(quiz_id: int, override_id: int):
    quiz, _committee = load_managed_quiz(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return run_button(
        lambda: overrides.delete_override(
            db.session, quiz, override_id, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("The exception was removed."),
        url_for("quizzes.quiz_overrides", quiz_id=quiz.id),
    )


# Regrading -----------------------------------------------------------------------------------


@bp.route("/<int:quiz_id>/regrade", methods=["GET", "POST"])
@login_required
def regrade(quiz_id: int):
    """The dry run (GET): every attempt whose score would change; the confirmed run (POST)."""
    quiz, committee = load_managed_quiz(quiz_id)
    if quiz.mode == "daily":
        abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        url = url_for("quizzes.regrade", quiz_id=quiz.id)
        try:
            done = regrading.apply(
                db.session,
                quiz,
                actor_id=current_user.id,
                now=clock.now_utc(),
                expected=request.form.get("plan", ""),
            )
        except DomainError as exc:
            return refused(exc, url)
        message = _("%(n)d attempts were regraded.", n=len(done.changes))
        if done.frozen_quarters:
            message += " " + _(
                "Closed quarters keep their frozen scores: %(quarters)s.",
                quarters=", ".join(done.frozen_quarters),
            )
        return committed(message, url)
    return render_template(
        "quizzes/exams/regrade.html",
        quiz=quiz,
        committee=committee,
        plan=regrading.plan(db.session, quiz),
        form=form,
    )


# Results and responses downloads ------------------------------------------------------------


@bp.get("/<int:quiz_id>/downloads")
@login_required
def quiz_downloads(quiz_id: int):
    """Staff: the quiz's results and responses for the committee or one unit."""
    quiz, committee = load_managed_quiz(quiz_id)
    if quiz.mode == "daily":
        abort(404)
    return render_template(
        "quizzes/exams/downloads.html",
        quiz=quiz,
        committee=committee,
        units=[committee, *db.session.scalars(org_queries.units_under(committee.path))],
    )


@bp.get("/<int:quiz_id>/units/<int:unit_id>/<kind>.<file_format>")
@login_required
@writes_on_get  # the download's entry must be in the log before the file leaves
def quiz_download(quiz_id: int, unit_id: int, kind: str, file_format: str):
    if kind not in results.KINDS or file_format not in results.FORMATS:
        abort(404)
    # Staff any unit of the quiz's committee; whoever sees a unit, theirs once it is given to it.
    quiz, unit, _is_staff = load_quiz_unit(quiz_id, unit_id)
    name = results.file_name(quiz, unit, kind, file_format)
    record_download(
        db.session,
        unit,
        export=f"quiz_{kind}",
        file_name=name,
        actor_id=current_user.id,
        now=clock.now_utc(),
        details={"quiz": quiz.id},
    )
    if file_format == "csv":
        return Response(
            stream_with_context(results.csv_stream(db.session, quiz, unit, kind)),
            mimetype=MIME_TYPES["csv"],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    handle, raw_path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(raw_path)
    try:
        results.write_xlsx(db.session, quiz, unit, kind, path)
        stream = path.open("rb")  # opened before it is unlinked: it lives until sent
    finally:
        path.unlink(missing_ok=True)
    return send_file(stream, mimetype=MIME_TYPES["xlsx"], as_attachment=True, download_name=name)
