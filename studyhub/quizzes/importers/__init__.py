"""Question-file importers: pure functions from a file's bytes to neutral records.

Each format module has ``parse(data, *, filename) -> ParseResult`` (see ``model``);
:func:`parse` picks the module by the format asked for, or detects it. Nothing here
touches the database: the bank's services store what a parse returns, after
sanitising its HTML and replacing media references.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from studyhub.quizzes.importers import aiken, csv_bank, gift, moodle_xml, xlsx
from studyhub.quizzes.importers.detect import FORMATS, UnreadableFile, detect_format
from studyhub.quizzes.importers.model import ParseResult, Problem

PARSERS: dict[str, Callable[..., ParseResult]] = {
    "xlsx": xlsx.parse,
    "csv": csv_bank.parse,
    "gift": gift.parse,
    "aiken": aiken.parse,
    "moodle-xml": moodle_xml.parse,
}


def parse(data: bytes, *, filename: str, file_format: str = "auto") -> ParseResult:
    """Parse a question file in ``file_format`` (one of :data:`FORMATS`, or "auto")."""
    if file_format == "auto":
        try:
            file_format = detect_format(data, filename=filename)
        except UnreadableFile as exc:
            return ParseResult(errors=[Problem(0, str(exc))])
    if file_format not in PARSERS:
        message = _(
            "Unknown question format %(format)s; use one of %(formats)s.",
            format=file_format,
            formats=", ".join(FORMATS),
        )
        return ParseResult(errors=[Problem(0, message)])
    result = PARSERS[file_format](data, filename=filename)
    if not result.questions and not result.errors:
        # An empty file, or one of nothing but skipped questions, is not an empty bank.
        message = (
            _("The file holds no question of a type that can be imported.")
            if result.skipped
            else _("The file is empty: it holds no questions.")
        )
        result.errors.append(Problem(0, message))
    return result
