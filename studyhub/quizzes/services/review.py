"""The review policy: what a member may see of an attempt now, and the items as shown.

Pure: no database, no clock (``now`` is an argument). A quiz sets, for each of
score, right/wrong, correct answers and explanations, when members see it:
immediately (once the attempt is submitted), after the quiz closes, or never.
Practice and the daily quiz give instant feedback instead: an answered
question shows everything at once, even while the attempt is in progress.

Pages and JSON are built only from the :class:`ItemView` objects made here, and
:func:`present_item` leaves out whatever the policy hides — the right options,
the accepted answers, the explanation — so a template cannot show (nor a page's
source leak) what the member may not see yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from studyhub.core.clock import as_utc
from studyhub.quizzes.models import (
    AttemptItem,
    AttemptState,
    QuestionType,
    QuestionVersion,
    QuizMode,
    ReviewTiming,
)
from studyhub.quizzes.services import grading

#: Modes that grade each answer as it is given and show the feedback at once.
INSTANT_FEEDBACK_MODES = frozenset({QuizMode.PRACTICE, QuizMode.DAILY})
#: Blanks in a fill-in stem, as the question bank writes them (see ``content``).
BLANK = re.compile(r"_{3,}|（\s*）|\(\s+\)")
LABELS = "ABCDEFGH"
TRUEFALSE_LABELS = {grading.TRUE: _l("True"), grading.FALSE: _l("False")}


@dataclass(frozen=True)
class ReviewPolicy:
    score: ReviewTiming
    correctness: ReviewTiming
    answers: ReviewTiming
    explanations: ReviewTiming

    @classmethod
    def of(cls, quiz: Any) -> ReviewPolicy:
        return cls(
            score=quiz.review_score,
            correctness=quiz.review_correctness,
            answers=quiz.review_answers,
            explanations=quiz.review_explanations,
        )


@dataclass(frozen=True)
class Visibility:
    score: bool = False
    correctness: bool = False
    answers: bool = False
    explanations: bool = False

    @property
    def anything(self) -> bool:
        return self.score or self.correctness or self.answers or self.explanations


NOTHING = Visibility()
EVERYTHING = Visibility(score=True, correctness=True, answers=True, explanations=True)


def _shown(timing: ReviewTiming, *, is_submitted: bool, is_closed: bool) -> bool:
    if not is_submitted or timing == ReviewTiming.NEVER:
        return False
    return timing == ReviewTiming.IMMEDIATELY or is_closed


def is_closed(closes_at: datetime | None, now: datetime) -> bool:
    """Whether the quiz has closed; a quiz without a close time never does."""
    return closes_at is not None and as_utc(now) >= as_utc(closes_at)


def attempt_visibility(
    policy: ReviewPolicy,
    *,
    mode: QuizMode,
    state: AttemptState,
    closes_at: datetime | None,
    now: datetime,
) -> Visibility:
    """What the member may see of a whole attempt now (its score, each item's review)."""
    is_submitted = state == AttemptState.SUBMITTED
    if mode in INSTANT_FEEDBACK_MODES:
        return EVERYTHING if is_submitted else NOTHING
    closed = is_closed(closes_at, now)
    return Visibility(
        score=_shown(policy.score, is_submitted=is_submitted, is_closed=closed),
        correctness=_shown(policy.correctness, is_submitted=is_submitted, is_closed=closed),
        answers=_shown(policy.answers, is_submitted=is_submitted, is_closed=closed),
        explanations=_shown(policy.explanations, is_submitted=is_submitted, is_closed=closed),
    )


def item_visibility(attempt: Visibility, *, mode: QuizMode, is_graded: bool) -> Visibility:
    """One item's: the attempt's, or everything for an item already graded with feedback."""
    if mode in INSTANT_FEEDBACK_MODES and is_graded:
        return EVERYTHING
    return attempt


@dataclass(frozen=True)
class OptionView:
    key: str
    label: str  # the letter shown, by position on the page (options may be shuffled)
    html: str
    is_chosen: bool
    is_right: bool | None  # None: the policy hides it


@dataclass(frozen=True)
class BlankView:
    index: int
    text: str
    is_right: bool | None
    accepted: list[str] | None


@dataclass(frozen=True)
class EssayView:
    """An essay's answer and marking as the member may see them now.

    ``model_answer_html`` when the policy shows answers; the marks per criterion
    (``criteria``: criterion, points, given) and the comment when it shows scores.
    """

    text: str
    is_marked: bool
    model_answer_html: str | None
    criteria: list[tuple[str, Any, Any]]
    feedback: str | None


@dataclass(frozen=True)
class ItemView:
    """One question of an attempt as the member may see it now."""

    position: int
    qtype: QuestionType
    stem_html: str
    stem_parts: list[str] | None  # fill-in stem split at its blanks, when they can be inlined
    options: list[OptionView]
    blanks: list[BlankView]
    is_answered: bool
    is_flagged: bool
    seq: int
    points: Decimal
    show: Visibility
    is_correct: bool | None
    score: Decimal | None
    explanation_html: str | None
    essay: EssayView | None = None

    @property
    def has_feedback(self) -> bool:
        return self.show.correctness or self.show.answers or self.show.explanations

    @property
    def right_labels(self) -> list[str]:
        """The labels of the right options, when the answers may be shown."""
        return [o.label for o in self.options if o.is_right]


def option_keys(version: QuestionVersion) -> list[str]:
    return [str(option["key"]) for option in version.options or []]


def blank_count(version: QuestionVersion) -> int:
    return len(version.answer) if isinstance(version.answer, list) else 1


def _choice_options(
    item: AttemptItem, version: QuestionVersion, show: Visibility
) -> list[OptionView]:
    by_key = {str(o["key"]): str(o.get("html", "")) for o in version.options or []}
    order = [k for k in item.option_order or [] if k in by_key] or list(by_key)
    order += [k for k in by_key if k not in order]
    response = item.response
    chosen = set(response) if isinstance(response, list) else {response}
    answer = version.answer
    right = set(answer) if isinstance(answer, list) else {answer}
    return [
        OptionView(
            key=key,
            label=LABELS[index] if index < len(LABELS) else key,
            html=by_key[key],
            is_chosen=key in chosen,
            is_right=(key in right) if show.answers else None,
        )
        for index, key in enumerate(order)
    ]


def _truefalse_options(
    item: AttemptItem, version: QuestionVersion, show: Visibility
) -> list[OptionView]:
    views = []
    for index, (key, value) in enumerate(((grading.TRUE, True), (grading.FALSE, False))):
        views.append(
            OptionView(
                key=key,
                label=LABELS[index],
                html=str(TRUEFALSE_LABELS[key]),
                is_chosen=item.response is value,
                is_right=(version.answer is value) if show.answers else None,
            )
        )
    return views


def _blanks(item: AttemptItem, version: QuestionVersion, show: Visibility) -> list[BlankView]:
    accepted_lists = version.answer if isinstance(version.answer, list) else []
    texts = item.response if isinstance(item.response, list) else []
    views = []
    for index in range(blank_count(version)):
        accepted = [str(a) for a in accepted_lists[index]] if index < len(accepted_lists) else []
        text = str(texts[index]) if index < len(texts) else ""
        views.append(
            BlankView(
                index=index,
                text=text,
                is_right=grading.blank_matches(accepted, text, version.match_rules)
                if show.correctness
                else None,
                accepted=accepted if show.answers else None,
            )
        )
    return views


def stem_parts(stem_html: str, blanks: int) -> list[str] | None:
    """The stem cut at its blanks (``blanks + 1`` pieces), or ``None`` when they do not match."""
    parts = BLANK.split(stem_html)
    return parts if len(parts) == blanks + 1 else None


def present_item(item: AttemptItem, version: QuestionVersion, show: Visibility) -> ItemView:
    """The item as the member may see it under ``show``; hidden facts are left out."""
    qtype = QuestionType(version.question.qtype)
    options: list[OptionView] = []
    blanks: list[BlankView] = []
    parts = None
    essay = None
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = _choice_options(item, version, show)
    elif qtype == QuestionType.TRUEFALSE:
        options = _truefalse_options(item, version, show)
    elif qtype == QuestionType.ESSAY:
        essay = _essay(item, version, show)
    else:
        blanks = _blanks(item, version, show)
        parts = stem_parts(version.stem_html, len(blanks))
    return ItemView(
        position=item.position,
        qtype=qtype,
        stem_html=version.stem_html,
        stem_parts=parts,
        options=options,
        blanks=blanks,
        is_answered=item.response is not None,
        is_flagged=item.is_flagged,
        seq=item.response_seq,
        points=item.points,
        show=show,
        is_correct=item.is_correct if show.correctness else None,
        # A question's own score tells right from wrong: it needs both to be shown.
        score=item.score if show.score and show.correctness else None,
        explanation_html=(version.explanation_html or None) if show.explanations else None,
        essay=essay,
    )


def _essay(item: AttemptItem, version: QuestionVersion, show: Visibility) -> EssayView:
    marks = item.criterion_marks or []
    rubric = version.rubric or []
    criteria = [
        (
            str(row.get("criterion", "")),
            row.get("points"),
            Decimal(str(marks[i])) if i < len(marks) else None,
        )
        for i, row in enumerate(rubric)
    ]
    return EssayView(
        text=item.response if isinstance(item.response, str) else "",
        is_marked=item.marked_at is not None,
        model_answer_html=(version.model_answer_html or None) if show.answers else None,
        criteria=criteria if show.score and item.marked_at is not None else [],
        feedback=item.feedback if show.score else None,
    )
