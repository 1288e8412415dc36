"""Question text: Markdown or HTML to sanitised HTML, blanks, plain text, checks per type.

Everything a question shows (stem, options, explanation) is stored as sanitised
HTML, rendered once when it is saved. Staff write Markdown (raw HTML allowed in
it) or HTML; importers hand over HTML.

Blanks in a fill-in stem (the convention of the XLSX template too): a run of
three or more underscores (the importers write five, ``_____``), or brackets
holding nothing but spaces, full-width ``（ ）`` or half-width ``( )``. Each blank
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

from studyhub.quizzes.importers.model import KEYS, ParsedOption, ParsedQuestion, fingerprint
from studyhub.quizzes.models import QuestionType
from studyhub.web.html import sanitise_html

TextFormat = Literal["markdown", "html"]
TEXT_FORMATS: tuple[TextFormat, ...] = ("markdown", "html")
MAX_OPTIONS = len(KEYS)
ANSWER_MAX = 200  # characters of one accepted fill-in answer

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_BLANK = re.compile(r"_{3,}|（\s*）|\(\s*\)")
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
        )


def normalise_answer(qtype: QuestionType, answer: Any) -> Any:
    """The answer in its stored shape, as far as it can be read; checks come after."""
    if qtype == QuestionType.SINGLE:
        return str(answer or "").strip().upper()
    if qtype == QuestionType.MULTIPLE:
        keys = [str(key).strip().upper() for key in (answer or [])]
        return sorted(set(keys), key=lambda key: (key not in KEYS, KEYS.find(key), key))
    if qtype == QuestionType.TRUEFALSE:
        return answer if isinstance(answer, bool) else None
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
    else:
        if content.options:
            found.append(_l("A fill-in question has no options."))
        blanks = count_blanks(content.stem_html)
        if not answer:
            found.append(_l("Give the accepted answers of each blank."))
        elif blanks and len(answer) != blanks:
            found.append(
                _l(
                    "The text has %(blanks)d blanks but %(answers)d answers are given; "
                    "give one answer line per blank.",
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
