"""Who may schedule, host, moderate and watch a live lesson, from the org grants.

Committee staff schedule lessons for their committee (inviting its branches and,
as guests, branches of other committees); a branch's secretary or branch
committee schedules lessons for their own branch only. The host (staff above
the committee, the secretary of the host branch) and the lesson's moderators
hide and pin comments. Members of an invited branch watch; a guest sees the
lesson and nothing else of the host committee (no other page checks these
invitations).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from studyhub.core.errors import NotAllowed, NotFound
from studyhub.live.models import LiveLesson
from studyhub.meetings import access as meetings_access
from studyhub.org.access import Grants, can_manage_unit
from studyhub.org.models import OrgUnit


def can_schedule_committee(grants: Grants, committee: OrgUnit) -> bool:
    return can_manage_unit(grants, committee)


def can_schedule_branch(grants: Grants, branch: OrgUnit) -> bool:
    return meetings_access.can_write(grants, branch)


def can_host(grants: Grants, lesson: LiveLesson) -> bool:
    """Staff above the committee, or the keepers of the host branch's records."""
    if can_manage_unit(grants, lesson.committee):
        return True
    return lesson.host_branch is not None and meetings_access.can_write(grants, lesson.host_branch)


def can_moderate(grants: Grants, lesson: LiveLesson) -> bool:
    """The host, or one of the lesson's moderators."""
    if can_host(grants, lesson):
        return True
    return any(m.user_id == grants.user_id for m in lesson.moderators)


def member_unit_ids(grants: Grants) -> list[int]:
    """The units the user is a member in (their branch and the units above and below it),
    from their membership's path: an invitation of any of them is theirs."""
    path = grants.member_path or ""
    return [int(part) for part in path.strip("/").split("/") if part.isdigit()]


def can_watch(grants: Grants, lesson: LiveLesson, *, is_invited: bool) -> bool:
    """``is_invited``: the user's branch is invited (``queries.invitation_among``)."""
    return is_invited or can_moderate(grants, lesson)


def require_watch(grants: Grants, lesson: LiveLesson, *, is_invited: bool) -> None:
    """Not found, rather than forbidden: an uninvited user need not know of the lesson."""
    if not can_watch(grants, lesson, is_invited=is_invited):
        raise NotFound(_l("There is no such live lesson."))


def require_moderate(grants: Grants, lesson: LiveLesson) -> None:
    if not can_moderate(grants, lesson):
        raise NotAllowed(_l("Only the host and the moderators may do this."))


def require_host(grants: Grants, lesson: LiveLesson) -> None:
    if not can_host(grants, lesson):
        raise NotAllowed(_l("Only the host may do this."))
