"""The settings that apply to a member: the quiz's with the overrides that cover them
combined (the rule is in the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc
from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes.models import Quiz, QuizMode, QuizOverride

MAX_ATTEMPTS = 100
MAX_TIME_LIMIT_SECONDS = 24 * 3600
UNLIMITED = 0


@dataclass(frozen=True)
class Settings:
    """The settings that apply to one member (the quiz's, with their overrides applied).

    It has the quiz's attribute names, so the attempt rules read either.
    """

    mode: QuizMode
    published_at: datetime | None
    opens_at: datetime | None
    closes_at: datetime | None
    time_limit_seconds: int | None
    attempts_allowed: int | None  # None: unlimited
    is_overridden: bool = False

    @classmethod
    def of(cls, quiz: Quiz) -> Settings:
        return cls(
            mode=QuizMode(quiz.mode),
            published_at=quiz.published_at,
            opens_at=quiz.opens_at,
            closes_at=quiz.closes_at,
            time_limit_seconds=quiz.time_limit_seconds,
            attempts_allowed=quiz.attempts_allowed,
        )


def _most(values: list[int]) -> int:
    """The most generous count: 0 (no limit) beats any number."""
    return UNLIMITED if UNLIMITED in values else max(values)


def combine(base: Settings, found: list[QuizOverride]) -> Settings:
    """``base`` with ``found`` applied, the most generous value per setting (module docstring)."""
    if not found:
        return base
    changes: dict[str, Any] = {"is_overridden": True}
    opens = [as_utc(o.opens_at) for o in found if o.opens_at is not None]
    if opens:
        changes["opens_at"] = min(opens)
    closes = [as_utc(o.closes_at) for o in found if o.closes_at is not None]
    if closes:
        changes["closes_at"] = max(closes)
    limits = [o.time_limit_seconds for o in found if o.time_limit_seconds is not None]
    if limits:
        changes["time_limit_seconds"] = _most(limits) or None
    allowed = [o.attempts_allowed for o in found if o.attempts_allowed is not None]
    if allowed:
        changes["attempts_allowed"] = _most(allowed) or None
    return replace(base, **changes)


def ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _matching(
    session: Session, quiz_id: int, user_id: int, org_path: str | None
) -> list[QuizOverride]:
    unit_ids = ancestor_ids(org_path) if org_path else []
    return list(
        session.scalars(
            select(QuizOverride).where(
                QuizOverride.quiz_id == quiz_id,
                or_(QuizOverride.user_id == user_id, QuizOverride.unit_id.in_(unit_ids)),
            )
        )
    )


def effective(session: Session, quiz: Quiz, *, user_id: int) -> Settings:
    """The settings that apply to ``user_id`` on ``quiz`` (one query for an exam, none else)."""
    base = Settings.of(quiz)
    if quiz.mode != QuizMode.EXAM:
        return base
    path = session.scalar(
        select(Member.org_path).where(Member.user_id == user_id, Member.is_active.is_(True))
    )
    return combine(base, _matching(session, quiz.id, user_id, path))


def for_members(session: Session, quiz: Quiz, unit: OrgUnit) -> dict[int, Settings]:
    """Member id → settings, for the members under ``unit`` that an override covers (2 queries)."""
    found = list(session.scalars(select(QuizOverride).where(QuizOverride.quiz_id == quiz.id)))
    if not found or quiz.mode != QuizMode.EXAM:
        return {}
    by_user = {o.user_id: o for o in found if o.user_id is not None}
    by_unit = {o.unit_id: o for o in found if o.unit_id is not None}
    base = Settings.of(quiz)
    result = {}
    members = session.execute(
        select(Member.id, Member.user_id, Member.org_path).where(
            Member.org_path.startswith(unit.path), Member.is_active.is_(True)
        )
    )
    for member_id, user_id, path in members:
        matched = [by_unit[u] for u in ancestor_ids(path) if u in by_unit]
        if user_id in by_user:
            matched.append(by_user[user_id])
        if matched:
            result[member_id] = combine(base, matched)
    return result


def for_user(
    session: Session, quizzes: list[Quiz], *, user_id: int, org_path: str
) -> dict[int, Settings]:
    """Quiz id → the member's settings, for those of ``quizzes`` an override covers (1 query)."""
    exams = {q.id: q for q in quizzes if q.mode == QuizMode.EXAM}
    if not exams:
        return {}
    units = ancestor_ids(org_path)
    found: dict[int, list[QuizOverride]] = {}
    for override in session.scalars(
        select(QuizOverride).where(
            QuizOverride.quiz_id.in_(exams),
            or_(QuizOverride.user_id == user_id, QuizOverride.unit_id.in_(units)),
        )
    ):
        found.setdefault(override.quiz_id, []).append(override)
    return {
        quiz_id: combine(Settings.of(exams[quiz_id]), matched) for quiz_id, matched in found.items()
    }


def deadline_for(settings: Settings | Quiz, started_at: datetime) -> datetime | None:
    """An attempt's deadline: the time limit from its start, never past the close."""
    start = as_utc(started_at)
    limit = settings.time_limit_seconds
    ends = start + timedelta(seconds=limit) if limit else None
    closes = as_utc(settings.closes_at) if settings.closes_at is not None else None
    if ends is None:
        return closes
    return min(ends, closes) if closes is not None else ends
