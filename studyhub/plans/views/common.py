"""What every plans page shares: the blueprint and the links and dates they show."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    url_for,
)

from studyhub.core import clock
from studyhub.notify.mail import mail_enabled
from studyhub.org.models import OrgUnit
from studyhub.plans.models import StudyPlan

bp = Blueprint("plans", __name__, url_prefix="/plans")

SEARCH_LIMIT = 20
SUMMARY_PATH = "/"


def _today(committee: OrgUnit, now) -> Any:
    return clock.local_date(now, committee.timezone)


def _email() -> bool:
    return mail_enabled(current_app.config)


def quiz_url(quiz_id: int) -> str:
    """The member's page of a quiz (where the test starts)."""
    if "quizzes.quiz" in current_app.view_functions:
        return url_for("quizzes.quiz", quiz_id=quiz_id)
    return f"/quizzes/{quiz_id}"


def share_url(plan: StudyPlan, branch: OrgUnit | None = None) -> str:
    """The absolute link to paste into a WeChat group."""
    if branch is None:
        return url_for("plans.plan", plan_id=plan.id, _external=True)
    return url_for("plans.plan", plan_id=plan.id, branch=branch.id, _external=True)
