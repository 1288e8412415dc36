"""Drawing a member's questions of the day, taking the daily quiz, the streak."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.errors import Closed, NotFound
from studyhub.points import services as points
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import attempts
from studyhub.quizzes.services.daily.setup import (
    POINTS_PER_ITEM,
    RECENT_DAYS,
    STREAK_WINDOW_DAYS,
    today_of,
)
from studyhub.quizzes.services.quizzes import Drawn

# Drawing -------------------------------------------------------------------------------------


def recently_seen(session: Session, quiz: Quiz, *, user_id: int, since: date) -> dict[int, date]:
    """The questions the member was given in daily quizzes from ``since``, with the last day."""
    return dict(session.execute(queries.daily_seen(quiz.id, user_id, since)).all())


def draw_daily(
    session: Session, quiz: Quiz, *, user_id: int, today: date, rng: random.Random
) -> list[Drawn]:
    """Today's questions: fresh ones at random, then the longest unseen of the recent ones."""
    wanted = quiz.daily_question_count
    pool: dict[int, tuple[int, int]] = {}  # question → (slot position, version)
    for slot in quiz.slots:
        if slot.bank_id is None:
            continue
        rows = session.execute(
            queries.draw_pool(
                slot.bank_id,
                category_path=None,
                category_id=None,
                include_subcategories=True,
                qtype=None,
                auto_graded_only=True,  # every answer is checked at once: no essays
            )
        )
        for question_id, version_id in rows:
            pool.setdefault(question_id, (slot.position, version_id))
    seen = recently_seen(session, quiz, user_id=user_id, since=today - timedelta(days=RECENT_DAYS))
    fresh = sorted(q for q in pool if q not in seen)
    rng.shuffle(fresh)
    chosen = fresh[:wanted]
    if len(chosen) < wanted:
        stale = sorted((q for q in pool if q in seen), key=lambda q: (seen[q], q))
        chosen += stale[: wanted - len(chosen)]
    return [Drawn(pool[q][0], q, pool[q][1], POINTS_PER_ITEM) for q in chosen]


# Taking it -----------------------------------------------------------------------------------


def todays_attempt(session: Session, quiz: Quiz, *, user_id: int, today: date) -> Attempt | None:
    return session.scalars(queries.daily_attempt(quiz.id, user_id, today)).first()


def start_daily(session: Session, quiz: Quiz, *, user_id: int, now: datetime, seed: int) -> Attempt:
    """The member's daily quiz of today: the one already started (or done), or a new one.

    Membership of the quiz's committee is the caller's check. An unfinished
    attempt of an earlier day is submitted first (its right answers keep their
    points).
    """
    today = today_of(session, quiz, now)
    found = todays_attempt(session, quiz, user_id=user_id, today=today)
    if found is not None:
        return found
    if quiz.published_at is None:
        raise Closed(_l("The daily quiz has no questions yet."))
    for earlier in list(session.scalars(queries.open_attempt(quiz.id, user_id))):
        attempts.submit_attempt(session, earlier, now=now, auto=True)
    drawn = draw_daily(session, quiz, user_id=user_id, today=today, rng=random.Random(seed))
    if not drawn:
        raise Closed(_l("The daily quiz has no questions yet."))
    # Two starts at once make one attempt: the engine resumes the one that won.
    return attempts.start_attempt(
        session, quiz, user_id=user_id, now=now, seed=seed, daily_on=today, drawn=drawn
    )


@dataclass(frozen=True)
class Answered:
    """What answering one daily question did."""

    item: AttemptItem
    applied: bool  # False: it had been answered already (nothing changed)
    points: int  # credited by this answer
    is_finished: bool  # every question is answered and the attempt submitted


def answer_daily(
    session: Session, attempt: Attempt, *, position: int, response: Any, now: datetime
) -> Answered:
    """Grade one answer at once; a right one earns points; the last one submits the attempt."""
    quiz = attempt.quiz
    if quiz.mode != QuizMode.DAILY:
        raise NotFound(_l("This is not a daily quiz."))
    saved = attempts.save_answer(
        session, attempt, position=position, response=response, seq=None, now=now
    )
    item = attempts.load_item(session, attempt.id, position)
    credited = 0
    if saved.applied and saved.is_correct:
        rule = points.rule_for(session, quiz.committee_id, points.DAILY_QUIZ)
        credited = points.award(
            session,
            user_id=attempt.user_id,
            committee_id=quiz.committee_id,
            kind=points.DAILY_QUIZ,
            source_key=f"daily:{attempt.id}:{position}",
            points=rule.points,
            daily_cap=rule.daily_cap,
            on=attempt.daily_on or today_of(session, quiz, now),
            now=now,
        )
    unanswered = session.scalar(queries.ungraded_count(attempt.id)) or 0
    finished = False
    if unanswered == 0:
        attempts.submit_attempt(session, attempt, now=now)
        finished = True
    return Answered(item=item, applied=saved.applied, points=credited, is_finished=finished)


def streak(session: Session, quiz: Quiz, *, user_id: int, today: date) -> int:
    """Consecutive days with a finished daily quiz, ending today (or yesterday, today open)."""
    days = set(
        session.scalars(
            queries.daily_done_days(
                quiz.id, user_id, today - timedelta(days=STREAK_WINDOW_DAYS), today
            )
        )
    )
    return count_streak(days, today)


def count_streak(days: set[date], today: date) -> int:
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
