"""Reading imported spreadsheets: the rows of an .xlsx workbook, and the columns named by a
header row that may sit below a title row or two.

Every import (rosters, past meetings) reads its file through here; each names its
columns (a key for every header it accepts), the column that marks the header row,
the columns it cannot do without, and the error class its callers expect.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from studyhub.core.errors import InvalidInput

# A title row or two may sit above the column names.
HEADER_SEARCH_ROWS = 10

RawRows = Iterator[tuple[int, Any]]  # (row number as Excel counts, the row's values)


@dataclass
class Sheet:
    """An open import file: the columns found (key → header as written) and the data rows,
    each as (row number, key → value)."""

    headers: dict[str, str]
    rows: Iterator[tuple[int, dict[str, Any]]]


@contextmanager
def xlsx_rows(
    path: Path, *, unreadable: str, error: type[InvalidInput] = InvalidInput
) -> Iterator[RawRows]:
    """The first worksheet's rows, numbered from 1; ``error(unreadable)`` when the file is not
    an .xlsx workbook."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise error(unreadable) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size, which would cut rows
        yield enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def header_text(value: Any) -> str:
    """A header cell as a lookup key: no spaces or required-marks (*), no trailing unit or
    format in brackets (``入党日期(yyyy-mm-dd)``), lower case, ``-`` as ``_``."""
    text = "".join(str(value or "").split()).strip("*＊")
    text = re.sub(r"[（(].*[）)]$", "", text)
    return text.lower().replace("-", "_")


def _header_row(
    raw: RawRows,
    aliases: Mapping[str, str],
    labels: Mapping[str, str],
    anchor: str,
    error: type[InvalidInput],
) -> tuple[int, Any, list[str | None]]:
    for number, values in itertools.islice(raw, HEADER_SEARCH_ROWS):
        keys = [aliases.get(header_text(v)) for v in values]
        if anchor in keys:
            return number, values, keys
    raise error(
        _l(
            "No row of column names was found. The first row must name the columns, "
            "like %(headers)s.",
            headers="、".join(labels.values()),
        )
    )


def keyed_sheet(
    raw: RawRows,
    *,
    aliases: Mapping[str, str],
    labels: Mapping[str, str],
    anchor: str,
    missing: Callable[[Iterable[str]], list[str]],
    error: type[InvalidInput] = InvalidInput,
) -> Sheet:
    """Find the header row (the first of :data:`HEADER_SEARCH_ROWS` with the ``anchor``
    column), key its columns through ``aliases`` (header text → key; other columns are
    ignored) and check them: ``missing(keys found)`` names the columns that are lacking.
    ``labels`` (key → column name) name the columns in errors."""
    number, values, keys = _header_row(raw, aliases, labels, anchor, error)
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue  # columns we do not use (序号, 性别…)
        if key in headers:
            raise error(
                _l("Row %(row)d has two columns for %(column)s.", row=number, column=labels[key])
            )
        columns[index] = key
        headers[key] = " ".join(str(values[index]).split())
    lacking = missing(headers)
    if lacking:
        raise error(_l("The file has no column %(columns)s.", columns="、".join(lacking)))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for row_number, row in raw:
            yield row_number, {k: row[i] for i, k in columns.items() if i < len(row)}

    return Sheet(headers=headers, rows=rows())
