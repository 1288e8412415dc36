"""The quizzes blueprint; each submodule adds the pages of one concern.

``bank`` (staff: banks, categories, questions, preview, import and export, and
the media page questions show their images and sounds from), ``quiz`` (staff:
quizzes and their assignment), ``attempt`` (members take quizzes, results and
review), ``stats`` (item analysis and members' statuses), ``mistakes`` (the
mistake book), ``daily`` (the daily quiz).
"""

from flask import Blueprint, g
from flask_login import current_user

from studyhub.extensions import db
from studyhub.org import access

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")


def grants() -> access.Grants:
    """The current user's grants, read once per request."""
    if "grants" not in g:
        g.grants = access.grants_for(db.session, current_user)
    return g.grants


from studyhub.quizzes.views import attempt, bank, daily, mistakes, quiz, stats  # noqa: E402, F401
