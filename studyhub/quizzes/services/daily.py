"""The daily quiz (每日答题): a few questions a day per member, points for right answers.

Each committee has one quiz of mode ``daily``, made on demand. Its slots are
random rules, one per chosen bank: they record which banks the questions come
from (``Quiz.daily_question_count`` says how many a day, 5 by default). The
draw is this module's, not the rules': every day each member gets that many
live questions from those banks, avoiding the ones they were given in their
daily quizzes of the last :data:`RECENT_DAYS` days (when the banks run short,
the longest unseen of those fill the gap).

One graded go per day: the attempt is unique per (quiz, member, local date),
each answer is graded when given and cannot be changed (the attempt engine's
instant feedback), and the attempt is submitted when the last question is
answered (yesterday's unfinished one is submitted when today's starts).
Every right answer credits points of kind ``daily_quiz`` into the ledger,
under the committee's rule (points per answer, daily cap); a wrong answer
earns nothing and goes to the mistake book. The streak counts consecutive days
with a finished daily quiz.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.clock import local_date
from studyhub.core.errors import Closed, InvalidInput, NotFound
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.points import queries as point_queries
from studyhub.points import services as points
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Bank,
    Quiz,
    QuizMode,
    QuizSlot,
    ReviewTiming,
)
from studyhub.quizzes.services import attempts
from studyhub.quizzes.services.quizzes import Drawn

DEFAULT_TITLE = "每日答题"
DEFAULT_QUESTIONS = 5
MAX_QUESTIONS = 20
RECENT_DAYS = 14
STREAK_WINDOW_DAYS = 366
POINTS_PER_ITEM = Decimal(1)


# The committee's daily quiz ------------------------------------------------------------------


def daily_quiz_of(session: Session, committee_id: int) -> Quiz | None:
    return session.scalars(queries.daily_quiz(committee_id)).first()


def ensure_daily_quiz(session: Session, committee: OrgUnit, *, now: datetime) -> Quiz:
    """The committee's daily quiz, made with the default settings the first time.

    A new daily quiz draws from every bank the committee has (staff choose
    others in its settings); it is open as soon as it has a bank.
    """
    if committee.kind != UnitKind.COMMITTEE:
        raise InvalidInput(_l("The daily quiz belongs to a committee."))
    found = daily_quiz_of(session, committee.id)
    if found is not None:
        return found
    quiz = Quiz(
        committee_id=committee.id,
        title=DEFAULT_TITLE,
        instructions="",
        mode=QuizMode.DAILY,
        daily_question_count=DEFAULT_QUESTIONS,
        attempts_allowed=None,
        shuffle_questions=False,
        shuffle_options=True,
        multiple_partial_credit=False,
        pass_percent=Decimal(60),
        review_score=ReviewTiming.IMMEDIATELY,
        review_correctness=ReviewTiming.IMMEDIATELY,
        review_answers=ReviewTiming.IMMEDIATELY,
        review_explanations=ReviewTiming.IMMEDIATELY,
        created_at=now,
        updated_at=now,
    )
    session.add(quiz)
    session.flush()
    bank_ids = list(session.scalars(select(Bank.id).where(Bank.committee_id == committee.id)))
    _set_banks(session, quiz, bank_ids, now=now)
    return quiz


def chosen_bank_ids(quiz: Quiz) -> list[int]:
    return [slot.bank_id for slot in quiz.slots if slot.bank_id is not None]


def _set_banks(session: Session, quiz: Quiz, bank_ids: Sequence[int], *, now: datetime) -> None:
    session.execute(delete(QuizSlot).where(QuizSlot.quiz_id == quiz.id))
    session.expire(quiz, ["slots"])
    for position, bank_id in enumerate(dict.fromkeys(bank_ids), start=1):
        session.add(
            QuizSlot(
                quiz_id=quiz.id,
                position=position,
                bank_id=bank_id,
                include_subcategories=True,
                count=1,
                points=POINTS_PER_ITEM,
            )
        )
    quiz.published_at = (quiz.published_at or now) if bank_ids else None
    quiz.updated_at = now
    session.flush()
    session.expire(quiz, ["slots"])


@dataclass(frozen=True)
class DailySettings:
    bank_ids: list[int]
    question_count: int
    points: int  # per right answer
    daily_cap: int


def settings_of(session: Session, quiz: Quiz) -> DailySettings:
    rule = points.rule_for(session, quiz.committee_id, points.DAILY_QUIZ)
    return DailySettings(
        bank_ids=chosen_bank_ids(quiz),
        question_count=quiz.daily_question_count,
        points=rule.points,
        daily_cap=rule.daily_cap,
    )


def default_settings(session: Session, committee: OrgUnit) -> DailySettings:
    """What :func:`ensure_daily_quiz` would start with, without making the quiz."""
    rule = points.rule_for(session, committee.id, points.DAILY_QUIZ)
    return DailySettings(
        bank_ids=list(session.scalars(select(Bank.id).where(Bank.committee_id == committee.id))),
        question_count=DEFAULT_QUESTIONS,
        points=rule.points,
        daily_cap=rule.daily_cap,
    )


def configure_daily(
    session: Session,
    quiz: Quiz,
    settings: DailySettings,
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Choose the banks, the questions a day and the points (per right answer, daily cap);
    a change is recorded in the committee's audit log."""
    if not 1 <= settings.question_count <= MAX_QUESTIONS:
        raise InvalidInput(_l("A daily quiz has 1 to %(n)d questions a day.", n=MAX_QUESTIONS))
    owned = set(
        session.scalars(
            select(Bank.id).where(
                Bank.committee_id == quiz.committee_id, Bank.id.in_(settings.bank_ids)
            )
        )
    )
    if set(settings.bank_ids) - owned:
        raise NotFound(_l("This bank does not exist."))
    before = settings_of(session, quiz)
    points.set_rule(
        session,
        quiz.committee_id,
        points.DAILY_QUIZ,
        points=settings.points,
        daily_cap=settings.daily_cap,
    )
    quiz.daily_question_count = settings.question_count
    _set_banks(session, quiz, settings.bank_ids, now=now)
    changed = diff(
        {**before.__dict__, "bank_ids": sorted(before.bank_ids)},
        {**settings.__dict__, "bank_ids": sorted(settings.bank_ids)},
    )
    if changed:
        record_in(
            session,
            in_committee(session, quiz.committee_id),
            "daily_quiz_settings.changed",
            actor_id=actor_id,
            now=now,
            object_type="quiz",
            object_id=quiz.id,
            summary=quiz.title,
            changes=changed,
        )


def today_of(session: Session, quiz: Quiz, now: datetime) -> date:
    """The committee's local date at ``now`` (a member's daily quiz is for that day)."""
    committee = session.get(OrgUnit, quiz.committee_id)
    return local_date(now, committee.timezone if committee is not None else "Asia/Shanghai")


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
