"""民主评议 ratings for the assessment: each member's rating of a year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from studyhub.meetings.models import Meeting, MeetingKind, MeetingRating
from studyhub.meetings.queries.record import HELD_STATES, held_on
from studyhub.org.models import OrgUnit


def ratings_for(
    unit: OrgUnit, start: datetime, end: datetime
) -> Select[tuple[int, str, int, datetime]]:
    """(user id, rating, meeting id, held on) of each member rated by a 民主评议党员 meeting
    of a branch at or below ``unit`` held in [start, end): the latest rating when a member
    was rated twice. ``start``/``end`` are the year's bounds in the committee's time zone
    (``periods.midnight``)."""
    when = held_on()
    ranked = (
        select(
            MeetingRating.user_id,
            MeetingRating.rating,
            Meeting.id.label("meeting_id"),
            when.label("held_on"),
            func.row_number()
            .over(partition_by=MeetingRating.user_id, order_by=(when.desc(), Meeting.id.desc()))
            .label("n"),
        )
        .join(Meeting, Meeting.id == MeetingRating.meeting_id)
        .join(OrgUnit, OrgUnit.id == Meeting.branch_id)
        .where(
            Meeting.kind == MeetingKind.DEMOCRATIC_REVIEW,
            Meeting.state.in_(HELD_STATES),
            OrgUnit.path.startswith(unit.path),
            when >= start,
            when < end,
        )
        .subquery()
    )
    return (
        select(ranked.c.user_id, ranked.c.rating, ranked.c.meeting_id, ranked.c.held_on)
        .where(ranked.c.n == 1)
        .order_by(ranked.c.user_id)
    )
