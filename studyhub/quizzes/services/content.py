"""Question text: Markdown or HTML to sanitised HTML, blanks, plain text, checks per type.

Everything a question shows (stem, options, explanation) is stored as sanitised
HTML, rendered once when it is saved. Staff write Markdown (raw HTML allowed in
it) or HTML; importers hand over HTML.

Blanks in a fill-in stem (the convention of the XLSX template too): a run of
three or more underscores, half-width ``___`` or full-width ``＿＿`` (two or more;
the importers write five ``_____``), or brackets holding nothing but spaces
(half-width, full-width or the ideographic space), the brackets in either width
and even mixed: ``（）``, ``（ ）``, ``()``, ``( )``, ``（)``, ``(）``. Each blank
has its own list of accepted answers, so a stem that marks blanks has exactly
as many answer lists as marks. A stem that marks none (Moodle's short answer:
"Which is the best animal?") is answered in boxes after the text, one per
answer list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt

from studyhub.quizzes.importers.model import (
    BLANK_PATTERN,
    KEYS,
    ParsedOption,
    ParsedQuestion,
    fingerprint,
)
from studyhub.quizzes.models import QuestionType
from studyhub.web.html import sanitise_html

TextFormat = Literal["markdown", "html"]
TEXT_FORMATS: tuple[TextFormat, ...] = ("markdown", "html")
MAX_OPTIONS = len(KEYS)
ANSWER_MAX = 200  # characters of one accepted fill-in answer

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_BLANK = re.compile(BLANK_PATTERN)
RUBRIC_MAX = 20  # criteria of an essay's rubric
CRITERION_MAX = 500  # characters of one criterion
_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|tr|td|th|h[1-6]|img|audio|video)\b[^>]*>", re.I)
_SPACE = re.compile(r"\s+")


def render(text: str, text_format: TextFormat) -> str:
    """A stem or explanation as sanitised HTML."""
    text = text.replace("\r\n", "\n").strip()
    if text_format == "markdown":
        text = _markdown.render(text)
    return sanitise_html(text).strip()


def render_inline(text: str, text_format: TextFormat) -> str:
    """An option: Markdown without paragraphs (``**bold**`` stays inline)."""
    text = text.replace("\r\n", "\n").strip()
    if text_format == "markdown":
        text = _markdown.renderInline(text)
    return sanitise_html(text).strip()


def plain_text(html: str) -> str:
    """The visible text of some HTML on one line, for lists, titles and search."""
    return _SPACE.sub(" ", unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", html)))).strip()


def first_words(html: str, limit: int = 60) -> str:
    text = plain_text(html)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean(html: str) -> str:
    """HTML from elsewhere (an importer), sanitised the way stored text is."""
    return sanitise_html(html).strip()


def count_blanks(stem_html: str) -> int:
    """How many blanks a fill-in stem marks (0: none marked, see the module's docstring)."""
    return len(_BLANK.findall(plain_text(stem_html)))


def has_media(html: str) -> bool:
    return bool(re.search(r"<(?:img|audio|video)\b", html))


@dataclass(frozen=True)
class Content:
    """What a question version holds, ready to store: sanitised HTML and a typed answer.

    ``answer`` is the right key (single), the right keys in option order
    (multiple), a bool (true/false) or one list of accepted strings per blank
    (fill-in); options are ``{"key": "A", "html": …}`` in key order.
    """

    qtype: QuestionType
    stem_html: str
    options: list[dict[str, str]]
    answer: Any
    explanation_html: str = ""
    #: An essay's model answer (sanitised HTML) and rubric (``[{"criterion", "points"}]``).
    model_answer_html: str = ""
    rubric: list[dict[str, Any]] | None = None
    #: A fill-in's lenient matching rules (``MatchRule`` values); None: exact matching.
    match_rules: list[str] | None = None

    def fingerprint(self) -> str:
        """The importers' fingerprint of this content: same type, stem, options, answer."""
        return fingerprint(
            ParsedQuestion(
                qtype=self.qtype.value,
                stem_html=self.stem_html,
                answer=self.answer,
                options=[ParsedOption(o["key"], o["html"]) for o in self.options],
            )
        )

    def same_as(self, other: Content) -> bool:
        return (
            self.qtype == other.qtype
            and self.stem_html == other.stem_html
            and self.options == other.options
            and self.answer == other.answer
            and self.explanation_html == other.explanation_html
            and self.model_answer_html == other.model_answer_html
            and (self.rubric or None) == (other.rubric or None)
            and _rules(self.match_rules) == _rules(other.match_rules)
        )

    def differs_in(self, other: Content) -> list[str]:
        """What of answer, options, explanation (model answer, rubric) differs from ``other``."""
        changed = []
        if self.options != other.options:
            changed.append("options")
        if self.answer != other.answer:
            changed.append("answer")
        if self.explanation_html != other.explanation_html:
            changed.append("explanation")
        if self.model_answer_html != other.model_answer_html:
            changed.append("model_answer")
        if (self.rubric or None) != (other.rubric or None):
            changed.append("rubric")
        return changed


def _rules(rules: list[str] | None) -> list[str]:
    return sorted(rules or [])


def normalise_answer(qtype: QuestionType, answer: Any) -> Any:
    """The answer in its stored shape, as far as it can be read; checks come after."""
    if qtype == QuestionType.SINGLE:
        return str(answer or "").strip().upper()
    if qtype == QuestionType.MULTIPLE:
        keys = [str(key).strip().upper() for key in (answer or [])]
        return sorted(set(keys), key=lambda key: (key not in KEYS, KEYS.find(key), key))
    if qtype == QuestionType.TRUEFALSE:
        return answer if isinstance(answer, bool) else None
    if qtype == QuestionType.ESSAY:
        return None
    blanks = []
    for blank in answer or []:
        accepted = [" ".join(str(text).split()) for text in blank]
        blanks.append(list(dict.fromkeys(text for text in accepted if text)))
    return blanks


def problems(content: Content) -> list[str]:
    """Everything wrong with a question's content, for a person to read (empty: fine)."""
    found: list[Any] = []
    if not plain_text(content.stem_html) and not has_media(content.stem_html):
        found.append(_l("The question text is empty."))
    keys = [option["key"] for option in content.options]
    qtype, answer = content.qtype, content.answer
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        found += _choice_problems(content, keys)
    elif qtype == QuestionType.TRUEFALSE:
        if content.options:
            found.append(_l("A true/false question has no options."))
        if not isinstance(answer, bool):
            found.append(_l("Choose whether the statement is true or false."))
    elif qtype == QuestionType.ESSAY:
        if content.options:
            found.append(_l("An essay question has no options."))
        found += rubric_problems(content.rubric)
    else:
        if content.options:
            found.append(_l("A fill-in question has no options."))
        blanks = count_blanks(content.stem_html)
        if not answer:
            found.append(_l("Give the accepted answers of each blank."))
        elif blanks and len(answer) != blanks:
            found.append(
                _l(
                    "The text has %(blanks)d blanks but %(answers)d answers are given. "
                    "Give one answer per blank: one line each in the question form; "
                    "separated by ; or ； in an XLSX or CSV file; "
                    "one {=…} block where each blank is in GIFT.",
                    blanks=blanks,
                    answers=len(answer),
                )
            )
        for number, accepted in enumerate(answer, start=1):
            if not accepted:
                found.append(_l("Blank %(n)d has no accepted answer.", n=number))
            elif any(len(text) > ANSWER_MAX for text in accepted):
                found.append(_l("Blank %(n)d has an answer that is too long.", n=number))
    return [str(message) for message in found]


def clean_rubric(rows: Any) -> list[dict[str, Any]] | None:
    """A rubric as stored: ``[{"criterion": text, "points": number}]`` without empty rows.

    Points are kept as given (int when whole); :func:`rubric_problems` checks them.
    """
    rubric = []
    for row in rows or []:
        criterion = " ".join(str(row.get("criterion") or "").split())
        points = row.get("points")
        if not criterion and points in (None, ""):
            continue
        try:
            value: Any = float(points)
        except (TypeError, ValueError):
            value = points
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        rubric.append({"criterion": criterion, "points": value})
    return rubric or None


def rubric_problems(rubric: list[dict[str, Any]] | None) -> list[Any]:
    found: list[Any] = []
    if len(rubric or []) > RUBRIC_MAX:
        found.append(_l("A rubric has at most %(n)d criteria.", n=RUBRIC_MAX))
    for number, row in enumerate(rubric or [], start=1):
        points = row.get("points")
        if not row.get("criterion"):
            found.append(_l("Criterion %(n)d of the rubric has no text.", n=number))
        elif len(row["criterion"]) > CRITERION_MAX:
            found.append(_l("Criterion %(n)d of the rubric is too long.", n=number))
        if isinstance(points, bool) or not isinstance(points, int | float) or not points > 0:
            found.append(
                _l("Criterion %(n)d of the rubric needs points (a number above 0).", n=number)
            )
    return found


def rubric_total(rubric: list[dict[str, Any]] | None) -> float:
    """The points a rubric adds up to (0 when there is none)."""
    return float(sum(row["points"] for row in rubric or []))


def _choice_problems(content: Content, keys: list[str]) -> list[Any]:
    found: list[Any] = []
    answer = content.answer
    if len(keys) < 2:
        found.append(_l("A choice question needs at least two options."))
    if len(keys) > MAX_OPTIONS:
        found.append(_l("A question has at most eight options (A to H)."))
    if keys != list(KEYS[: len(keys)]):
        found.append(_l("Options must be lettered A, B, C… in order, without gaps."))
    for option in content.options:
        if not plain_text(option["html"]) and not has_media(option["html"]):
            found.append(_l("Option %(key)s is empty.", key=option["key"]))
    if content.qtype == QuestionType.SINGLE:
        if answer not in keys:
            found.append(_l("Choose the one right option."))
    elif not answer:
        found.append(_l("Choose at least one right option."))
    elif any(key not in keys for key in answer):
        found.append(_l("A right answer names an option that does not exist."))
    return found
