"""Aiken: plain-text single-choice questions, one line of stem, lettered options, ANSWER.

::

    The Moodle project was started by:
    A) Petr Skoda
    B) Martin Dougiamas
    ANSWER: B

Options are written ``A)`` or ``A.``, with or without a space after; blank lines
between questions are optional. Everything is plain text (escaped to HTML). A
question with one option, options with no question, or a question left without
its ANSWER line before the next begins are reported with their line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from studyhub.quizzes.importers.common import SPACE, plain_to_html
from studyhub.quizzes.importers.detect import UnreadableFile, decode_text
from studyhub.quizzes.importers.model import (
    FULL_WEIGHT,
    KEYS,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    Problem,
)

_OPTION = re.compile(r"^([A-Z])[).][ \t]*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


@dataclass
class _Draft:
    line: int
    stem: list[str]
    options: list[tuple[str, str, int]] = field(default_factory=list)  # letter, text, line
    ends_paragraph: bool = False  # a blank line followed the stem


def parse(data: bytes | str, *, filename: str = "") -> ParseResult:
    result = ParseResult()
    try:
        text = decode_text(data)
    except UnreadableFile as exc:
        result.errors.append(Problem(0, str(exc)))
        return result
    draft: _Draft | None = None
    orphan: int | None = None  # line of an option that has no question

    def unfinished(next_line: int | None) -> None:
        assert draft is not None
        if not draft.options:
            message = _("The question on line %(line)d has no options.", line=draft.line)
        elif next_line is None:
            message = _(
                "The question started on line %(line)d has no ANSWER line.", line=draft.line
            )
        else:
            message = _(
                "The question started on line %(line)d has no ANSWER line before the next "
                "question starts on line %(next)d.",
                line=draft.line,
                next=next_line,
            )
        result.errors.append(Problem(draft.line, message))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip(SPACE)
        if not line:
            if draft is not None and not draft.options:
                draft.ends_paragraph = True
            continue
        if answer := _ANSWER.match(line):
            if draft is not None and draft.options:
                _finish(draft, answer.group(1).strip(), number, result)
            elif draft is not None:
                unfinished(None)
            elif orphan is not None:
                result.errors.append(
                    Problem(
                        orphan,
                        _(
                            "The option on line %(option)d and the ANSWER on line %(answer)d "
                            "have no question before them.",
                            option=orphan,
                            answer=number,
                        ),
                    )
                )
            else:
                result.errors.append(
                    Problem(number, _("The ANSWER on line %(line)d has no question.", line=number))
                )
            draft, orphan = None, None
        elif option := _OPTION.match(line):
            if draft is not None:
                draft.options.append((option.group(1), option.group(2).strip(), number))
            elif orphan is None:
                orphan = number
        elif draft is not None and not draft.options and not draft.ends_paragraph:
            draft.stem.append(line)
        else:
            if draft is not None:
                unfinished(number)
            if orphan is not None:
                result.errors.append(
                    Problem(orphan, _("The option on line %(line)d has no question.", line=orphan))
                )
            draft, orphan = _Draft(number, [line]), None
    if draft is not None:
        unfinished(None)
    if orphan is not None:
        result.errors.append(
            Problem(orphan, _("The option on line %(line)d has no question.", line=orphan))
        )
    return result


def _finish(draft: _Draft, answer: str, answer_line: int, result: ParseResult) -> None:
    letters = [letter for letter, _text, _line in draft.options]
    problem = None
    if len(letters) < 2:
        problem = _(
            "The question on lines %(first)d–%(last)d has only one option; it needs at least two.",
            first=draft.line,
            last=answer_line,
        )
    elif len(letters) > len(KEYS):
        problem = _(
            "The question on line %(line)d has %(count)d options; at most 8 are allowed.",
            line=draft.line,
            count=len(letters),
        )
    elif letters != list(KEYS[: len(letters)]):
        problem = _(
            "The options of the question on line %(line)d must be lettered A, B, C… in order.",
            line=draft.line,
        )
    elif empty := [letter for letter, text, _line in draft.options if not text]:
        problem = _(
            "Option %(letter)s of the question on line %(line)d is empty.",
            letter=empty[0],
            line=draft.line,
        )
    elif answer.upper() not in letters:
        problem = _(
            "The ANSWER on line %(line)d is “%(answer)s”, which is not one of its options.",
            line=answer_line,
            answer=answer,
        )
    if problem:
        result.errors.append(Problem(draft.line, problem))
        return
    key = answer.upper()
    result.questions.append(
        ParsedQuestion(
            qtype="single",
            stem_html=plain_to_html("\n".join(draft.stem)),
            options=[
                ParsedOption(letter, plain_to_html(text), FULL_WEIGHT if letter == key else 0.0)
                for letter, text, _line in draft.options
            ],
            answer=key,
            line=draft.line,
        )
    )
