"""The committee's daily quiz: made on demand, its banks, questions a day and points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from studyhub.audit.services import diff
from studyhub.core.clock import local_date
from studyhub.core.errors import InvalidInput, NotFound
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.points import services as points
from studyhub.quizzes import queries
from studyhub.quizzes.models import (
    Bank,
    Quiz,
    QuizMode,
    QuizSlot,
    ReviewTiming,
)

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
