"""Reusable queries over the points ledger; each returns a ``Select`` for one user."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select

from studyhub.points.models import PointEntry


def _sum():
    return func.coalesce(func.sum(PointEntry.points), 0)


def total_of(user_id: int) -> Select[tuple[int]]:
    """All the points a user has earned."""
    return select(_sum()).where(PointEntry.user_id == user_id)


def earned_on(user_id: int, day: date) -> Select[tuple[int]]:
    """The points a user earned on one local day."""
    return select(_sum()).where(PointEntry.user_id == user_id, PointEntry.earned_on == day)


def earned_of_kind_on(user_id: int, kind: str, day: date) -> Select[tuple[int]]:
    """The points of one kind a user earned on one local day (what the daily cap counts)."""
    return select(_sum()).where(
        PointEntry.user_id == user_id, PointEntry.kind == kind, PointEntry.earned_on == day
    )


def by_day(user_id: int, since: date, until: date) -> Select[tuple[date, int]]:
    """(day, points) for each day from ``since`` to ``until`` on which the user earned any."""
    return (
        select(PointEntry.earned_on, _sum())
        .where(
            PointEntry.user_id == user_id,
            PointEntry.earned_on >= since,
            PointEntry.earned_on <= until,
        )
        .group_by(PointEntry.earned_on)
        .order_by(PointEntry.earned_on)
    )
