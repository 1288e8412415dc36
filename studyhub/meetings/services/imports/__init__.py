"""Import past meetings from an XLSX file: check every row, then write all or nothing.

One row per meeting that took place before the system was used: branch, kind,
group (for a group meeting), topic, start (date and time), end, place, host,
recorder, lecturer, guests, content, decisions, and optionally the study plan a
lesson or general meeting covered. The rules:

- Attendance is not imported. The roster of a past meeting (who should have
  attended) is not known, and counts are derived from the roster, never typed;
  so an imported record has no attendance rows, its 应到/实到 are blank in the
  register, and it does not count in anyone's attendance ratio. Nor does it
  carry study evidence (that is a snapshot taken when a record is submitted).
- An imported record is complete: it is stored as approved, with the importer
  as its recorder and reviewer and the import time as when it was recorded and
  reviewed (so its age is visible), and its trail says ``imported`` with the
  file and row. It counts for compliance like any meeting held.
- A row naming the same branch, kind, group and start as a meeting already
  stored is skipped, so importing a file twice adds nothing the second time;
  two such rows in one file are an error.
- Any wrong row (unknown kind, branch or group; a date that is not a date and
  time in the past; a missing topic; text too long; an end before the start; a
  plan that is not the branch's) stops the whole import, with every problem
  listed by row and column.

The file itself (columns, cells, dates, branch names, the template) is read by
:mod:`import_file`."""

from __future__ import annotations

from studyhub.meetings.services.imports.checking import BATCH as BATCH
from studyhub.meetings.services.imports.checking import DEFAULT_MAX_ROWS as DEFAULT_MAX_ROWS
from studyhub.meetings.services.imports.checking import LIMITS as LIMITS
from studyhub.meetings.services.imports.checking import CheckedImport as CheckedImport
from studyhub.meetings.services.imports.checking import ImportResult as ImportResult
from studyhub.meetings.services.imports.checking import MeetingRow as MeetingRow
from studyhub.meetings.services.imports.checking import Progress as Progress
from studyhub.meetings.services.imports.checking import check_import as check_import
from studyhub.meetings.services.imports.writing import apply_import as apply_import
