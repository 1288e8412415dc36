"""Regrading a quiz's submitted attempts after an answer key or a matching rule changed.

Each automatically graded item is graded again against its question's
*current* version (its answer and matching rules), provided that version has
the same type and the same option keys as the one the member was shown (so
the member's choice still means the same thing); otherwise the item keeps its
grade and is counted as "not comparable". Essays keep their marks.

:func:`plan` is the dry run: it changes nothing and lists every attempt whose
score would change, with the questions that change. :func:`apply` computes the
same plan and applies it in the caller's transaction (one unit of work): the
items' scores, their version (the current one), the attempts' score, percent
and pass. A member's final grade and the open quarters' scores are computed
from the attempts, so they follow; a closed quarter's frozen scores do not
change: the plan notes the attempts that were counted in one. Members whose
result changed get one message each (once per new result); the regrade is in
the committee's audit log with who did it and what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, column, select, table
from sqlalchemy.orm import Session, joinedload

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.notify import services as notify
from studyhub.org.auditing import in_committee, record_in
from studyhub.quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Question,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizMode,
)
from studyhub.quizzes.services import grading, review

CHUNK = 500
AUDIT_LIST_MAX = 200

# The reports' quarter closes, read without importing the reports (a layer above quizzes).
_quarter_close = table(
    "quarter_close",
    column("committee_id"),
    column("year"),
    column("quarter"),
    column("is_closed"),
)


@dataclass(frozen=True)
class ItemChange:
    position: int
    question_id: int
    old_score: Decimal
    new_score: Decimal
    new_version_id: int


@dataclass(frozen=True)
class AttemptChange:
    attempt_id: int
    user_id: int
    name: str
    number: int
    old_score: Decimal
    new_score: Decimal
    old_percent: Decimal | None
    new_percent: Decimal | None
    old_passed: bool | None
    new_passed: bool | None
    items: tuple[ItemChange, ...]
    frozen_quarter: str | None  # the closed quarter whose frozen scores counted it

    @property
    def questions(self) -> list[int]:
        return [item.position for item in self.items]

    @property
    def result_changed(self) -> bool:
        return self.old_percent != self.new_percent or self.old_passed != self.new_passed


@dataclass
class Plan:
    quiz_id: int
    checked: int = 0  # submitted attempts looked at
    not_comparable: int = 0  # items whose question changed type or options
    changes: list[AttemptChange] = field(default_factory=list)

    @property
    def frozen_quarters(self) -> list[str]:
        return sorted({c.frozen_quarter for c in self.changes if c.frozen_quarter})

    def key(self) -> list[tuple[int, str, str, tuple[int, ...]]]:
        """What the plan would do, comparable between a dry run and an applied run."""
        return [
            (c.attempt_id, str(c.old_score), str(c.new_score), tuple(c.questions))
            for c in self.changes
        ]

    def digest(self) -> str:
        """A short fingerprint of :meth:`key`: the page posts the one it showed."""
        return hashlib.sha256(repr(self.key()).encode()).hexdigest()[:32]


def _current_versions(session: Session, question_ids: set[int]) -> dict[int, QuestionVersion]:
    rows = session.execute(
        select(Question.id, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(question_ids))
    )
    return {qid: version for qid, version in rows}


def _attempt_chunks(session: Session, quiz: Quiz, *, lock: bool) -> Iterator[list[Attempt]]:
    """The quiz's submitted attempts with their items, :data:`CHUNK` at a time; with ``lock``
    their rows are locked until the transaction ends (PostgreSQL), so a marker's mark or
    another regrade waits instead of being overwritten."""
    last = 0
    while True:
        stmt = (
            select(Attempt)
            .options(joinedload(Attempt.items).joinedload(AttemptItem.version))
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.state == AttemptState.SUBMITTED,
                Attempt.id > last,
            )
            .order_by(Attempt.id)
            .limit(CHUNK)
        )
        if lock:
            stmt = stmt.with_for_update(of=Attempt).execution_options(populate_existing=True)
        chunk = list(session.scalars(stmt).unique())
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def _closed_quarters(session: Session, committee_id: int) -> set[tuple[int, int]]:
    return {
        (year, number)
        for year, number in session.execute(
            select(_quarter_close.c.year, _quarter_close.c.quarter).where(
                and_(
                    _quarter_close.c.committee_id == committee_id,
                    _quarter_close.c.is_closed.is_(True),
                )
            )
        )
    }


def _regraded_item(
    item: AttemptItem, current: QuestionVersion | None, quiz: Quiz
) -> tuple[Decimal, int] | None:
    """The item's new (score, version) against the current version; None if not comparable."""
    shown = item.version
    qtype = QuestionType(shown.question.qtype)
    if current is None or qtype == QuestionType.ESSAY:
        return None
    if QuestionType(current.question.qtype) != qtype:
        return None
    if review.option_keys(current) != review.option_keys(shown):
        return None
    if qtype == QuestionType.FILLIN and len(current.answer or []) != len(shown.answer or []):
        return None
    mark = grading.grade(
        qtype,
        current.answer,
        item.response,
        keys=review.option_keys(current),
        partial_credit=quiz.multiple_partial_credit,
        match_rules=current.match_rules,
    )
    return mark.score(item.points), current.id


def _passed(quiz: Quiz, percent: Decimal | None) -> bool | None:
    if percent is None or quiz.mode == QuizMode.PRACTICE:
        return None
    return percent >= quiz.pass_percent


def _walk(session: Session, quiz: Quiz, *, apply: bool) -> Plan:
    if quiz.mode == QuizMode.DAILY:
        raise InvalidInput(_l("The daily quiz is not regraded."))
    plan = Plan(quiz_id=quiz.id)
    committee = in_committee(session, quiz.committee_id)
    zone = ZoneInfo(committee.timezone)
    closed = _closed_quarters(session, quiz.committee_id)
    names: dict[int, str] = {}
    for chunk in _attempt_chunks(session, quiz, lock=apply):
        current = _current_versions(session, {i.question_id for a in chunk for i in a.items})
        missing = {a.user_id for a in chunk} - set(names)
        names.update(session.execute(select(User.id, User.name).where(User.id.in_(missing))).all())
        for attempt in chunk:
            plan.checked += 1
            changed: list[ItemChange] = []
            total = Decimal(0)
            for item in attempt.items:
                old = item.score if item.score is not None else Decimal(0)
                found = _regraded_item(item, current.get(item.question_id), quiz)
                if found is None:
                    if QuestionType(item.version.question.qtype) != QuestionType.ESSAY:
                        plan.not_comparable += item.version_id != (
                            current[item.question_id].id if item.question_id in current else None
                        )
                    total += old
                    continue
                new, version_id = found
                total += new
                if new != old:
                    changed.append(
                        ItemChange(item.position, item.question_id, old, new, version_id)
                    )
            if not changed:
                continue
            pending = attempt.is_marking_pending
            new_percent = None if pending else grading.percent_of(total, attempt.max_score)
            submitted = as_utc(attempt.submitted_at).astimezone(zone).date()
            quarter = (submitted.year, (submitted.month - 1) // 3 + 1)
            change = AttemptChange(
                attempt_id=attempt.id,
                user_id=attempt.user_id,
                name=names.get(attempt.user_id, "?"),
                number=attempt.number,
                old_score=attempt.score or Decimal(0),
                new_score=total,
                old_percent=attempt.percent,
                new_percent=new_percent,
                old_passed=attempt.is_passed,
                new_passed=None if pending else _passed(quiz, new_percent),
                items=tuple(changed),
                frozen_quarter=f"{quarter[0]}Q{quarter[1]}" if quarter in closed else None,
            )
            plan.changes.append(change)
            if apply:
                by_position = {c.position: c for c in changed}
                for item in attempt.items:
                    if item.position in by_position:
                        c = by_position[item.position]
                        item.score = c.new_score
                        item.is_correct = c.new_score == item.points
                        item.version_id = c.new_version_id
                attempt.score = change.new_score
                if not pending:
                    attempt.percent = change.new_percent
                    attempt.is_passed = change.new_passed
        if apply:
            session.flush()
    return plan


def plan(session: Session, quiz: Quiz) -> Plan:
    """The dry run: every submitted attempt whose score would change (nothing is written)."""
    return _walk(session, quiz, apply=False)


def apply(
    session: Session,
    quiz: Quiz,
    *,
    actor_id: int | None,
    now: datetime,
    expected: str | None = None,
) -> Plan:
    """Regrade (see the module's docstring); returns the plan it applied.

    With ``expected`` (the :meth:`Plan.digest` of the dry run the staff confirmed) a run
    that would do anything else raises :class:`Conflict` before recording or telling
    anyone; the caller rolls its changes back.
    """
    done = _walk(session, quiz, apply=True)
    if expected is not None and done.digest() != expected:
        raise Conflict(
            _l("The attempts changed since the list was made. Check the new list and confirm.")
        )
    committee = in_committee(session, quiz.committee_id)
    record_in(
        session,
        committee,
        "quiz.regraded",
        actor_id=actor_id,
        now=now,
        object_type="quiz",
        object_id=quiz.id,
        summary=quiz.title,
        details={
            "checked": done.checked,
            "changed": len(done.changes),
            "frozen_quarters": done.frozen_quarters,
            "attempts": [
                {
                    "attempt": c.attempt_id,
                    "user": c.user_id,
                    "score": [c.old_score, c.new_score],
                    "questions": c.questions,
                }
                for c in done.changes[:AUDIT_LIST_MAX]
            ],
        },
    )
    for change in done.changes:
        if not change.result_changed:
            continue
        notify.send(
            session,
            user_id=change.user_id,
            kind="quiz_regraded",
            subject=str(_l("Your result in %(quiz)s was corrected", quiz=quiz.title)),
            body=str(
                _l(
                    "The answer key was corrected and your attempt %(n)d regraded: "
                    "%(old)s%% → %(new)s%%.",
                    n=change.number,
                    old=change.old_percent if change.old_percent is not None else "–",
                    new=change.new_percent if change.new_percent is not None else "–",
                )
            ),
            link=f"/quizzes/attempts/{change.attempt_id}/result",
            dedupe_key=f"quiz-regraded:{change.attempt_id}:{change.new_score}",
            now=now,
            params={  # rendered in the reader's language (notify.texts)
                "quiz": quiz.title,
                "number": change.number,
                "old": str(change.old_percent) if change.old_percent is not None else "–",
                "new": str(change.new_percent) if change.new_percent is not None else "–",
            },
        )
    return done
