"""民主评议党员: each member's rating by the meeting, entered by the recorder.

A rating is one of 优秀 / 合格 / 基本合格 / 不合格; the vote counts per rating are
kept when the branch records them. Ratings are entered once the record is written
(held, or returned for correction) and are fixed once it is submitted. Only members
on the meeting's roster (应到) can be rated. ``queries.ratings_for`` gives the
assessment each member's rating of a year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import (
    Attendance,
    Meeting,
    MeetingKind,
    MeetingRating,
    MeetingState,
    Rating,
)
from studyhub.meetings.periods import midnight
from studyhub.meetings.services.audit import log_event, require_state
from studyhub.org.models import OrgUnit

MAX_VOTES = 10_000


@dataclass(frozen=True)
class RatingEntry:
    """One member's rating and, when recorded, the votes per rating."""

    rating: Rating
    votes: Mapping[Rating, int] = field(default_factory=dict)


def _check_votes(votes: Mapping[Rating, int]) -> dict[str, int]:
    out = {}
    for rating, count in votes.items():
        if not isinstance(count, int) or not 0 <= count <= MAX_VOTES:
            raise InvalidInput(_l("Vote counts are whole numbers from 0."))
        out[Rating(rating).value] = count
    return out


def rate_members(
    session: Session,
    meeting: Meeting,
    entries: Mapping[int, RatingEntry],
    *,
    by: User,
    now: datetime,
) -> int:
    """Store the ratings of ``entries`` (user id → entry); returns how many changed.

    All entries are checked before anything is stored.
    """
    if meeting.kind != MeetingKind.DEMOCRATIC_REVIEW:
        raise InvalidInput(_l("Members are rated at a democratic appraisal meeting."))
    require_state(meeting, MeetingState.HELD, MeetingState.RETURNED)
    roster = set(
        session.scalars(select(Attendance.user_id).where(Attendance.meeting_id == meeting.id))
    )
    if not set(entries) <= roster:
        raise InvalidInput(_l("Only members on the meeting's roster can be rated."))
    checked = {
        user_id: (entry.rating, _check_votes(entry.votes)) for user_id, entry in entries.items()
    }
    existing = {
        row.user_id: row
        for row in session.scalars(
            select(MeetingRating).where(MeetingRating.meeting_id == meeting.id)
        )
    }
    changed: dict[str, int] = {}
    for user_id, (rating, votes) in sorted(checked.items()):
        row = existing.get(user_id)
        if row is not None and row.rating == rating and (row.votes or {}) == votes:
            continue
        if row is None:
            row = MeetingRating(meeting_id=meeting.id, user_id=user_id)
            session.add(row)
        row.rating = rating
        row.votes = votes
        row.entered_by_id = by.id
        row.entered_at = now
        changed[rating.value] = changed.get(rating.value, 0) + 1
    if changed:
        log_event(session, meeting, "rated", by=by, now=now, ratings=changed)
    session.flush()
    return sum(changed.values())


def ratings_of(session: Session, meeting: Meeting) -> dict[int, MeetingRating]:
    """The meeting's ratings by user id."""
    return {
        row.user_id: row
        for row in session.scalars(
            select(MeetingRating).where(MeetingRating.meeting_id == meeting.id)
        )
    }


@dataclass(frozen=True)
class YearRating:
    """A member's rating of a year, for the assessment (a score dimension can map it)."""

    user_id: int
    rating: Rating
    meeting_id: int
    held_on: datetime


def ratings_for(session: Session, unit: OrgUnit, year: int) -> dict[int, YearRating]:
    """Each member's latest 民主评议 rating in ``year`` (the committee's calendar) of the
    branches at or below ``unit``, by user id. One statement."""
    start = midnight(date(year, 1, 1), unit.timezone)
    end = midnight(date(year + 1, 1, 1), unit.timezone)
    return {
        row.user_id: YearRating(row.user_id, Rating(row.rating), row.meeting_id, row.held_on)
        for row in session.execute(queries.ratings_for(unit, start, end))
    }
