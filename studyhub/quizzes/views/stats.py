"""Staff pages: item analysis of a quiz; secretaries' per-member statuses.

The item analysis is for the committee's staff. A member's status on a quiz
(not started, in progress, submitted with the grade, passed) is for those who
see the unit — its secretary and branch committee, and staff above — and only
for quizzes given to that unit (staff see any quiz of their committee).
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import login_required

from studyhub.extensions import db
from studyhub.org import access
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.quizzes import queries
from studyhub.quizzes.models import Quiz, QuizMode
from studyhub.quizzes.services import marking, overrides, stats
from studyhub.quizzes.services.quizzes import ancestor_ids
from studyhub.quizzes.views import bp, grants

STATUS_UNITS = (UnitKind.GENERAL_BRANCH, UnitKind.BRANCH, UnitKind.GROUP)


def _staff_quiz(quiz_id: int) -> tuple[Quiz, OrgUnit]:
    quiz = db.get_or_404(Quiz, quiz_id)
    committee = db.get_or_404(OrgUnit, quiz.committee_id)
    access.require_manage_unit(grants(), committee)
    return quiz, committee


@bp.get("/<int:quiz_id>/statistics")
@login_required
def quiz_statistics(quiz_id: int):
    """Per question: facility, SD, discrimination, efficiency, answers; flags on broken ones."""
    quiz, committee = _staff_quiz(quiz_id)
    which = request.args.get("attempts", "first")
    if which not in stats.WHICH:
        abort(404)
    result = stats.quiz_statistics(db.session, quiz, which=which)
    return render_template(
        "quizzes/stats/statistics.html", quiz=quiz, committee=committee, result=result
    )


def _viewable_unit(unit_id: int) -> OrgUnit:
    unit = db.get_or_404(OrgUnit, unit_id)
    if unit.kind not in STATUS_UNITS:
        abort(404)
    access.require_view_unit(grants(), unit)
    return unit


def _given_to(quiz: Quiz, unit: OrgUnit) -> bool:
    return bool(db.session.scalar(queries.is_assigned(quiz.id, ancestor_ids(unit.path))))


@bp.get("/<int:quiz_id>/units/<int:unit_id>/status")
@login_required
def unit_status(quiz_id: int, unit_id: int):
    """Each active member of the unit: not started, in progress, submitted, grade, passed."""
    quiz = db.get_or_404(Quiz, quiz_id)
    unit = _viewable_unit(unit_id)
    if quiz.committee_id != unit.committee_id or quiz.mode == QuizMode.DAILY:
        abort(404)
    committee = db.session.get(OrgUnit, quiz.committee_id)
    is_staff = committee is not None and access.can_manage_unit(grants(), committee)
    if not is_staff and (quiz.published_at is None or not _given_to(quiz, unit)):
        abort(404)
    table = stats.unit_status(db.session, quiz, unit)
    return render_template(
        "quizzes/stats/status.html",
        quiz=quiz,
        unit=unit,
        table=table,
        is_staff=is_staff,
        exceptions=overrides.for_members(db.session, quiz, unit),
        can_mark=bool(committee and marking.marker_paths(grants(), quiz, committee)),
    )


@bp.get("/units/<int:unit_id>/quizzes")
@login_required
def unit_quizzes(unit_id: int):
    """The quizzes given to the unit (or above it), each linking to its members' statuses."""
    unit = _viewable_unit(unit_id)
    quizzes = list(
        db.session.scalars(queries.assigned_quizzes(unit.committee_id, ancestor_ids(unit.path)))
    )
    return render_template("quizzes/stats/unit_quizzes.html", unit=unit, quizzes=quizzes)
