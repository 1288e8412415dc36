"""Writing questions (or the empty template) in the template's layout."""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from studyhub.quizzes.importers.common import plain_to_html
from studyhub.quizzes.importers.model import (
    KEYS,
    ParsedQuestion,
)
from studyhub.quizzes.importers.xlsx.layout import (
    _HTML_MARK,
    _MAX_ROWS,
    EXAMPLES,
    HEADERS,
    INSTRUCTIONS,
    NOTES_SHEET,
    SHEET,
    TYPE_NAMES,
)
from studyhub.web.spreadsheets import openpyxl_cell

# Writing ---------------------------------------------------------------------------------


def _plain(markup: str) -> str:
    """The cell text for some HTML: plain text when it is escaped text, else [html]…"""
    text = html.unescape(markup.replace("<br>\n", "\n"))
    if plain_to_html(text) == markup:
        return text
    return _HTML_MARK + markup


def _answer_text(question: ParsedQuestion) -> str:
    if question.qtype == "single":
        return str(question.answer)
    if question.qtype == "multiple":
        return "".join(question.answer)  # type: ignore[arg-type]
    if question.qtype == "truefalse":
        return "对" if question.answer else "错"
    if question.qtype == "essay":
        return _plain(question.model_answer_html) if question.model_answer_html else ""
    return ";".join("|".join(blank) for blank in question.answer)  # type: ignore[union-attr]


def _row(question: ParsedQuestion) -> list[Any]:
    options = {option.key: _plain(option.html) for option in question.options}
    return [
        TYPE_NAMES[question.qtype],
        _plain(question.stem_html),
        *(options.get(key, "") for key in KEYS),
        _answer_text(question),
        _plain(question.explanation_html) if question.explanation_html else "",
        "/".join(question.category_path),
        question.difficulty if question.difficulty is not None else "",
        "、".join(question.tags),
        question.title or "",
        question.external_id or "",
        ";".join(f"{row['criterion']}:{row['points']}" for row in question.rubric or []),
    ]


def _workbook(rows: Iterable[list[Any]]) -> bytes:
    """A workbook of the questions sheet (streamed) and the instructions."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    widths = [8, 50, *[18] * len(KEYS), 10, 30, 20, 6, 16, 16, 10, 30]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    types = DataValidation(
        type="list", formula1=f'"{",".join(TYPE_NAMES.values())}"', allow_blank=True
    )
    levels = DataValidation(
        type="whole", operator="between", formula1="1", formula2="5", allow_blank=True
    )
    sheet.data_validations.append(types)
    sheet.data_validations.append(levels)
    types.add(f"A2:A{_MAX_ROWS}")
    level_column = get_column_letter(HEADERS.index("难度") + 1)
    levels.add(f"{level_column}2:{level_column}{_MAX_ROWS}")
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F1E4E4")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    notes = workbook.create_sheet(NOTES_SHEET)
    notes.column_dimensions["A"].width = 120
    for number, line in enumerate(INSTRUCTIONS):
        cell = WriteOnlyCell(notes, value=line)
        cell.alignment = Alignment(wrap_text=True)
        if number == 0:
            cell.font = Font(bold=True)
        notes.append([cell])
    notes.append([])
    notes.append([WriteOnlyCell(notes, value="示例（请在“题目”表中填写，不要在本表填写）：")])
    notes.append(HEADERS)
    for example in EXAMPLES:
        notes.append(example)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet: Any, value: Any) -> Any:
    """Text stays text: a cell that starts with = is never written as a formula."""
    return openpyxl_cell(sheet, value)


def write_template() -> bytes:
    """The empty template staff download: the questions sheet and the instructions."""
    return _workbook([])


def write_questions(questions: Iterable[ParsedQuestion]) -> bytes:
    """Questions in the template's layout, for export (importing it gives them back)."""
    return _workbook(_row(question) for question in questions)
