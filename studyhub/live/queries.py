"""Reusable statements of the live domain; each takes its scope (a lesson, a member)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.live.models import LiveComment, LiveInvitation, LiveLesson, LiveWatch
from studyhub.meetings.models import Meeting, MeetingKind, MeetingState
from studyhub.org.models import Member, OrgUnit, UnitKind

# A comment list is never longer than this (the newest win).
FEED_LIMIT = 200


def lessons_for_branch(branch_id: int, since: datetime, until: datetime) -> Select[Any]:
    """Lessons a branch is invited to that are on (or start or end) in [since, until)."""
    return (
        select(LiveLesson)
        .join(LiveInvitation, LiveInvitation.lesson_id == LiveLesson.id)
        .where(
            LiveInvitation.branch_id == branch_id,
            LiveLesson.starts_at < until,
            func.coalesce(LiveLesson.ended_at, LiveLesson.planned_end_at) > since,
        )
        .order_by(LiveLesson.starts_at)
    )


def lessons_of_committee(committee_id: int) -> Select[tuple[LiveLesson]]:
    return (
        select(LiveLesson)
        .where(LiveLesson.committee_id == committee_id)
        .order_by(LiveLesson.starts_at.desc())
    )


def lessons_of_branch(branch_id: int) -> Select[tuple[LiveLesson]]:
    """Lessons the branch hosts or is invited to."""
    invited = select(LiveInvitation.lesson_id).where(LiveInvitation.branch_id == branch_id)
    return (
        select(LiveLesson)
        .where(or_(LiveLesson.host_branch_id == branch_id, LiveLesson.id.in_(invited)))
        .order_by(LiveLesson.starts_at.desc())
    )


def invitation_among(lesson_id: int, unit_ids: list[int]) -> Select[tuple[int]]:
    """An invitation of the lesson for one of ``unit_ids`` (one indexed lookup)."""
    return (
        select(LiveInvitation.id)
        .where(LiveInvitation.lesson_id == lesson_id, LiveInvitation.branch_id.in_(unit_ids))
        .limit(1)
    )


def changed_comments(lesson_id: int, since_seq: int) -> Select[Any]:
    """Comments that changed after ``since_seq``, with the commenter's name, newest last."""
    return (
        select(LiveComment, User.name)
        .join(User, User.id == LiveComment.user_id)
        .where(LiveComment.lesson_id == lesson_id, LiveComment.seq > since_seq)
        .order_by(LiveComment.seq.desc())
        .limit(FEED_LIMIT)
    )


def viewers(lesson_id: int, since: datetime) -> Select[tuple[int]]:
    """How many members reported watching after ``since``."""
    return select(func.count(LiveWatch.id)).where(
        LiveWatch.lesson_id == lesson_id, LiveWatch.last_seen_at > since
    )


def figures(lesson_id: int) -> Select[Any]:
    """Members who watched at all, and the comments made (for the record's evidence)."""
    watched = select(func.count(LiveWatch.id)).where(
        LiveWatch.lesson_id == lesson_id, LiveWatch.live_seconds > 0
    )
    comments = select(func.count(LiveComment.id)).where(LiveComment.lesson_id == lesson_id)
    return select(watched.scalar_subquery(), comments.scalar_subquery())


def branch_lesson_meeting(branch_id: int, since: datetime, until: datetime) -> Select[Any]:
    """The branch's own 党课 meeting planned in [since, until) that a lesson may link."""
    return (
        select(Meeting)
        .where(
            Meeting.branch_id == branch_id,
            Meeting.kind == MeetingKind.LESSON,
            Meeting.group_id.is_(None),
            Meeting.planned_at >= since,
            Meeting.planned_at < until,
            Meeting.state.in_([MeetingState.PLANNED, MeetingState.HELD, MeetingState.RETURNED]),
        )
        .order_by(Meeting.planned_at)
        .limit(1)
    )


def lessons_to_close(now: datetime) -> Select[tuple[LiveLesson]]:
    """Lessons over whose attendance is not written yet."""
    return (
        select(LiveLesson)
        .where(
            LiveLesson.attendance_written_at.is_(None),
            or_(
                LiveLesson.ended_at <= now,
                and_(LiveLesson.ended_at.is_(None), LiveLesson.planned_end_at <= now),
            ),
        )
        .order_by(LiveLesson.id)
    )


def watches_of_branch(lesson_id: int, branch_id: int) -> Select[tuple[LiveWatch]]:
    return select(LiveWatch).where(
        LiveWatch.lesson_id == lesson_id, LiveWatch.branch_id == branch_id
    )


def branches_by_id(ids: list[int]) -> Select[tuple[OrgUnit]]:
    return select(OrgUnit).where(OrgUnit.id.in_(ids))


def lesson_state(lesson_id: int) -> Select[Any]:
    """The lesson's change number and end (the feed's cached state): one primary-key read."""
    return select(LiveLesson.seq, LiveLesson.ended_at).where(LiveLesson.id == lesson_id)


def members_of_branches(branch_ids: list[int]) -> Select[Any]:
    """(member id, user id, name, branch name) of the active members of ``branch_ids``:
    the people a lesson's moderators are chosen from."""
    return (
        select(Member.id, User.id, User.name, OrgUnit.name)
        .join(User, User.id == Member.user_id)
        .join(OrgUnit, OrgUnit.id == Member.branch_id)
        .where(Member.branch_id.in_(branch_ids), Member.is_active.is_(True))
        .order_by(OrgUnit.path, User.name, Member.id)
    )


def guest_branch_search(committee_id: int, text: str, limit: int = 20) -> Select[Any]:
    """Active branches of other committees whose name contains ``text``, with their
    committee's name: the guests a committee's staff may invite."""
    committee = aliased(OrgUnit)
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return (
        select(OrgUnit.id, OrgUnit.name, committee.name)
        .join(committee, committee.id == OrgUnit.committee_id)
        .where(
            OrgUnit.kind == UnitKind.BRANCH,
            OrgUnit.is_active.is_(True),
            OrgUnit.committee_id != committee_id,
            OrgUnit.name.ilike(pattern, escape="\\"),
        )
        .order_by(committee.name, OrgUnit.name)
        .limit(limit)
    )


def guest_branches(committee_id: int, ids: list[int]) -> Select[Any]:
    """The branches of ``ids`` that may be guests of ``committee_id`` (id, name, committee)."""
    committee = aliased(OrgUnit)
    return (
        select(OrgUnit.id, OrgUnit.name, committee.name)
        .join(committee, committee.id == OrgUnit.committee_id)
        .where(
            OrgUnit.id.in_(ids),
            OrgUnit.kind == UnitKind.BRANCH,
            OrgUnit.is_active.is_(True),
            OrgUnit.committee_id != committee_id,
        )
        .order_by(committee.name, OrgUnit.name)
    )
