"""GIFT, Moodle's text format for questions, read the way Moodle reads it.

Questions are separated by blank lines; lines starting with ``//`` are comments.
``$CATEGORY: path`` switches the category, ``::name::`` names a question, a
``[html]``/``[moodle]``/``[plain]``/``[markdown]`` prefix gives a text's format
(Moodle's auto-format by default), and ``\\~ \\= \\# \\{ \\} \\: \\\\ \\n`` escape the
control characters. The answer block decides the type: ``~`` multiple choice (one
``=`` answer: single choice; ``%50%`` weights without ``=``: multiple choice), T/F/
TRUE/FALSE true/false, ``=`` answers only short answer (our fill-in: the answers at
100% are accepted), ``####`` the general feedback (our explanation). Text after the
block makes a missing-word question: the stem gets a blank (``_____``) where the
block was. Essay (``{}``) becomes an essay question (the general feedback its
explanation; GIFT has no model answer). Several short-answer blocks in one stem
(``…是{=全面的}、{=系统的}…``) make a fill-in with one blank per block; several
blocks of another kind are refused with a message, so no answer is ever left
visible in a stem. Numerical (``{#…}``), matching (``=a -> b``) and description
(no block) are reported as skipped.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from studyhub.quizzes.importers.common import (
    SPACE,
    Invalid,
    add_category,
    build_choice,
    first_words,
    require_stem,
    split_category_path,
    to_html,
)
from studyhub.quizzes.importers.detect import UnreadableFile, decode_text
from studyhub.quizzes.importers.model import (
    BLANK,
    FULL_WEIGHT,
    WEIGHT_TOLERANCE,
    ParsedQuestion,
    ParseResult,
    Problem,
    Skipped,
)

# Escaped control characters wait in private-use characters while the text is split.
_ESCAPES = {"\\": "\ue000", ":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004",
            "}": "\ue005", "~": "\ue006", "n": "\ue007"}  # fmt: skip
_RESTORE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()})
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")
_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_BLANK_MARK = "\ue010"  # where the blank goes, kept out of Markdown's way
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}


def parse(data: bytes | str, *, filename: str = "") -> ParseResult:
    result = ParseResult()
    try:
        text = decode_text(data)
    except UnreadableFile as exc:
        result.errors.append(Problem(0, str(exc)))
        return result
    category: tuple[str, ...] = ()
    for line, block in _blocks(text):
        if block.startswith("$CATEGORY:"):
            category = split_category_path(_restore(block[len("$CATEGORY:") :]))
            add_category(result.categories, category)
            continue
        try:
            question = _question(block, line=line, category=category, result=result)
        except Invalid as exc:
            result.errors.append(Problem(line, str(exc)))
            continue
        if question is not None:
            result.questions.append(question)
    return result


def _blocks(text: str):
    """(first line number, text with escapes hidden) for each question or category."""
    lines: list[str] = []
    first = 0
    for number, raw in enumerate([*text.splitlines(), ""], start=1):
        stripped = raw.strip(SPACE)
        if not stripped:
            if lines:
                yield first, "\n".join(lines)
            lines = []
        elif not stripped.startswith("//"):
            if not lines:
                first = number
            lines.append(_ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(1)], stripped))


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _format(text: str, default: str) -> tuple[str, str]:
    """(format, text without its ``[format]`` prefix)."""
    if match := _FORMAT_RE.match(text):
        return match.group(1).lower(), text[match.end() :].lstrip()
    return default, text


def _html(text: str, default: str) -> str:
    text_format, text = _format(text.strip(), default)
    return to_html(_restore(text).strip(SPACE), text_format)


def _question(
    block: str, *, line: int, category: tuple[str, ...], result: ParseResult
) -> ParsedQuestion | None:
    title = None
    if block.startswith("::") and (end := block.find("::", 2)) != -1:
        title = " ".join(_restore(block[2:end]).split()) or None
        block = block[end + 2 :].strip()
    start = block.find("{")
    if start == -1:
        name = title or first_words(_restore(block))
        result.skipped.append(Skipped(name, "description", line))
        return None
    finish = block.find("}", start)
    if finish == -1:
        raise Invalid(
            _(
                "“%(name)s” has a { with no } to close it.",
                name=title or first_words(_restore(block)),
            )
        )
    answers = block[start + 1 : finish].strip()
    text_format, before = _format(block[:start], "moodle")
    after = block[finish + 1 :]
    if "{" in after:
        return _several_blanks(block, start, title=title, line=line, category=category)
    name = (
        title
        or first_words(_restore(before + (BLANK + after if after.strip() else "")))
        or _("question on line %(line)d", line=line)
    )

    explanation = ""
    if (separator := answers.rfind("####")) != -1:
        explanation = _html(answers[separator + 4 :], text_format)
        answers = answers[:separator].strip()

    if not answers:
        stem = to_html(
            _restore(before.rstrip() + (" " + after.strip() if after.strip() else "")).strip(SPACE),
            text_format,
        )
        require_stem(stem, name=name)
        return ParsedQuestion(
            qtype="essay",
            stem_html=stem,
            answer=None,  # type: ignore[arg-type]
            title=title,
            explanation_html=explanation,
            category_path=list(category),
            line=line,
        )
    skipped = _other_type(answers)
    if skipped:
        result.skipped.append(Skipped(name, skipped, line))
        return None

    truth = answers.split("#", 1)[0].strip().upper()
    is_truefalse = "~" not in answers and truth in _TRUE | _FALSE
    if after.strip() and not is_truefalse:
        stem_source = before + _BLANK_MARK + after
    else:
        stem_source = before.rstrip() + (" " + after.strip() if after.strip() else "")
    stem = to_html(_restore(stem_source).strip(SPACE), text_format).replace(_BLANK_MARK, BLANK)
    require_stem(stem, name=name)
    question = ParsedQuestion(
        qtype="truefalse",
        stem_html=stem,
        answer=False,
        title=title,
        explanation_html=explanation,
        category_path=list(category),
        line=line,
    )
    if "~" in answers:
        _choice(question, answers, text_format, name)
    elif is_truefalse:
        _truefalse(question, answers, text_format, truth in _TRUE)
    else:
        _shortanswer(question, answers, name)
    return question


def _several_blanks(
    block: str, start: int, *, title: str | None, line: int, category: tuple[str, ...]
) -> ParsedQuestion:
    """A stem with several answer blocks: each a short answer makes one blank each."""
    text_format, _rest = _format(block[:start], "moodle")
    pieces: list[str] = []
    blanks: list[list[str]] = []
    position = 0
    name = title or first_words(_restore(re.sub(r"\{[^}]*\}", BLANK, block)))
    while (opening := block.find("{", position)) != -1:
        closing = block.find("}", opening)
        if closing == -1:
            raise Invalid(_("“%(name)s” has a { with no } to close it.", name=name))
        answers = block[opening + 1 : closing].strip()
        if "####" in answers or not answers or "~" in answers or answers.startswith("#"):
            raise Invalid(
                _(
                    "“%(name)s” has several answer blocks; only blocks of accepted answers "
                    "({=…}) can be blanks of one question. Split it into one question per block.",
                    name=name,
                )
            )
        holder = ParsedQuestion(qtype="fillin", stem_html="", answer=[])
        _shortanswer(holder, answers, name)
        blanks.extend(holder.answer)  # type: ignore[arg-type]
        pieces.append(block[position:opening])
        pieces.append(_BLANK_MARK)
        position = closing + 1
    pieces.append(block[position:])
    source = _format("".join(pieces), "moodle")[1]
    stem = to_html(_restore(source).strip(SPACE), text_format).replace(_BLANK_MARK, BLANK)
    require_stem(stem, name=name)
    return ParsedQuestion(
        qtype="fillin",
        stem_html=stem,
        answer=blanks,
        title=title,
        category_path=list(category),
        line=line,
    )


def _other_type(answers: str) -> str | None:
    if answers.startswith("#"):
        return "numerical"
    if "~" not in answers and "=" in answers and "->" in answers:
        return "matching"
    return None


def _weighted(part: str, default: float) -> tuple[float, str]:
    if match := _WEIGHT_RE.match(part):
        return float(match.group(1)), part[match.end() :]
    return default, part


def _choice(question: ParsedQuestion, answers: str, text_format: str, name: str) -> None:
    choices: list[tuple[str, float]] = []
    feedback: list[str] = []
    for part in answers.replace("=", "~=").split("~"):
        part = part.strip()
        if not part:
            continue
        if part.startswith("="):
            weight, part = _weighted(part[1:].lstrip(), FULL_WEIGHT)
        else:
            weight, part = _weighted(part, 0.0)
        text, _hash, comment = part.partition("#")
        choices.append((_html(text, text_format), weight))
        feedback.append(_html(comment, text_format))
    qtype, options, answer = build_choice(choices, single="=" in answers, name=name)
    question.qtype, question.options, question.answer = qtype, options, answer
    question.feedback_html = {
        option.key: text for option, text in zip(options, feedback, strict=True) if text
    }


def _truefalse(question: ParsedQuestion, answers: str, text_format: str, value: bool) -> None:
    """``TRUE#feedback on a wrong answer#feedback on a right answer``."""
    parts = [*answers.split("#", 2)[1:], "", ""]
    wrong, right = _html(parts[0], text_format), _html(parts[1], text_format)
    question.answer = value
    feedback = {str(value).lower(): right, str(not value).lower(): wrong}
    question.feedback_html = {key: text for key, text in feedback.items() if text}


def _shortanswer(question: ParsedQuestion, answers: str, name: str) -> None:
    accepted = []
    for part in answers.split("="):
        part = part.strip()
        if not part:
            continue
        weight, part = _weighted(part, FULL_WEIGHT)
        text = _format(part.partition("#")[0].strip(), "plain")[1]
        if abs(weight - FULL_WEIGHT) <= WEIGHT_TOLERANCE and text:
            accepted.append(" ".join(_restore(text).split()))
    if not accepted:
        raise Invalid(_("“%(name)s” has no answer accepted in full (100%%).", name=name))
    question.qtype = "fillin"
    question.answer = [accepted]
