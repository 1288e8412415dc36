"""Reading a roster: an .xlsx or .csv file (UTF-8 or GB18030), its columns and cell values."""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl.utils.datetime import from_excel

from studyhub.core.errors import InvalidInput
from studyhub.org.roster.columns import (
    DATE_RE,
    HEADER_ALIASES,
    HEADERS,
    TIME_SUFFIX_RE,
    RosterFileError,
)
from studyhub.web import uploads as stash
from studyhub.web.sheets import Sheet, keyed_sheet, xlsx_rows

# Reading ---------------------------------------------------------------------------------


@contextmanager
def open_roster(path: Path, *, filename: str | None = None) -> Iterator[Sheet]:
    """Open an .xlsx or .csv roster; raises :class:`RosterFileError` when it cannot be read."""
    suffix = Path(filename or path.name).suffix.lower()
    if suffix == ".xlsx":
        reader = xlsx_rows(
            path,
            unreadable=_l(
                "The file cannot be read as an Excel workbook (.xlsx). "
                "Save an old .xls file as .xlsx first."
            ),
            error=RosterFileError,
        )
    elif suffix == ".csv":
        reader = _csv_rows(path)
    else:
        raise RosterFileError(_l("The roster must be an .xlsx or .csv file."))
    with reader as raw:
        yield _sheet(raw)


@contextmanager
def _csv_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
        delimiter = max(",\t;", key=first.count)
        reader = csv.reader(itertools.chain([first], fh), delimiter=delimiter)
        yield _guarded(enumerate(reader, start=1))


def _guarded(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from rows
    except csv.Error as exc:
        raise RosterFileError(_l("The file is not a valid CSV file: %(error)s", error=exc)) from exc


def detect_encoding(path: Path) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (what Excel in China writes)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise RosterFileError(_l("This is an Excel workbook; give the file the .xlsx ending."))
    for encoding in ("utf-8", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    raise RosterFileError(
        _l(
            "The file is not UTF-8 or GB18030 text. In Excel, save it as "
            "“CSV UTF-8” or as an .xlsx workbook."
        )
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 16):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sheet(raw: Iterator[tuple[int, Any]]) -> Sheet:
    return keyed_sheet(
        raw,
        aliases=HEADER_ALIASES,
        labels=HEADERS,
        anchor="name",
        missing=_missing_columns,
        error=RosterFileError,
    )


def _missing_columns(found: Iterable[str]) -> list[str]:
    found = set(found)
    missing = [HEADERS[k] for k in ("name", "branch") if k not in found]
    if "phone" not in found and "member_no" not in found:
        missing.append(f"{HEADERS['phone']}/{HEADERS['member_no']}")
    return missing


# Cell values -----------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = " ".join(str(value).replace("\u200b", "").replace("\ufeff", "").split())
    if text.startswith('="') and text.endswith('"'):  # ="0123", Excel's way to keep zeros
        text = text[2:-1]
    return text


def login_text(value: Any) -> str:
    return cell_text(value).lstrip("'").replace(" ", "")


def parse_phone(value: Any) -> str:
    phone = login_text(value).replace("-", "")
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
    if len(phone) == 13 and phone.startswith("86"):
        phone = phone[2:]
    return phone


def parse_date(value: Any) -> date:
    """An Excel date, or text like 2001-07-01, 2001/7/1, 2001年7月1日, 2001.07.01.

    Year and month alone (2001.07, common in Party records) mean the first of that month.
    """
    parsed: date | None = None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            parsed = _ymd(str(int(value))[:4], str(int(value))[4:6], str(int(value))[6:])
        elif 0 < value < 100000:
            parsed = from_excel(value).date()
    else:
        text = TIME_SUFFIX_RE.sub("", cell_text(value))
        if match := DATE_RE.match(text):
            parsed = _ymd(match[1], match[2], match[3] or "1")
        elif re.fullmatch(r"\d{8}", text):
            parsed = _ymd(text[:4], text[4:6], text[6:])
    if parsed is None:
        raise InvalidInput(
            _l("%(value)s is not a date; write it like 2001-07-01.", value=cell_text(value))
        )
    if not 1921 <= parsed.year <= 2100:
        raise InvalidInput(_l("%(value)s is not a possible date.", value=parsed.isoformat()))
    return parsed


def _ymd(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def unit_name(text: str) -> str:
    return " ".join(text.split()).replace("(", "（").replace(")", "）")


# Uploads waiting for confirmation ---------------------------------------------------------


class UploadStash(stash.UploadStash):
    """Uploaded rosters kept between the preview and the confirmation."""

    SUFFIXES = (".xlsx", ".csv")
