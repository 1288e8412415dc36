"""What every importer produces: neutral question records, independent of the database.

A parser turns one file into a :class:`ParseResult`: the questions of our four
types, the questions of other types it skipped (never dropped silently), and the
problems that make a question invalid, each with the line (or spreadsheet row)
where it starts. Text is HTML as the file gave it, or plain text escaped to HTML;
sanitising is the job of whoever stores it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

QType = Literal["single", "multiple", "truefalse", "fillin", "essay"]
QTYPES: tuple[QType, ...] = ("single", "multiple", "truefalse", "fillin", "essay")

#: Option keys, in order; a question has at most eight options.
KEYS = "ABCDEFGH"

#: Where a file embedded media (Moodle's ``@@PLUGINFILE@@/name``), the text refers to
#: ``studyhub-media:name`` (the name percent-encoded as in a URL path); whoever stores
#: the question replaces that with the stored file's URL.
MEDIA_SCHEME = "studyhub-media:"

#: A blank in a stem (GIFT missing-word questions; the usual mark in XLSX fill-ins).
BLANK = "_____"
#: Every blank mark a stem may use: three or more ``_`` or two or more full-width ``＿``,
#: or brackets of either width (even mixed) holding only spaces: （）（ ）() ( )（) (）.
BLANK_PATTERN = r"_{3,}|＿{2,}|[（(][\s\u3000]*[）)]"

#: Weights are percentages of the question's mark; a right single choice is 100.
FULL_WEIGHT = 100.0
WEIGHT_TOLERANCE = 0.01

Answer = str | list[str] | bool | list[list[str]]


@dataclass(frozen=True, slots=True)
class ParsedOption:
    key: str
    html: str
    weight: float = 0.0  # percent of the mark, -100..100


@dataclass(frozen=True, slots=True)
class ParsedMedia:
    name: str
    mime: str
    data: bytes


@dataclass(kw_only=True, slots=True)
class ParsedQuestion:
    """One question of our types.

    ``answer`` is, by ``qtype``: single — the right option's key; multiple — the keys
    of the options with a positive weight, in order; truefalse — a bool; fillin — one
    list of accepted strings per blank.
    """

    qtype: QType
    stem_html: str
    answer: Answer
    title: str | None = None
    options: list[ParsedOption] = field(default_factory=list)
    explanation_html: str = ""
    category_path: list[str] = field(default_factory=list)
    difficulty: int | None = None
    tags: list[str] = field(default_factory=list)
    line: int = 0
    media: list[ParsedMedia] = field(default_factory=list)
    idnumber: str | None = None
    #: Feedback on one answer (Moodle and GIFT have it): by option key, or "true"/"false".
    feedback_html: dict[str, str] = field(default_factory=dict)
    #: An essay's model answer and rubric (``[{"criterion": str, "points": number}]``).
    model_answer_html: str = ""
    rubric: list[dict[str, object]] | None = None
    #: The file's ID column: a re-import matches the bank's question with this external id.
    external_id: str | None = None
    #: Plausibility warnings a parser found (the import service adds its own): the
    #: question is stored only when the importer confirms them.
    warnings: list[str] = field(default_factory=list)

    def option(self, key: str) -> ParsedOption:
        return next(option for option in self.options if option.key == key)


@dataclass(frozen=True, slots=True)
class ParsedCategory:
    """A category a file declares (or implies, as the parent of one it declares)."""

    path: tuple[str, ...]
    idnumber: str | None = None
    info_html: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A question of a type we do not support (essay, matching, numerical…)."""

    name: str
    qtype: str
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a question (or the file: line 0) cannot be imported."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A question identical to an earlier one in the same file."""

    line: int
    first_line: int
    title: str | None


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    categories: list[ParsedCategory] = field(default_factory=list)

    @property
    def duplicates(self) -> list[Duplicate]:
        first: dict[str, ParsedQuestion] = {}
        found = []
        for question in self.questions:
            earlier = first.setdefault(fingerprint(question), question)
            if earlier is not question:
                found.append(Duplicate(question.line, earlier.line, question.title))
        return found

    @property
    def unique_questions(self) -> list[ParsedQuestion]:
        """The questions without the repeats of an earlier one (the first is kept)."""
        seen: set[str] = set()
        unique = []
        for question in self.questions:
            key = fingerprint(question)
            if key not in seen:
                seen.add(key)
                unique.append(question)
        return unique


def _normal(text: str) -> str:
    return " ".join(text.split())


def fingerprint(question: ParsedQuestion) -> str:
    """SHA-256 of type, stem, options and answer with white space normalised.

    Title, explanation, category, feedback and weights other than the answer are left
    out: two questions that ask the same thing the same way are the same question.
    """
    answer: object = question.answer
    if question.qtype == "multiple":
        answer = sorted(question.answer)  # type: ignore[arg-type]
    elif question.qtype == "fillin":
        answer = [[_normal(text) for text in blank] for blank in question.answer]  # type: ignore[union-attr]
    payload = [
        question.qtype,
        _normal(question.stem_html),
        [[option.key, _normal(option.html)] for option in question.options],
        answer,
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()
