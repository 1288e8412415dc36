"""Which format a question file is in, and how its text is encoded.

Text files are UTF-8 (with or without a byte-order mark) or UTF-16 with a mark. A
file that is not is read as GB18030 (what Chinese Windows writes) or Windows-1252
(Western Windows) when one of them decodes it cleanly into something that looks
like text; anything else is refused with a message saying what to do.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import PurePath

from flask_babel import gettext as _

FORMATS = ("xlsx", "csv", "gift", "aiken", "moodle-xml")

_EXTENSIONS = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".gift": "gift",
    ".xml": "moodle-xml",
    ".aiken": "aiken",
    ".csv": "csv",
}
_AIKEN_OPTION = re.compile(r"^[A-Z][).]", re.MULTILINE)
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*:", re.MULTILINE)
# Share of two-byte GB18030 characters whose second byte is below 0xA1. In GB2312 text
# (nearly all simplified Chinese) there are none; Latin text misread as GB18030 is full
# of them, because there the second byte is an ASCII letter.
_GB_LOW_TRAIL_LIMIT = 0.2


class UnreadableFile(ValueError):
    """The file as a whole cannot be read; the message says why, for a person."""


def decode_text(data: bytes | str) -> str:
    """The text of a file, or :class:`UnreadableFile` with a clear message."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return _strict(data, "utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_like_text(text):
            return text
        raise _not_text()
    for encoding in ("gb18030", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text) and (encoding != "gb18030" or _plausible_gb(text)):
            return text
    raise _not_text()


def _strict(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _not_text() from exc
    if not _looks_like_text(text):
        raise _not_text()
    return text


def _not_text() -> UnreadableFile:
    return UnreadableFile(
        _(
            "The file is not text in UTF-8, GB18030 or Windows-1252. "
            "Save it as UTF-8 text (or use the XLSX template) and try again."
        )
    )


def _looks_like_text(text: str) -> bool:
    for char in text:
        if char in "\t\n\r\f":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Co", "Cn", "Cs"):
            return False
    return True


def _plausible_gb(text: str) -> bool:
    double = low = 0
    for char in text:
        if ord(char) < 0x80:
            continue
        encoded = char.encode("gb18030")
        if len(encoded) == 2:
            double += 1
            low += encoded[1] < 0xA1
    return double == 0 or low / double <= _GB_LOW_TRAIL_LIMIT


def detect_format(data: bytes | str, *, filename: str) -> str:
    """One of :data:`FORMATS`, from the file's name and, for .txt and the like, its text."""
    if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
        return "xlsx"
    suffix = PurePath(filename).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    text = decode_text(data)
    if not text.strip():
        raise UnreadableFile(_("The file is empty: it holds no questions."))
    head = text.lstrip()[:200]
    if head.startswith(("<?xml", "<quiz")):
        return "moodle-xml"
    from studyhub.quizzes.importers.csv_bank import delimiter_of  # csv_bank imports this module

    if delimiter_of(text) is not None:
        return "csv"
    if _AIKEN_ANSWER.search(text) and _AIKEN_OPTION.search(text) and "{" not in text:
        return "aiken"
    return "gift"
