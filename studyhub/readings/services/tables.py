"""Reading tables people prepare in Excel: XLSX or CSV, a header row, problems per row.

Shared by the imports of readings and of 党史今天. Files are streamed (openpyxl in
read-only mode, the csv reader); a problem names its row so that whoever edits
the sheet can find it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from studyhub.core.errors import DomainError, InvalidInput

HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Problem:
    where: str  # "row 7" or a file name
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportRejected(DomainError):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            _nl(
                "Nothing was imported: %(num)d problem was found.",
                "Nothing was imported: %(num)d problems were found.",
                len(problems),
            )
        )


def header_key(text: Any) -> str:
    """A column name made comparable: no spaces, lower case, no "(…)" remark."""
    name = re.sub(r"[(（][^)）]*[)）]", "", str(text or ""))
    return re.sub(r"\s+", "", name).lower()


def _rows_of_xlsx(path: Path) -> Iterator[tuple[Any, ...]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidInput(_l("%(file)s is not a readable XLSX file.", file=path.name)) from exc
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _rows_of_csv(path: Path) -> Iterator[tuple[Any, ...]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(_l("%(file)s is neither UTF-8 nor GBK text.", file=path.name))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from (tuple(row) for row in csv.reader(io.StringIO(text), dialect))


def read_table(path: Path, aliases: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, values by key) for every non-blank row under the header row.

    ``aliases`` maps :func:`header_key` of each accepted column name to a key.
    The header is the first row (of the first ten) with two or more known names.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _rows_of_xlsx(path)
    elif suffix == ".csv":
        rows = _rows_of_csv(path)
    else:
        raise InvalidInput(_l("Import an .xlsx or .csv file."))
    columns: dict[int, str] | None = None
    for number, row in enumerate(rows, start=1):
        if columns is None:
            found = {
                i: aliases[header_key(v)] for i, v in enumerate(row) if header_key(v) in aliases
            }
            if len(found) >= 2:
                columns = found
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        values = {key: row[i] if i < len(row) else None for i, key in columns.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        yield number, values
    if columns is None:
        raise InvalidInput(
            _l("No header row was found in %(file)s: check the column names.", file=path.name)
        )


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def parse_day(value: Any) -> date | None:
    """A date from a cell or front matter; None when blank; ValueError when not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)
