"""The exam page's data: the attempt and its items in one statement, the questions prepared once.

What is the same for every taker of a question version — its type, stem,
options and blanks — is read and prepared once per process and reused: a
version never changes once written (an edit makes a new version), so the
prepared form needs no invalidation. It is keyed by the version's id and its
question's id, so a database restored under a running process cannot hand one
version's text to another. What is the taker's own — the order, the option
order, the answers saved, the flags — comes from the attempt's items, read with
the attempt in one statement (:func:`queries.attempt_page`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.core.errors import NotFound
from studyhub.quizzes import queries
from studyhub.quizzes.models import AttemptState, QuestionType, QuizMode
from studyhub.quizzes.services import review

#: Prepared versions kept per process (a 50-question exam drawn from a bank of a few
#: thousand questions fits many times over); the oldest half goes when it is full.
MAX_SHEETS = 20_000


@dataclass(frozen=True)
class Sheet:
    """One question version as the attempt page shows it, the same for every taker."""

    version_id: int
    question_id: int
    qtype: QuestionType
    stem_html: str
    stem_parts: tuple[str, ...] | None  # fill-in stem cut at its blanks, when they can be inlined
    options: tuple[tuple[str, str], ...]  # (key, html) in the bank's order
    keys: tuple[str, ...]
    blanks: int


class PageItem(NamedTuple):
    """One item of an attempt as the page needs it: the taker's own facts only."""

    position: int
    question_id: int
    version_id: int
    points: Decimal
    option_order: tuple[str, ...]
    response: Any
    seq: int
    is_flagged: bool
    is_graded: bool

    @property
    def is_answered(self) -> bool:
        return self.response is not None


@dataclass(frozen=True)
class AttemptPage:
    """The attempt page's facts: the attempt, its quiz's, its items and their sheets."""

    attempt_id: int
    user_id: int
    quiz_id: int
    title: str
    mode: QuizMode
    state: AttemptState
    deadline_at: datetime | None
    items: list[PageItem]
    sheets: dict[int, Sheet]

    @property
    def is_instant(self) -> bool:
        return self.mode in review.INSTANT_FEEDBACK_MODES

    @property
    def has_feedback(self) -> bool:
        """Whether some item shows its grade (practice, the daily quiz): the full rendering."""
        return self.is_instant and any(item.is_graded for item in self.items)


_sheets: dict[tuple[int, int], Sheet] = {}
_lock = threading.Lock()


def clear_sheets() -> None:
    """Forget every prepared version (tests, whose databases reuse ids, call it)."""
    with _lock:
        _sheets.clear()


def _prepare(
    version_id: int, question_id: int, qtype: str, stem_html: str, options: Any, answer: Any
) -> Sheet:
    kind = QuestionType(qtype)
    pairs = tuple((str(o["key"]), str(o.get("html", ""))) for o in options or [])
    blanks = len(answer) if isinstance(answer, list) else 1
    parts = None
    if kind == QuestionType.FILLIN:
        found = review.stem_parts(stem_html, blanks)
        parts = tuple(found) if found is not None else None
    return Sheet(
        version_id=version_id,
        question_id=question_id,
        qtype=kind,
        stem_html=stem_html,
        stem_parts=parts,
        options=pairs,
        keys=tuple(key for key, _html in pairs),
        blanks=blanks,
    )


def sheets_for(session: Session, items: list[PageItem]) -> dict[int, Sheet]:
    """The items' versions prepared, by version id: one statement for those not prepared yet."""
    found: dict[int, Sheet] = {}
    missing: dict[int, int] = {}
    for item in items:
        sheet = _sheets.get((item.version_id, item.question_id))
        if sheet is None:
            missing[item.version_id] = item.question_id
        else:
            found[item.version_id] = sheet
    if missing:
        fresh = {}
        for row in session.execute(queries.versions_to_show(sorted(missing))):
            if missing.get(row.id) == row.question_id:
                sheet = _prepare(
                    row.id, row.question_id, row.qtype, row.stem_html, row.options, row.answer
                )
                fresh[(row.id, row.question_id)] = sheet
                found[row.id] = sheet
        with _lock:
            if len(_sheets) + len(fresh) > MAX_SHEETS:
                for key in list(_sheets)[: len(_sheets) // 2]:
                    _sheets.pop(key, None)
            _sheets.update(fresh)
    return found


@lru_cache(maxsize=65536)
def _order_of(text: str | None) -> tuple[str, ...]:
    """An item's option order from its JSON text (a few dozen distinct ones per exam)."""
    value = json.loads(text) if text else None
    return tuple(str(key) for key in value) if isinstance(value, list) else ()


@lru_cache(maxsize=65536)
def _parsed(text: str) -> Any:
    return json.loads(text)


def _decoded(text: str | None) -> Any:
    """A saved answer from its JSON text; short ones (a choice's keys) decoded once."""
    if text is None:
        return None
    value = _parsed(text) if len(text) <= 40 else json.loads(text)
    return list(value) if isinstance(value, list) else value  # never share a cached list


def attempt_page(session: Session, attempt_id: int, *, user_id: int) -> AttemptPage:
    """The attempt page of ``user_id``'s attempt: :class:`NotFound` for anyone else's.

    One statement reads the attempt, its quiz's title and mode and its items;
    one more reads the versions no earlier page has prepared in this process.
    """
    rows = session.execute(*queries.attempt_page(attempt_id)).all()
    if not rows or rows[0].user_id != user_id:
        raise NotFound(_l("This attempt is not yours."))
    first = rows[0]
    # Unpacked by position (the statement's column order): this runs for every item.
    items = [
        PageItem(
            position,
            question_id,
            version_id,
            points,
            _order_of(order),
            None if response is None else _decoded(response),
            seq,
            bool(is_flagged),
            score is not None,
        )
        for (
            *_attempt,
            position,
            question_id,
            version_id,
            points,
            order,
            response,
            seq,
            is_flagged,
            score,
        ) in rows
        if position is not None
    ]
    return AttemptPage(
        attempt_id=attempt_id,
        user_id=first.user_id,
        quiz_id=first.quiz_id,
        title=first.title,
        mode=QuizMode(first.mode),
        state=AttemptState(first.state),
        deadline_at=first.deadline_at,
        items=items,
        sheets=sheets_for(session, items),
    )
