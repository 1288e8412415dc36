"""The quizzes blueprint; each submodule adds the pages of one concern.

``bank`` (staff: banks, categories, questions, preview, import and export, and
the media page questions show their images and sounds from), ``quiz`` (staff:
quizzes and their assignment), ``attempt`` (members take quizzes, results and
review), ``stats`` (item analysis and members' statuses), ``mistakes`` (the
mistake book), ``daily`` (the daily quiz).
"""

from flask import Blueprint, abort

from studyhub.extensions import db
from studyhub.org import access
from studyhub.org import queries as org_queries
from studyhub.org.models import OrgUnit

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")

# What every quizzes view takes from org.access (not from org.views).
grants = access.grants
managed_committee = access.load_managed_committee


def managed_committees() -> list[OrgUnit]:
    """The committees the current user manages, where staff start; 403 or 404 for none."""
    me = grants()
    committees = [
        c for c in db.session.scalars(org_queries.committees()) if access.can_manage_unit(me, c)
    ]
    if not committees:
        access.require_staff(me)
        abort(404)
    return committees


from studyhub.quizzes.views import (  # noqa: E402, F401
    attempt,
    bank,
    daily,
    exams,
    marking,
    mistakes,
    quiz,
    stats,
)
