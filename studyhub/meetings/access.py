"""Who may plan, record, review and see a meeting, from the org grants.

The branch's secretary and branch committee keep its records; a group leader
keeps the records of their group's meetings; committee staff (and admins)
above the branch review them. Members see their branch's meetings (and their
own group's) as upcoming, and the record itself once it has been submitted:
until then the minutes are a draft.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from studyhub.core.errors import NotAllowed, NotFound
from studyhub.extensions import db
from studyhub.meetings.models import Meeting, MeetingState
from studyhub.org.access import (
    BRANCH_ROLES,
    GROUP_ROLES,
    Grants,
    can_manage_unit,
    can_view_unit,
    grants,
)
from studyhub.org.models import OrgUnit, UnitKind

# States in which members see the minutes, attendance and evidence.
PUBLISHED_STATES = frozenset({MeetingState.SUBMITTED, MeetingState.APPROVED})


def _covers(paths: list[str], path: str) -> bool:
    return any(path.startswith(p) for p in paths)


def can_write(grants: Grants, branch: OrgUnit, group: OrgUnit | None = None) -> bool:
    """Whether the user keeps the records of ``branch`` (or of ``group`` in it)."""
    if _covers(grants.paths(BRANCH_ROLES), branch.path):
        return True
    return group is not None and _covers(grants.paths(GROUP_ROLES), group.path)


def can_plan_in(grants: Grants, branch: OrgUnit) -> bool:
    """Whether the user may create some meeting in ``branch``: its leaders, or a group leader
    of a group in it (for that group's meetings only)."""
    if can_write(grants, branch):
        return True
    return any(p.startswith(branch.path) for p in grants.paths(GROUP_ROLES))


def led_group_paths(grants: Grants, branch: OrgUnit) -> list[str]:
    """The paths of the groups in ``branch`` whose leader the user is."""
    return [p for p in grants.paths(GROUP_ROLES) if p.startswith(branch.path)]


def can_review(grants: Grants, branch: OrgUnit) -> bool:
    """Committee staff above the branch approve or return its records."""
    return can_manage_unit(grants, branch)


def is_attendee_scope(grants: Grants, branch: OrgUnit, group: OrgUnit | None) -> bool:
    """Whether the user is a member of the branch (and of the group for a group meeting)."""
    path = grants.member_path
    if path is None or not path.startswith(branch.path):
        return False
    return group is None or path.startswith(group.path)


def can_lead_view(grants: Grants, meeting: Meeting) -> bool:
    """Leaders and reviewers see every meeting of theirs, drafts included."""
    return (
        can_write(grants, meeting.branch, meeting.group)
        or can_view_unit(grants, meeting.branch)
        or can_review(grants, meeting.branch)
    )


def _joins_in(grants: Grants, meeting: Meeting) -> bool:
    """A member of a branch taking part in the joint meeting."""
    return meeting.group_id is None and any(
        is_attendee_scope(grants, p.branch, None) for p in meeting.participants
    )


def is_invited(grants: Grants, meeting: Meeting) -> bool:
    """A member the meeting is for: of its branch (or group), or of a branch taking part."""
    return is_attendee_scope(grants, meeting.branch, meeting.group) or _joins_in(grants, meeting)


def _leads_participant(grants: Grants, meeting: Meeting) -> bool:
    """A leader (or reviewer) of a branch taking part in the joint meeting."""
    return any(can_view_unit(grants, p.branch) for p in meeting.participants)


def can_see_meeting(grants: Grants, meeting: Meeting) -> bool:
    """The meeting's page at all: leaders, reviewers, and the members it is for (of every
    branch taking part in a joint meeting)."""
    return (
        can_lead_view(grants, meeting)
        or is_attendee_scope(grants, meeting.branch, meeting.group)
        or _leads_participant(grants, meeting)
        or _joins_in(grants, meeting)
    )


def can_see_record(grants: Grants, meeting: Meeting) -> bool:
    """The minutes, attendance list, evidence and attachments."""
    if can_lead_view(grants, meeting) or _leads_participant(grants, meeting):
        return True
    return meeting.state in PUBLISHED_STATES and (
        is_attendee_scope(grants, meeting.branch, meeting.group) or _joins_in(grants, meeting)
    )


def can_see_branch(grants: Grants, branch: OrgUnit) -> bool:
    """The branch's list of meetings: its leaders, reviewers, group leaders in it."""
    return can_view_unit(grants, branch) or can_plan_in(grants, branch)


def require_write(grants: Grants, branch: OrgUnit, group: OrgUnit | None = None) -> None:
    if not can_write(grants, branch, group):
        raise NotAllowed(_l("Only the branch's secretary and committee keep these records."))


def require_plan_in(grants: Grants, branch: OrgUnit) -> None:
    if not can_plan_in(grants, branch):
        raise NotAllowed(_l("Only the branch's secretary and committee keep these records."))


def require_review(grants: Grants, branch: OrgUnit) -> None:
    if not can_review(grants, branch):
        raise NotAllowed(_l("Only committee staff review meeting records."))


def require_see_meeting(grants: Grants, meeting: Meeting) -> None:
    if not can_see_meeting(grants, meeting):
        raise NotAllowed(_l("You may not see this meeting."))


def require_see_record(grants: Grants, meeting: Meeting) -> None:
    if not can_see_record(grants, meeting):
        raise NotAllowed(_l("This record is not open to members yet."))


def require_see_branch(grants: Grants, branch: OrgUnit) -> None:
    if not can_see_branch(grants, branch):
        raise NotAllowed(_l("You may not see this branch's meetings."))


# Loaders: the URL's object for this request's user -------------------------------------------
# Each loads it (NotFound, a 404, when there is none) and checks the user's access to it
# (NotAllowed, a 403), so a view starts with one line.


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_l("No such meeting."))
    return meeting


def load_meeting_to_see(meeting_id: int) -> Meeting:
    meeting = _meeting(meeting_id)
    require_see_meeting(grants(), meeting)
    return meeting


def load_record_to_see(meeting_id: int) -> Meeting:
    """A meeting whose record (minutes, attendance, evidence) the user may see."""
    meeting = _meeting(meeting_id)
    require_see_record(grants(), meeting)
    return meeting


def load_meeting_to_write(meeting_id: int) -> Meeting:
    """A meeting the user plans and records (its branch's, or their group's)."""
    meeting = _meeting(meeting_id)
    require_write(grants(), meeting.branch, meeting.group)
    return meeting


def load_meeting_to_review(meeting_id: int) -> Meeting:
    meeting = _meeting(meeting_id)
    require_review(grants(), meeting.branch)
    return meeting


def load_branch(unit_id: int) -> OrgUnit:
    """A branch (404 for another kind of unit); the caller checks what the user may do in it."""
    branch = db.session.get(OrgUnit, unit_id)
    if branch is None or branch.kind != UnitKind.BRANCH:
        raise NotFound(_l("No such branch."))
    return branch
