"""The reports blueprint; each submodule adds the pages of one concern.

``scores`` (the committee's and a branch's quarter, a member's explanation,
closing and reopening, overrides), ``manage`` (score settings, bonus and
deduction entries), ``exports`` (downloads and background export jobs),
``dashboards`` (a branch's members through a plan, the ranking of branches, a
member's quarter, the secretary's home panel).
"""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from studyhub.reports.views import (  # noqa: E402, F401
    audit,
    competitions,
    dashboards,
    dimensions,
    exports,
    manage,
    scores,
)
