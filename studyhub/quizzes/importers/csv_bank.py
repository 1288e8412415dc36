"""CSV banks: the XLSX template's columns in a text file (UTF-8 with or without a BOM,
or GB18030 as Chinese Excel saves "CSV"), separated by commas, tabs or semicolons.

A file is taken for CSV by its content — a row naming the template's columns
(题型 and 题干 at least) within its first lines — not by guessing, so a CSV bank
is never read as GIFT.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from studyhub.quizzes.importers import xlsx
from studyhub.quizzes.importers.detect import UnreadableFile, decode_text
from studyhub.quizzes.importers.model import ParseResult, Problem

DELIMITERS = (",", "\t", ";", "；")
_HEAD_LINES = 10


def delimiter_of(text: str) -> str | None:
    """The delimiter whose rows include the template's header, or None: not a CSV bank."""
    head = "\n".join(text.splitlines()[:_HEAD_LINES])
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(head), delimiter=delimiter))
        except csv.Error:
            continue
        if any(xlsx.is_header(row) for row in rows):
            return delimiter
    return None


def parse(data: bytes | str, *, filename: str = "") -> ParseResult:
    result = ParseResult()
    try:
        text = decode_text(data)
    except UnreadableFile as exc:
        result.errors.append(Problem(0, str(exc)))
        return result
    if not text.strip():
        result.errors.append(Problem(0, _("The file is empty: it holds no questions.")))
        return result
    delimiter = delimiter_of(text) or ","
    try:
        rows = [tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        result.errors.append(Problem(0, _("The file is not valid CSV: %(error)s", error=exc)))
        return result
    xlsx.read_rows(iter(enumerate(rows, start=1)), result)
    return result
