"""Writing spreadsheets safely: the one formula-injection neutraliser every export uses.

Names, reasons and titles come from people, and a spreadsheet program runs a
cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a tab
or a carriage return before them) as a formula — ``=HYPERLINK(…)`` in a member's
name would run on the secretary's machine ("CSV injection"). So:

- CSV: a text cell that begins with one of :data:`FORMULA_TRIGGERS` gets a
  leading apostrophe (:func:`neutralise`), which Excel and WPS show as text.
  Numbers stay numbers (a deduction of -5 is not text).
- XLSX: text is always written as a string cell (XlsxWriter's
  ``write_string``, openpyxl's data type ``"s"``), never through the writers'
  guess that a leading ``=`` means a formula, so an export holds no formula
  cells at all.

Roster, question, meeting and score exports all go through this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel in China opens UTF-8 CSV correctly only with a byte-order mark.
CSV_BOM = "\ufeff"


def neutralise(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_value(value: Any) -> Any:
    """One CSV cell: text neutralised, numbers as they are, dates in ISO form, None empty."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


def csv_line(values: Sequence[Any]) -> str:
    """One CSV record (with its line end) of neutralised cells."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_value(v) for v in values])
    return buffer.getvalue()


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A whole CSV file as lines to stream: the BOM with the header, then each row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_value(v) for v in header])
    yield CSV_BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_csv_cells(row))
        yield buffer.getvalue()


def _csv_cells(row: Sequence[Any]) -> list[Any]:
    """:func:`csv_value` of each cell, with text and numbers (nearly all cells) inline."""
    cells: list[Any] = []
    for value in row:
        kind = type(value)
        if kind is str:
            cells.append("'" + value if value.startswith(FORMULA_TRIGGERS) else value)
        elif kind is int or kind is Decimal or kind is float:
            cells.append(value)
        else:
            cells.append(csv_value(value))
    return cells


def xlsx_write_row(
    worksheet: Any, row: int, values: Sequence[Any], cell_format: Any = None
) -> None:
    """Write ``values`` into row ``row`` of an XlsxWriter worksheet, text always as text.

    Numbers become number cells, None stays empty, everything else is written
    with ``write_string`` — never ``write``, which would turn "=…" into a formula.
    """
    for column, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, bool):
            worksheet.write_number(row, column, int(value), cell_format)
        elif isinstance(value, int | float | Decimal):
            worksheet.write_number(row, column, float(value), cell_format)
        else:
            text = value.isoformat() if isinstance(value, datetime | date) else str(value)
            worksheet.write_string(row, column, text, cell_format)


def openpyxl_cell(sheet: Any, value: Any) -> Any:
    """A value for an openpyxl write-only sheet: text as a string cell, never a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def style_template_sheet(sheet: Any) -> None:
    """An import template's look (openpyxl, not write-only): row 1 holds the column
    names, bold on the header colour; row 2 the example, in grey italics."""
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="F1E4E4")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
