"""The home page's daily quiz panel, in two or three statements built once."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.points import queries as point_queries
from studyhub.points import services as points
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    AttemptState,
)
from studyhub.quizzes.services.daily.setup import STREAK_WINDOW_DAYS
from studyhub.quizzes.services.daily.taking import count_streak

# The home page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Today:
    """The home page's panel: today's daily quiz and the mistake book's due count."""

    day: date
    is_available: bool  # the committee's daily quiz has questions
    attempt_id: int | None
    questions: int
    answered: int
    correct: int
    is_done: bool
    points_today: int
    streak: int
    mistakes_due: int


@dataclass(frozen=True)
class _HomeStatements:
    member: Select
    summary: Select
    before_first: Select
    done_days: Select


@functools.cache
def _home() -> _HomeStatements:
    """The home page's statements, built once with bind parameters (user_id, committee_id,
    day, now, quiz_id, since): every member runs them on every visit, and building a
    statement costs more than running it.
    """
    user_id, day, now = bindparam("user_id"), bindparam("day"), bindparam("now")
    return _HomeStatements(
        member=queries.member_committee(user_id),
        summary=queries.daily_summary(bindparam("committee_id"), user_id, day, now).add_columns(
            point_queries.earned_of_kind_on(user_id, points.DAILY_QUIZ, day).scalar_subquery()
        ),
        # Before the day's first start: (mistakes due, whether there are questions) in one.
        before_first=select(
            queries.mistake_due_count(user_id, now).scalar_subquery(),
            queries.has_live_questions(bindparam("committee_id")).scalar_subquery(),
        ),
        done_days=queries.daily_done_days(bindparam("quiz_id"), user_id, bindparam("since"), day),
    )


def today_for(
    session: Session,
    *,
    user_id: int,
    now: datetime,
    membership: tuple[int, str] | None = None,
) -> Today | None:
    """What the home page shows a member about the daily quiz (2-3 queries), or None.

    ``membership`` is the member's (committee id, committee time zone) when the
    caller has it (the request's member context); otherwise it is read here.
    """
    home = _home()
    if membership is None:
        row = session.execute(home.member, {"user_id": user_id}).first()
        if row is None:
            return None
        membership = (row[0], row[1])
    committee_id, timezone = membership
    day = local_date(now, timezone)
    values = {"user_id": user_id, "committee_id": committee_id, "day": day, "now": now}
    summary = session.execute(home.summary, values).first()
    if summary is None:  # no daily quiz yet: it is made at the first start, if there are questions
        due, available = session.execute(home.before_first, values).one()
        return Today(day, bool(available), None, 0, 0, 0, False, 0, 0, due or 0)
    quiz_id, published_at, attempt_id, state, questions, answered, correct, due, earned = summary
    since = day - timedelta(days=STREAK_WINDOW_DAYS)
    days = set(session.scalars(home.done_days, {**values, "quiz_id": quiz_id, "since": since}))
    return Today(
        day=day,
        is_available=published_at is not None,
        attempt_id=attempt_id,
        questions=questions or 0,
        answered=answered or 0,
        correct=correct or 0,
        is_done=state == AttemptState.SUBMITTED,
        points_today=earned or 0,
        streak=count_streak(days, day),
        mistakes_due=due or 0,
    )
