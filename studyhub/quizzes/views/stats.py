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
from studyhub.quizzes.access import load_managed_quiz, load_quiz_unit
from studyhub.quizzes.services import marking, overrides, stats
from studyhub.quizzes.services.quizzes import ancestor_ids
from studyhub.quizzes.views import bp, grants

STATUS_UNITS = (UnitKind.GENERAL_BRANCH, UnitKind.BRANCH, UnitKind.GROUP)


@bp.get("/<int:quiz_id>/statistics")
@login_required
def quiz_statistics(quiz_id: int):
    """Per question: facility, SD, discrimination, efficiency, answers; flags on broken ones."""
    quiz, committee = load_managed_quiz(quiz_id)
    which = request.args.get("attempts", "first")
    if which not in stats.WHICH:
        abort(404)
    result = stats.quiz_statistics(db.session, quiz, which=which)
    return render_template(
        "quizzes/stats/statistics.html", quiz=quiz, committee=committee, result=result
    )


@bp.get("/<int:quiz_id>/units/<int:unit_id>/status")
@login_required
def unit_status(quiz_id: int, unit_id: int):
    """Each active member of the unit: not started, in progress, submitted, grade, passed."""
    quiz, unit, is_staff = load_quiz_unit(quiz_id, unit_id, *STATUS_UNITS)
    committee = db.session.get(OrgUnit, quiz.committee_id)  # loaded already: no statement
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
    unit = access.load_unit_to_view(unit_id, *STATUS_UNITS)
    quizzes = list(
        db.session.scalars(queries.assigned_quizzes(unit.committee_id, ancestor_ids(unit.path)))
    )
    return render_template("quizzes/stats/unit_quizzes.html", unit=unit, quizzes=quizzes)
