"""The shared formula-injection neutraliser, for CSV and both XLSX writers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import xlsxwriter
from openpyxl import Workbook, load_workbook

from studyhub.web.spreadsheets import (
    CSV_BOM,
    csv_lines,
    csv_value,
    neutralise,
    openpyxl_cell,
    xlsx_write_row,
)

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["张三", "a=b", "", "1-2", " =x"])
def test_ordinary_text_is_unchanged(text):
    assert neutralise(text) == text


def test_csv_values_keep_numbers_and_dates():
    assert csv_value(Decimal("-5.00")) == Decimal("-5.00")
    assert csv_value(-3) == -3
    assert csv_value(None) == ""
    assert csv_value(date(2026, 3, 31)) == "2026-03-31"
    assert csv_value("-5") == "'-5"


def test_csv_lines_start_with_a_bom_and_neutralise_every_text_cell():
    text = "".join(csv_lines(["名字", "分"], [["=1+1", 3], ["张三", Decimal("-1.5")]]))
    assert text.startswith(CSV_BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(CSV_BOM))))
    assert rows == [["名字", "分"], ["'=1+1", "3"], ["张三", "-1.5"]]


def test_xlsxwriter_rows_hold_no_formula(tmp_path):
    path = tmp_path / "x.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("s")
    xlsx_write_row(sheet, 0, [*HOSTILE, 1, Decimal("2.5"), None, date(2026, 1, 1)])
    workbook.close()
    cells = list(load_workbook(path).active.iter_rows(values_only=False))[0]
    assert all(cell.data_type != "f" for cell in cells)
    assert [cell.data_type for cell in cells[: len(HOSTILE)]] == ["s"] * len(HOSTILE)
    # XlsxWriter escapes the carriage return (openpyxl reads it back escaped).
    assert [cell.value for cell in cells[: len(HOSTILE) - 1]] == HOSTILE[:-1]
    assert cells[len(HOSTILE)].value == 1
    assert cells[len(HOSTILE) + 1].value == 2.5


@pytest.mark.parametrize("write_only", [True, False])
def test_openpyxl_cells_hold_no_formula(tmp_path, write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("s") if write_only else workbook.active
    sheet.append([openpyxl_cell(sheet, value) for value in [*HOSTILE, 7]])
    path = tmp_path / "o.xlsx"
    workbook.save(path)
    cells = next(load_workbook(path).worksheets[0].iter_rows())
    assert [cell.data_type for cell in cells] == ["s"] * len(HOSTILE) + ["n"]
    assert cells[0].value == HOSTILE[0]
