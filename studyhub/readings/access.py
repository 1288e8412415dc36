"""Loaders for the readings' staff pages: the URL's object and the user's right to it.

Each loads the object (NotFound, a 404, when there is none) and checks the user's
access to it (NotAllowed, a 403), so a view starts with one line. Who may do what
is decided where it always was (``org.access`` scopes, the comment service's
``can_hide``); the member-facing pages load their reading through ``queries``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from studyhub.core.errors import NotAllowed, NotFound
from studyhub.extensions import db
from studyhub.org.access import can_view_unit, grants
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.readings.models import Comment, HistoryEntry
from studyhub.readings.services import comments


def load_rota_branch(branch_id: int) -> OrgUnit:
    """A branch whose lead-reader rota the user keeps: its secretary or committee, or staff."""
    branch = db.session.get(OrgUnit, branch_id)
    if branch is None or branch.kind != UnitKind.BRANCH:
        raise NotFound(_l("No such branch."))
    if not can_view_unit(grants(), branch):
        raise NotAllowed(_l("Only the branch's secretary, its committee and staff keep its rota."))
    return branch


def load_comment_to_moderate(comment_id: int) -> tuple[Comment, OrgUnit | None]:
    """A comment (not deleted) the user may hide or show, with the commenter's branch."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound(_l("No such comment."))
    branch = db.session.get(OrgUnit, comment.branch_id) if comment.branch_id else None
    comments.require_hide(grants(), branch)
    return comment, branch


def load_history_entry(committee: OrgUnit, entry_id: int) -> HistoryEntry:
    """A 党史今天 entry the user may change: the committee's own; shared ones only for
    admins; another committee's is not found."""
    entry = db.session.get(HistoryEntry, entry_id)
    if entry is None or entry.committee_id not in (None, committee.id):
        raise NotFound(_l("No such entry."))
    if entry.committee_id is None and not grants().is_admin:
        raise NotAllowed(_l("Entries shared by all committees are kept by the administrators."))
    return entry
