"""Grading: pure functions from a question version's answer and a response to a mark.

Nothing here touches the database or the clock. A response has one shape per
type, and :func:`clean_response` is the only way a member's input becomes one:

- single choice: the chosen option's key (``"B"``);
- multiple choice: the chosen keys in option order (``["A", "C"]``);
- true/false: a bool;
- fill-in: one string per blank, as typed (``["遵义会议", ""]``).

``None`` is "not answered". A mark is a fraction of the item's points:

- single choice and true/false: all or nothing;
- multiple choice: all or nothing, or — when the quiz gives partial credit —
  Moodle's scheme: each right option chosen adds 1/(right options), each wrong
  option chosen takes away 1/(wrong options), never below 0;
- fill-in: each blank is worth the same share; a blank is right when the text
  matches one of its accepted answers after :func:`normalise` (full-width and
  half-width forms, surrounding and repeated spaces, letter case), and after the
  version's lenient matching rules (``QuestionVersion.match_rules``, a bank's
  default for new questions; each can be turned off in the question editor):

  - ``trailing_punctuation``: punctuation at the end is ignored ("遵义会议。");
  - ``separators``: 、，,；; are one and the same separator ("民族、民主" = "民族，民主");
  - ``quotes``: 《》“”"" may be left out ("共产党宣言" = "《共产党宣言》");
  - ``spaces``: a space next to a Chinese character is ignored ("遵义 会议"); spaces
    between Latin words still count.

  The rules apply to the accepted answer and the response alike. Changing them
  changes how later submissions are graded; stored grades stay until staff regrade.
- essay: not graded here (a marker marks it); :func:`grade` gives 0.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

from studyhub.core.errors import InvalidInput
from studyhub.quizzes.models import MatchRule, QuestionType

Response = str | list[str] | bool | None

#: The keys a true/false response is posted as.
TRUE, FALSE = "true", "false"
#: The longest text accepted in one blank; the number of blanks is the question's.
BLANK_MAX = 200
ESSAY_MAX = 5000  # characters of an essay answer (the page's textarea says the same)
SCORE_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Grade:
    """What a response earned, as an exact fraction of the item's points (0..1)."""

    fraction: Fraction

    @property
    def is_correct(self) -> bool:
        return self.fraction == 1

    def score(self, points: Decimal) -> Decimal:
        """The item's points times the fraction, rounded to the stored four places."""
        exact = Fraction(points) * self.fraction
        value = Decimal(exact.numerator) / Decimal(exact.denominator)
        return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


WRONG = Grade(Fraction(0))
RIGHT = Grade(Fraction(1))


_QUOTES = re.compile('[《》〈〉“”"「」『』]')
_SEPARATOR = re.compile(r"\s*[、,;]\s*")  # after NFKC: ，→, and ；→;
_TRAILING = re.compile(r"[\s。.,、;:!?…·~～]+$")
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")


def normalise(text: str, rules: Sequence[str] | None = None) -> str:
    """Fill-in text as compared: NFKC (full-width ＡＢＣ and １２３ become ABC, 123; the
    ideographic space a plain one), spaces trimmed and runs of them made one, case folded;
    then the lenient ``rules`` (see the module's docstring).
    """
    text = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
    if not rules:
        return text
    if MatchRule.QUOTES in rules:
        text = _QUOTES.sub("", text)
    if MatchRule.SEPARATORS in rules:
        text = _SEPARATOR.sub("、", text)
    if MatchRule.SPACES in rules:
        text = _CJK_SPACE.sub("", text)
    if MatchRule.TRAILING_PUNCTUATION in rules:
        text = _TRAILING.sub("", text)
    return text.strip()


def grade_single(answer: Any, response: Response) -> Grade:
    return RIGHT if isinstance(response, str) and response == answer else WRONG


def grade_truefalse(answer: Any, response: Response) -> Grade:
    return RIGHT if isinstance(response, bool) and response is answer else WRONG


def grade_multiple(
    answer: Sequence[str], response: Response, *, keys: Sequence[str], partial_credit: bool
) -> Grade:
    """All or nothing by default; with ``partial_credit`` Moodle's per-option weights."""
    chosen = set(response) if isinstance(response, list) else set()
    right = set(answer)
    if not partial_credit:
        return RIGHT if chosen and chosen == right else WRONG
    wrong = set(keys) - right
    fraction = Fraction(0)
    if right:
        fraction += Fraction(len(chosen & right), len(right))
    if wrong:
        fraction -= Fraction(len(chosen & wrong), len(wrong))
    return Grade(min(Fraction(1), max(Fraction(0), fraction)))


def blank_matches(accepted: Sequence[str], text: str, rules: Sequence[str] | None = None) -> bool:
    wanted = normalise(text, rules)
    return bool(wanted) and any(normalise(candidate, rules) == wanted for candidate in accepted)


def grade_fillin(
    answer: Sequence[Sequence[str]], response: Response, rules: Sequence[str] | None = None
) -> Grade:
    """Each blank an equal share; a blank is right when it matches an accepted answer."""
    if not answer:
        return WRONG
    texts = response if isinstance(response, list) else []
    right = sum(
        1
        for index, accepted in enumerate(answer)
        if index < len(texts) and blank_matches(accepted, texts[index], rules)
    )
    return Grade(Fraction(right, len(answer)))


def grade(
    qtype: QuestionType,
    answer: Any,
    response: Response,
    *,
    keys: Sequence[str] = (),
    partial_credit: bool = False,
    match_rules: Sequence[str] | None = None,
) -> Grade:
    """The grade of ``response`` to a question of ``qtype`` whose answer is ``answer``.

    ``match_rules`` are the version's lenient fill-in rules. An essay is marked by a
    person, so it grades 0 here.
    """
    if response is None or qtype == QuestionType.ESSAY:
        return WRONG
    if qtype == QuestionType.SINGLE:
        return grade_single(answer, response)
    if qtype == QuestionType.MULTIPLE:
        return grade_multiple(answer, response, keys=keys, partial_credit=partial_credit)
    if qtype == QuestionType.TRUEFALSE:
        return grade_truefalse(answer, response)
    return grade_fillin(answer, response, match_rules)


def percent_of(score: Decimal, max_score: Decimal) -> Decimal:
    """``score`` as a percentage of ``max_score`` (two places); 0 when nothing was at stake."""
    if max_score <= 0:
        return Decimal(0).quantize(PERCENT_PLACES)
    return (score * 100 / max_score).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def _as_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    return [raw]


def clean_response(qtype: QuestionType, raw: Any, *, keys: Sequence[str], blanks: int) -> Response:
    """A posted answer (JSON value or form values) in its stored shape, or ``None`` if empty.

    ``keys`` are the question's option keys, ``blanks`` its number of blanks.
    Anything else (an unknown key, a list for a single choice, too many blanks,
    overlong text) raises :class:`InvalidInput`.
    """
    invalid = InvalidInput(_l("This answer does not fit the question."))
    if qtype == QuestionType.SINGLE:
        values = [v for v in _as_list(raw) if v not in ("", None)]
        if not values:
            return None
        if len(values) != 1 or not isinstance(values[0], str) or values[0] not in keys:
            raise invalid
        return values[0]
    if qtype == QuestionType.MULTIPLE:
        values = [v for v in _as_list(raw) if v not in ("", None)]
        if any(not isinstance(v, str) or v not in keys for v in values):
            raise invalid
        chosen = set(values)
        return [key for key in keys if key in chosen] or None
    if qtype == QuestionType.TRUEFALSE:
        values = [v for v in _as_list(raw) if v not in ("", None)]
        if not values:
            return None
        if len(values) != 1:
            raise invalid
        value = values[0]
        if isinstance(value, bool):
            return value
        if value in (TRUE, FALSE):
            return value == TRUE
        raise invalid
    if qtype == QuestionType.ESSAY:  # one text, kept as typed (line breaks too)
        values = _as_list(raw)
        if len(values) > 1 or any(not isinstance(v, str) or len(v) > ESSAY_MAX for v in values):
            raise invalid
        text = values[0].replace("\r\n", "\n").strip() if values else ""
        return text or None
    texts = _as_list(raw)
    if len(texts) > blanks or any(not isinstance(t, str) or len(t) > BLANK_MAX for t in texts):
        raise invalid
    texts = [t.strip() for t in texts] + [""] * (blanks - len(texts))
    return texts if any(texts) else None
