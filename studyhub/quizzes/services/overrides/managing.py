"""Staff manage overrides: save, remove (audited), the list, finding a member; saving
moves the deadlines of the attempts in progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput, NotFound
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import Member, OrgUnit
from studyhub.quizzes.models import Attempt, AttemptState, Quiz, QuizMode, QuizOverride
from studyhub.quizzes.services.overrides.rules import (
    MAX_ATTEMPTS,
    MAX_TIME_LIMIT_SECONDS,
    Settings,
    ancestor_ids,
    combine,
    deadline_for,
)


@dataclass(frozen=True, kw_only=True)
class OverrideFields:
    """What staff set; ``None``: as the quiz. 0 attempts: unlimited; 0 seconds: no limit."""

    attempts_allowed: int | None = None
    time_limit_seconds: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def _clean(fields: OverrideFields) -> OverrideFields:
    if all(getattr(fields, name) is None for name in _FIELDS):
        raise InvalidInput(_l("Set at least one setting to change."))
    allowed = fields.attempts_allowed
    if allowed is not None and not 0 <= allowed <= MAX_ATTEMPTS:
        raise InvalidInput(
            _l("Allow between 1 and %(n)d attempts, or 0 for any number.", n=MAX_ATTEMPTS)
        )
    limit = fields.time_limit_seconds
    if limit is not None and not 0 <= limit <= MAX_TIME_LIMIT_SECONDS:
        raise InvalidInput(_l("The time limit must be at most 24 hours (0: no limit)."))
    if (
        fields.opens_at is not None
        and fields.closes_at is not None
        and as_utc(fields.closes_at) <= as_utc(fields.opens_at)
    ):
        raise InvalidInput(_l("The quiz must close after it opens."))
    return fields


_FIELDS = ("attempts_allowed", "time_limit_seconds", "opens_at", "closes_at")


def _values(override: QuizOverride) -> dict[str, Any]:
    return {name: getattr(override, name) for name in _FIELDS}


def _check_target(session: Session, quiz: Quiz, *, user_id: int | None, unit_id: int | None):
    if quiz.mode != QuizMode.EXAM:
        raise InvalidInput(_l("Only exams have exceptions."))
    if (user_id is None) == (unit_id is None):
        raise InvalidInput(_l("Choose a member or a branch."))
    if user_id is not None:
        member = session.scalar(select(Member).where(Member.user_id == user_id))
        if member is None or member.committee_id != quiz.committee_id:
            raise NotFound(_l("This member is not in the quiz's committee."))
        return member.user.name
    unit = session.get(OrgUnit, unit_id)
    if unit is None or unit.committee_id != quiz.committee_id:
        raise NotFound(_l("This unit is not in the quiz's committee."))
    return unit.name


def save_override(
    session: Session,
    quiz: Quiz,
    fields: OverrideFields,
    *,
    user_id: int | None = None,
    unit_id: int | None = None,
    actor_id: int | None,
    now: datetime,
) -> QuizOverride:
    """Set the exception for the member ``user_id`` or the unit ``unit_id`` (replacing theirs)."""
    fields = _clean(fields)
    name = _check_target(session, quiz, user_id=user_id, unit_id=unit_id)
    target = (
        QuizOverride.user_id == user_id if user_id is not None else QuizOverride.unit_id == unit_id
    )
    found = session.scalar(select(QuizOverride).where(QuizOverride.quiz_id == quiz.id, target))
    before = _values(found) if found is not None else dict.fromkeys(_FIELDS)
    if found is None:
        found = QuizOverride(
            quiz_id=quiz.id,
            user_id=user_id,
            unit_id=unit_id,
            created_by_id=actor_id,
            created_at=now,
        )
        session.add(found)
    for name_ in _FIELDS:
        setattr(found, name_, getattr(fields, name_))
    found.updated_at = now
    session.flush()
    after = _values(found)
    _record(
        session,
        quiz,
        "quiz.override_saved",
        actor_id=actor_id,
        now=now,
        summary=f"{quiz.title}: {name}",
        changes={k: [before[k], after[k]] for k in _FIELDS if before[k] != after[k]},
        details={"user_id": user_id, "unit_id": unit_id},
    )
    refresh_deadlines(session, quiz, now=now)
    return found


def delete_override(
    session: Session, quiz: Quiz, override_id: int, *, actor_id: int | None, now: datetime
) -> None:
    found = session.get(QuizOverride, override_id)
    if found is None or found.quiz_id != quiz.id:
        raise NotFound(_l("This exception does not exist."))
    name = _check_target(session, quiz, user_id=found.user_id, unit_id=found.unit_id)
    before = _values(found)
    session.delete(found)
    session.flush()
    _record(
        session,
        quiz,
        "quiz.override_deleted",
        actor_id=actor_id,
        now=now,
        summary=f"{quiz.title}: {name}",
        changes={k: [v, None] for k, v in before.items() if v is not None},
        details={"user_id": found.user_id, "unit_id": found.unit_id},
    )
    refresh_deadlines(session, quiz, now=now)


def _record(session: Session, quiz: Quiz, kind: str, **kwargs: Any) -> None:
    record_in(
        session,
        in_committee(session, quiz.committee_id),
        kind,
        object_type="quiz",
        object_id=quiz.id,
        **kwargs,
    )


def refresh_deadlines(session: Session, quiz: Quiz, *, now: datetime) -> int:
    """Give the attempts in progress the deadline the settings now give them (as Moodle
    does when an override changes); returns how many moved. An attempt whose new deadline
    has passed is submitted by the next look at it or by the scheduler's job."""
    moved = 0
    rows = session.execute(
        select(Attempt, Member.org_path)
        .join(Member, Member.user_id == Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.state == AttemptState.IN_PROGRESS)
    ).all()
    if not rows:
        return 0
    found = list(session.scalars(select(QuizOverride).where(QuizOverride.quiz_id == quiz.id)))
    base = Settings.of(quiz)
    for attempt, path in rows:
        units = set(ancestor_ids(path))
        matched = [o for o in found if o.user_id == attempt.user_id or o.unit_id in units]
        deadline = deadline_for(combine(base, matched), attempt.started_at)
        current = as_utc(attempt.deadline_at) if attempt.deadline_at is not None else None
        if deadline != current:
            attempt.deadline_at = deadline
            moved += 1
    session.flush()
    return moved


@dataclass(frozen=True)
class OverrideRow:
    id: int
    target: str  # the member's or the unit's name
    is_member: bool
    override: QuizOverride


def override_rows(session: Session, quiz: Quiz) -> list[OverrideRow]:
    """The quiz's exceptions for the staff page: units first, then members, by name."""
    rows = []
    for override, unit_name, user_name in session.execute(
        select(QuizOverride, OrgUnit.name, User.name)
        .outerjoin(OrgUnit, OrgUnit.id == QuizOverride.unit_id)
        .outerjoin(User, User.id == QuizOverride.user_id)
        .where(QuizOverride.quiz_id == quiz.id)
    ):
        rows.append(
            OverrideRow(
                id=override.id,
                target=user_name or unit_name or "?",
                is_member=override.user_id is not None,
                override=override,
            )
        )
    rows.sort(key=lambda r: (r.is_member, r.target))
    return rows


def find_member(session: Session, quiz: Quiz, text: str) -> int:
    """The user id of the quiz committee's active member with this phone, member number or
    (unique) name; :class:`NotFound` otherwise."""
    text = " ".join(text.split())
    found = list(
        session.scalars(
            select(Member.user_id)
            .join(User, User.id == Member.user_id)
            .where(
                Member.committee_id == quiz.committee_id,
                Member.is_active.is_(True),
                or_(User.phone == text, User.member_no == text, User.name == text),
            )
            .limit(2)
        )
    )
    if len(found) != 1:
        raise NotFound(
            _l("No single member of the committee has this phone, member number or name.")
            if not found
            else _l("Several members have this name: enter the phone or member number.")
        )
    return found[0]
