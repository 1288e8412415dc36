"""The branch page's study table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, case, func, select

from studyhub.accounts.models import User
from studyhub.org.models import Member
from studyhub.org.queries import under
from studyhub.readings.models import (
    Reading,
    ReadReceipt,
)


def branch_study(
    branch_path: str, committee_id: int, today: date, week_start: date, week_end: date
) -> Select[tuple[int, str, int, int]]:
    """Per active member under ``branch_path``: (member id, name, studied today's reading
    (0/1), how many of the week's readings of the day they studied) — one grouped query.
    """
    daily = (
        select(ReadReceipt.user_id, Reading.daily_on)
        .join(Reading, Reading.id == ReadReceipt.reading_id)
        .where(
            Reading.committee_id == committee_id,
            Reading.daily_on >= week_start,
            Reading.daily_on <= week_end,
            ReadReceipt.studied_at.is_not(None),
        )
        .subquery()
    )
    return (
        select(
            Member.id,
            User.name,
            func.count(case((daily.c.daily_on == today, 1))),
            func.count(daily.c.daily_on),
        )
        .join(User, User.id == Member.user_id)
        .outerjoin(daily, daily.c.user_id == Member.user_id)
        .where(under(Member.org_path, branch_path), Member.is_active.is_(True))
        .group_by(Member.id, User.name)
        .order_by(User.name, Member.id)
    )
