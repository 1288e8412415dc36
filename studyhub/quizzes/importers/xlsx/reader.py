"""Reading the template's rows (from a workbook, or a CSV file's rows) into questions."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from studyhub.quizzes.importers.cells import displayed_text
from studyhub.quizzes.importers.common import SPACE, Invalid, plain_to_html
from studyhub.quizzes.importers.model import (
    FULL_WEIGHT,
    KEYS,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    Problem,
    Skipped,
)
from studyhub.quizzes.importers.xlsx.layout import (
    _ALTERNATIVE_SEP,
    _BLANK_SEP,
    _COLUMN_KEYS,
    _FALSE,
    _HEADER_KEYS,
    _HEADER_SEARCH_ROWS,
    _HTML_MARK,
    _LETTER_SEP,
    _MAX_ROWS,
    _RUBRIC_ROW,
    _RUBRIC_SEP,
    _STEM_BLANK,
    _TAG_SEP,
    _TRUE,
    _TYPES,
    HEADERS,
    OPTION_HEADERS,
    REQUIRED_HEADERS,
    SHEET,
)


def parse(data: bytes, *, filename: str = "") -> ParseResult:
    result = ParseResult()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        result.errors.append(Problem(0, _("The file cannot be read as an Excel workbook (.xlsx).")))
        return result
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()
        epoch = workbook.epoch
        rows = (
            tuple(displayed_text(cell, epoch=epoch) for cell in row) for row in sheet.iter_rows()
        )
        read_rows(enumerate(rows, start=1), result)
    finally:
        workbook.close()
    return result


def header_keys(values: Iterable[Any]) -> list[str | None]:
    """The column each cell of a row names (None: not one of ours)."""
    return [_column_key(value) for value in values]


def is_header(values: Iterable[Any]) -> bool:
    keys = header_keys(values)
    return "type" in keys and "stem" in keys


def _wrong_header(found: list[str]) -> str:
    return _(
        "No row of column names was found. Expected the columns %(expected)s "
        "(required: %(required)s); the first row has %(found)s.",
        expected="、".join(HEADERS),
        required="、".join(REQUIRED_HEADERS),
        found="、".join(found) or _("nothing"),
    )


def read_rows(rows: Iterator[tuple[int, tuple[Any, ...]]], result: ParseResult) -> None:
    """Questions from the template's rows (text cells), the header within the first rows."""
    header: tuple[int, list[str | None]] | None = None
    first: list[str] | None = None
    for number, values in rows:
        keys = header_keys(values)
        if first is None and any(_text(v) for v in values):
            first = [_text(v) for v in values if _text(v)]
        if "type" in keys and "stem" in keys:
            header = number, keys
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if header is None:
        if first is None:
            result.errors.append(Problem(0, _("The file is empty: it holds no questions.")))
        else:
            result.errors.append(Problem(1, _wrong_header(first)))
        return
    number, keys = header
    if "answer" not in keys:
        found = [value for value in keys if value]
        result.errors.append(
            Problem(
                number,
                _("The file has no column %(column)s.", column="答案")
                + " "
                + _wrong_header([HEADERS[_COLUMN_KEYS.index(k)] for k in found]),
            )
        )
        return
    columns = {key: index for index, key in reversed(list(enumerate(keys))) if key}
    for row_number, row in rows:
        if row_number > _MAX_ROWS:
            result.errors.append(Problem(row_number, _("A file holds at most 100,000 questions.")))
            return
        cells = {
            key: _text(row[index]) if index < len(row) else "" for key, index in columns.items()
        }
        if not any(cells.values()):
            continue
        given_type = cells.get("type", "")
        if given_type and _TYPES.get(given_type.lower().replace(" ", "")) is None:
            name = " ".join(cells.get("title", "").split()) or _first_words(cells.get("stem", ""))
            result.skipped.append(Skipped(name or given_type, given_type, row_number))
            continue
        try:
            result.questions.append(_question(cells, row_number))
        except Invalid as exc:
            result.errors.append(Problem(row_number, str(exc)))


def _first_words(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _column_key(value: Any) -> str | None:
    name = "".join(_text(value).split())
    return _HEADER_KEYS.get(name) or _HEADER_KEYS.get(name.lower())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").strip(SPACE)


def _html(text: str) -> str:
    if text.lower().startswith(_HTML_MARK):
        return text[len(_HTML_MARK) :].strip()
    return plain_to_html(text)


def _question(cells: dict[str, str], row: int) -> ParsedQuestion:
    given_type = cells.get("type", "")
    qtype = _TYPES.get(given_type.lower().replace(" ", ""))
    if qtype is None:
        raise Invalid(
            _(
                "%(column)s “%(value)s” is not one of %(choices)s.",
                column="题型",
                value=given_type,
                choices="单选、多选、判断、填空、简答",
            )
        )
    required = (("stem", "题干"),) if qtype == "essay" else (("stem", "题干"), ("answer", "答案"))
    for key, column in required:
        if not cells.get(key):
            raise Invalid(_("%(column)s is empty.", column=column))
    question = ParsedQuestion(
        qtype=qtype,
        stem_html=_html(cells["stem"]),
        answer="",
        title=" ".join(cells.get("title", "").split()) or None,
        explanation_html=_html(cells.get("explanation", "")),
        category_path=[
            p.strip() for p in re.split(r"[/／]", cells.get("category", "")) if p.strip()
        ],
        difficulty=_difficulty(cells.get("difficulty", "")),
        tags=list(
            dict.fromkeys(t.strip() for t in _TAG_SEP.split(cells.get("tags", "")) if t.strip())
        ),
        line=row,
        external_id=cells.get("id", "")[:64] or None,
    )
    answer = cells.get("answer", "")
    if qtype == "essay":
        question.answer = None  # type: ignore[assignment]
        question.model_answer_html = _html(answer) if answer else ""
        question.rubric = _rubric(cells.get("rubric", ""))
    elif qtype in ("single", "multiple"):
        _choice(question, cells, answer)
    elif qtype == "truefalse":
        if answer.upper() not in _TRUE | _FALSE:
            raise Invalid(
                _(
                    "The answer to a true/false question is one of %(choices)s, not “%(value)s”.",
                    choices="对、错、正确、错误、√、×、T、F",
                    value=answer,
                )
            )
        question.answer = answer.upper() in _TRUE
    else:
        question.answer = _blanks(cells["stem"], answer)
    return question


def _rubric(text: str) -> list[dict[str, object]] | None:
    """``要点一:2;要点二:3`` as rubric rows; a criterion without points is an error."""
    rows: list[dict[str, object]] = []
    for part in _RUBRIC_SEP.split(text):
        part = part.strip()
        if not part:
            continue
        match = _RUBRIC_ROW.match(part)
        if match is None:
            raise Invalid(
                _(
                    "%(column)s “%(value)s” must be criteria with points, "
                    "such as 要点一:2;要点二:3.",
                    column="评分标准",
                    value=part,
                )
            )
        points = float(match.group("points"))
        rows.append(
            {
                "criterion": match.group("criterion").strip(),
                "points": int(points) if points.is_integer() else points,
            }
        )
    return rows or None


def _difficulty(text: str) -> int | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value.is_integer() or not 1 <= value <= 5:
        raise Invalid(
            _(
                "%(column)s must be a whole number from 1 to 5, not “%(value)s”.",
                column="难度",
                value=text,
            )
        )
    return int(value)


def _choice(question: ParsedQuestion, cells: dict[str, str], answer: str) -> None:
    texts = [cells.get(key, "") for key in KEYS]
    while texts and not texts[-1]:
        texts.pop()
    if "" in texts:
        column = OPTION_HEADERS[texts.index("")]
        raise Invalid(_("%(column)s is empty but a later option is not.", column=column))
    if len(texts) < 2:
        raise Invalid(_("A choice question needs at least two options."))
    letters = [part for part in _LETTER_SEP.split(answer.upper()) if part]
    if len(letters) == 1:
        letters = list(letters[0])
    valid = KEYS[: len(texts)]
    if not letters or any(letter not in valid for letter in letters):
        raise Invalid(
            _(
                "The answer “%(value)s” must be option letters from A to %(last)s.",
                value=answer,
                last=valid[-1],
            )
        )
    right = sorted(set(letters))
    if question.qtype == "single" and len(right) != 1:
        raise Invalid(
            _(
                "A single-choice question has one right option; the answer gives %(count)d.",
                count=len(right),
            )
        )
    share = FULL_WEIGHT / len(right)
    question.options = [
        ParsedOption(key, _html(text), share if key in right else 0.0)
        for key, text in zip(KEYS, texts, strict=False)
    ]
    question.answer = right[0] if question.qtype == "single" else right


def _blanks(stem: str, answer: str) -> list[list[str]]:
    blanks = []
    for part in _BLANK_SEP.split(answer):
        accepted = [" ".join(text.split()) for text in _ALTERNATIVE_SEP.split(part)]
        if not all(accepted):
            raise Invalid(
                _("The answer “%(value)s” has an empty blank or alternative.", value=answer)
            )
        blanks.append(accepted)
    marked = len(_STEM_BLANK.findall(stem))
    if marked and marked != len(blanks):
        raise Invalid(
            _(
                "The stem has %(marked)d blanks but the answer gives %(given)d. "
                "Separate the answers of the blanks with a semicolon ; or ；, "
                "and the accepted alternatives of one blank with | (e.g. 答案一;答案二).",
                marked=marked,
                given=len(blanks),
            )
        )
    return blanks
