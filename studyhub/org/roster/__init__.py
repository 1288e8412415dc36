"""Roster import: read an XLSX or CSV roster, check every row, then write all or nothing.

Files are read as streams (openpyxl in read-only mode, the csv reader); what is
kept is one small typed entry per row, enough to check the whole file before
anything is written. The rules a person editing the sheet can rely on:

- a row updates the member with its member number, or with its phone when the
  row has no member number; any other row adds a member;
- a blank phone, member number or status keeps what is stored; a blank date,
  position or Party group clears it; a column missing from the file changes
  nothing;
- an inactive member listed again becomes active again;
- importing the same file twice changes nothing the second time.

The package's parts, in the order a file goes through them: :mod:`.columns` (the
template's columns, the entries and results), :mod:`.reading` (files and cell values),
:mod:`.checking`, :mod:`.writing`, and :mod:`.template` (the file staff fill in).
"""

from __future__ import annotations

from studyhub.org.roster.checking import validate_roster
from studyhub.org.roster.columns import (
    DEFAULT_MAX_ROWS,
    EXAMPLE,
    HEADERS,
    Action,
    CheckedRoster,
    ImportResult,
    RosterEntry,
    RosterFileError,
)
from studyhub.org.roster.reading import (
    UploadStash,
    detect_encoding,
    open_roster,
    parse_date,
    parse_phone,
)
from studyhub.org.roster.template import build_template, template_units
from studyhub.org.roster.writing import apply_roster

__all__ = [
    "DEFAULT_MAX_ROWS",
    "EXAMPLE",
    "HEADERS",
    "Action",
    "CheckedRoster",
    "ImportResult",
    "RosterEntry",
    "RosterFileError",
    "UploadStash",
    "apply_roster",
    "build_template",
    "detect_encoding",
    "open_roster",
    "parse_date",
    "parse_phone",
    "template_units",
    "validate_roster",
]
