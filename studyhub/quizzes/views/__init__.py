"""The quizzes blueprint; each submodule adds the pages of one concern.

``bank`` (staff: banks, categories, questions, preview, import and export, and
the media page questions show their images and sounds from), ``quiz`` (staff:
quizzes and their assignment), ``attempt`` (members take quizzes, results and
review), ``stats`` (item analysis and members' statuses), ``mistakes`` (the
mistake book), ``daily`` (the daily quiz).
"""

from flask import Blueprint, abort, g
from flask_login import current_user

from studyhub.extensions import db
from studyhub.org import access
from studyhub.org import queries as org_queries
from studyhub.org.models import OrgUnit, UnitKind

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")


def grants() -> access.Grants:
    """The current user's grants, read once per request."""
    if "grants" not in g:
        g.grants = access.grants_for(db.session, current_user)
    return g.grants


def managed_committee(committee_id: int) -> OrgUnit:
    """The committee of the URL, when the current user manages it."""
    committee = db.get_or_404(OrgUnit, committee_id)
    if committee.kind != UnitKind.COMMITTEE:
        abort(404)
    access.require_manage_unit(grants(), committee)
    return committee


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


from studyhub.quizzes.views import attempt, bank, daily, mistakes, quiz, stats  # noqa: E402, F401
