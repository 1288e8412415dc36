"""Item analysis of an exam from the database, and members' statuses on a quiz.

The statistics are :mod:`studyhub.quizzes.statistics`'s, fed with sums the
database adds up (see :func:`queries.item_moments`): only one row per question
leaves the database, however many attempts there are. Which attempts count:

- ``first`` (the default, as Moodle's report by default): each member's first
  submitted attempt, so a second try at the same questions does not make them
  look easier;
- ``all``: every submitted attempt.

Attempts in progress never count. An item's "other marks" are its attempt's
score less the item's own.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.quizzes import queries, statistics
from studyhub.quizzes.models import GradingMethod, QuestionType, Quiz
from studyhub.quizzes.services import content, review

Which = Literal["first", "all"]
WHICH: tuple[Which, ...] = ("first", "all")


@dataclass(frozen=True)
class QuestionRow:
    """One question's line in the staff table."""

    question_id: int
    qtype: QuestionType
    text: str  # the first words of the current stem
    stats: statistics.ItemStats
    options: list[tuple[str, int]]  # (option label or answer given, how many), in order
    right: list[str]  # the right option keys (choice questions) or "true"/"false"

    @property
    def flags(self) -> list[str]:
        return self.stats.flags


@dataclass(frozen=True)
class QuizStatistics:
    which: Which
    summary: statistics.Summary  # of attempt percentages
    questions: list[QuestionRow]

    @property
    def flagged(self) -> int:
        return sum(1 for q in self.questions if q.flags)


def _float(value: Any) -> float:
    return float(value) if value is not None else 0.0


def quiz_statistics(session: Session, quiz: Quiz, *, which: Which = "first") -> QuizStatistics:
    """Facility, SD, discrimination, efficiency, effective weight and answers per question
    (4 queries, plus 1 for the median and 1 for the questions' text)."""
    first_only = which == "first"
    sorted_sums = dict(session.execute(queries.item_sorted_products(quiz.id, first_only)).all())
    items = {}
    max_marks = {}
    for row in session.execute(queries.item_moments(quiz.id, first_only)):
        question_id, n, sx, sx2, sy, sy2, sxy, max_mark = row
        max_marks[question_id] = _float(max_mark)
        moments = statistics.Moments(
            n=n,
            sum_x=_float(sx),
            sum_x2=_float(sx2),
            sum_y=_float(sy),
            sum_y2=_float(sy2),
            sum_xy=_float(sxy),
            sum_sorted_xy=_float(sorted_sums.get(question_id)),
        )
        items[question_id] = statistics.item_stats(moments, max_marks[question_id])
    items = statistics.with_effective_weights(items)

    n, total, total2 = session.execute(queries.percent_sums(quiz.id, first_only)).one()
    median = None
    if n:
        middle = list(
            session.scalars(
                queries.percents_ordered(quiz.id, first_only)
                .offset((n - 1) // 2)
                .limit(2 if n % 2 == 0 else 1)
            )
        )
        median = sum(_float(v) for v in middle) / len(middle) if middle else None
    summary = statistics.summary_from_sums(n or 0, _float(total), _float(total2), median)

    answers: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for question_id, text, count in session.execute(queries.response_counts(quiz.id, first_only)):
        answers[question_id].append((_parse(text), count))

    rows = []
    versions = {
        question.id: (question, version)
        for question, version in session.execute(queries.current_versions(list(items)))
    }
    for question_id, stats_ in items.items():
        question, version = versions[question_id]
        qtype = QuestionType(question.qtype)
        keys = review.option_keys(version) if qtype != QuestionType.TRUEFALSE else []
        if qtype == QuestionType.TRUEFALSE:
            keys = ["true", "false"]
        # An essay's answers are texts to mark, not choices to count: its row has marks only.
        essay = qtype == QuestionType.ESSAY
        counts = (
            {} if essay else statistics.option_frequencies(answers.get(question_id, []), keys=keys)
        )
        rows.append(
            QuestionRow(
                question_id=question_id,
                qtype=qtype,
                text=question.title or content.first_words(version.stem_html),
                stats=stats_,
                options=_ordered(counts, keys),
                right=[] if essay else _right(qtype, version.answer),
            )
        )
    rows.sort(key=lambda r: r.question_id)
    return QuizStatistics(which=which, summary=summary, questions=rows)


def _parse(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _ordered(counts: dict[str, int], keys: list[str]) -> list[tuple[str, int]]:
    """Options in their order, then free answers by frequency, "no answer" last."""
    known = [(key, counts.get(key, 0)) for key in keys]
    free = sorted(
        ((k, v) for k, v in counts.items() if k not in keys and k != statistics.NO_ANSWER),
        key=lambda kv: (-kv[1], kv[0]),
    )
    blank = (
        [(statistics.NO_ANSWER, counts[statistics.NO_ANSWER])]
        if counts.get(statistics.NO_ANSWER)
        else []
    )
    return known + free[:10] + blank


def _right(qtype: QuestionType, answer: Any) -> list[str]:
    if qtype == QuestionType.TRUEFALSE:
        return ["true" if answer else "false"]
    if qtype == QuestionType.SINGLE:
        return [str(answer)]
    if qtype == QuestionType.MULTIPLE:
        return [str(key) for key in answer or []]
    return [" / ".join(blank[0] for blank in answer if blank)] if answer else []


# Members' statuses ---------------------------------------------------------------------------

NOT_STARTED, IN_PROGRESS, SUBMITTED = "not_started", "in_progress", "submitted"


@dataclass(frozen=True)
class MemberStatus:
    member_id: int
    name: str
    status: str  # NOT_STARTED, IN_PROGRESS or SUBMITTED (at least one attempt submitted)
    attempts: int  # submitted
    grade: Decimal | None  # percent, by the quiz's grading method
    is_passed: bool | None
    waiting_for_marking: int = 0  # submitted attempts whose essays are not marked yet

    @property
    def has_open_attempt(self) -> bool:
        return self.status == IN_PROGRESS


@dataclass(frozen=True)
class StatusTable:
    rows: list[MemberStatus]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.rows if r.is_passed)


def unit_status(session: Session, quiz: Quiz, unit: OrgUnit) -> StatusTable:
    """Each active member under ``unit`` with their status on ``quiz`` (one query)."""
    rows = []
    for member_id, name, submitted, open_, grade, marking in session.execute(
        queries.member_statuses(quiz.id, GradingMethod(quiz.grading_method), unit.path)
    ):
        if submitted:
            status = SUBMITTED
        elif open_:
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        value = Decimal(str(grade)).quantize(Decimal("0.01")) if grade is not None else None
        rows.append(
            MemberStatus(
                member_id=member_id,
                name=name,
                status=status,
                attempts=submitted or 0,
                grade=value,
                is_passed=(value >= quiz.pass_percent) if value is not None else None,
                waiting_for_marking=marking or 0,
            )
        )
    return StatusTable(rows=rows)
