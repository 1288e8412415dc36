"""The org blueprint and what every page shares: the user's grants, the committee a staff
page manages, and the menu's facts in every template."""

from __future__ import annotations

from flask import (
    Blueprint,
)
from flask_login import current_user

from studyhub.org import access, context
from studyhub.org.forms import (
    ROLE_LABELS,
    STATUS_CHOICES,
    UNIT_KIND_LABELS,
)
from studyhub.org.models import (
    OrgUnit,
)

bp = Blueprint("org", __name__, url_prefix="/org")


# The current user's grants; other domains' views still import it from here.
grants = access.grants


@bp.record_once
def _read_member_context_first(state) -> None:
    context.init_member_context(state.app)


def managed_committee(committee_id: int) -> OrgUnit:
    """The committee of the URL, when the current user manages it (404 for another kind)."""
    return access.load_managed_committee(committee_id)


@bp.app_context_processor
def inject_nav():
    if not current_user.is_authenticated:
        return {"nav": None, "unread_count": None}
    return {
        "nav": grants(),
        "unread_count": context.unread(),
        "unit_kind_labels": UNIT_KIND_LABELS,
        "role_labels": ROLE_LABELS,
        "status_labels": dict(STATUS_CHOICES),
    }
